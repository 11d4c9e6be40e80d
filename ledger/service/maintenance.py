"""Keeping the read model true to the log: catching up with events appended without their
projection (opening a damaged log read-only), and rebuilding it from position 0.
`Maintenance` is the part of `Ledger` that does it: on the store's connection for a read
model in SQL, through `ledger.service.memory_upkeep` for one in memory."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import structlog

from ledger.errors import LogDamagedError, LogTruncatedError
from ledger.projections import comparison
from ledger.projections import queries as q
from ledger.projections.memory import MemoryReadModel
from ledger.projections.projector import Projector
from ledger.projections.read_model import ReadModel
from ledger.projections.sql_read_model import SqlReadModel, SqlReads
from ledger.service import inputs, memory_upkeep
from ledger.service.audit import ContentError, apply_checked, replay_fold
from ledger.service.collector import cycles_uncollected
from ledger.service.results import ReplayResult
from ledger.store.record import EventStore
from ledger.store.scan import scan
from ledger.store.sql import rows_after

log = structlog.get_logger("ledger")

Progress = Callable[[int, int], None]
"""Called during long work with (done, total)."""


class Maintenance:
    """`Ledger`'s methods that keep the read model true to the log; the attributes they use
    are set by `Ledger.__init__`."""

    store: EventStore
    read_model: ReadModel
    damage: LogDamagedError | None

    def catch_up(self) -> int:
        """Bring the read model up to the log (after a migration emptied it, or events were
        appended without their projection); returns how many events it was behind (0:
        nothing done).

        A read model *ahead* of the log is evidence that events were removed: it is never
        rebuilt over. A warning says so, nothing is done, and the result is negative (how
        many events are missing); `verify()` reports it. A log holding an event the
        ledger's rules refuse opens read-only: the read model is brought up to the event
        before it, and every write raises `LogDamagedError`."""
        applied, head = applied_and_head(self.store, self.read_model)
        if applied > head:
            log.warning(
                "read model ahead of the log: events were removed; not rebuilding",
                applied=applied,
                head=head,
            )
        elif applied < head:
            log.warning("read model behind the log; catching up", behind=head - applied)
            try:
                self._catch_up()
            except LogDamagedError as damage:
                # Keep what can be read: the read model up to the event before the bad one.
                log.error("log damaged; opening read-only", position=damage.position)
                self.damage = damage
                self._catch_up(until=damage.position - 1)
        return head - applied

    def _catch_up(self, until: int | None = None) -> None:
        """Under the writers' lock, look again (another process may have caught up first),
        then rebuild the read model when it is empty (a migration emptied it), or project
        the events appended after its checkpoint without their projection — checked by the
        rules, as they never were. (A read model in memory is never emptied by a migration:
        it folds, checked, whatever it has not applied.)"""
        if isinstance(self.read_model, MemoryReadModel):
            self._catch_up_in_memory(self.read_model, until)
            return
        assert isinstance(self.read_model, SqlReadModel), "a read model in SQL or in memory"
        projector = self.read_model.projector
        with self.read_model.store.transaction(write=True) as connection:
            applied = q.checkpoint(connection)
            if until is None and applied >= q.head_position(connection):
                return
            if applied == 0:
                rebuild(connection, projector, until=until)
                return
            events = rows_after(connection, applied)
            if until is not None:
                events = itertools.takewhile(lambda e: e.position <= until, events)
            try:
                apply_checked(connection, projector, events)
            except ContentError as error:
                raise LogDamagedError(error.fault.position, error.fault.reason) from error

    def _catch_up_in_memory(self, model: MemoryReadModel, until: int | None) -> None:
        with model.appending():
            with model.reading() as reads:
                applied = reads.checkpoint()
            events = self.store.read_all(applied)
            if until is not None:
                events = itertools.takewhile(lambda e: e.position <= until, events)
            try:
                memory_upkeep.fold_into(model, events)
            except ContentError as error:
                raise LogDamagedError(error.fault.position, error.fault.reason) from error

    def replay(
        self,
        *,
        check: bool = True,
        progress: Progress | None = None,
        accept_truncation: bool = False,
    ) -> ReplayResult:
        """Rebuild every projection from position 0. With `check`, compare the rebuilt read
        model with the one kept live and report any difference.

        A read model ahead of the log (events were removed) raises `LogTruncatedError`
        and nothing is rebuilt, unless `accept_truncation`: the rebuild then erases that
        evidence. An event that cannot be applied raises `LogDamagedError` and changes
        nothing."""
        inputs.flag(check, "check")
        inputs.callback(progress, "progress")
        started = time.perf_counter()
        if isinstance(self.read_model, MemoryReadModel):
            count, total, figures, found = self._replay_in_memory(
                self.read_model, check=check, progress=progress, accept_truncation=accept_truncation
            )
        else:
            assert isinstance(self.read_model, SqlReadModel), "a read model in SQL or in memory"
            with self.read_model.store.transaction(write=True) as connection:
                applied, total = q.checkpoint(connection), q.head_position(connection)
                if applied > total and not accept_truncation:
                    raise LogTruncatedError(applied, total)
                before = comparison.dump(connection) if check else None
                count = rebuild(connection, self.read_model.projector, progress)
                after = comparison.dump(connection) if check else None
                figures = len(q.figure_keys(connection))
            found = []
            if before is not None and after is not None:
                found = comparison.differences(before, after)
        if progress:
            progress(count, total)
        differences = tuple(found)
        seconds = time.perf_counter() - started
        log.info(
            "replayed",
            events=count,
            figures=figures,
            seconds=round(seconds, 3),
            identical=not differences if check else None,
        )
        return ReplayResult(
            events=count,
            figures=figures,
            seconds=seconds,
            identical=(not differences) if check else None,
            differences=differences,
        )

    def _replay_in_memory(
        self,
        model: MemoryReadModel,
        *,
        check: bool,
        progress: Progress | None,
        accept_truncation: bool,
    ) -> tuple[int, int, int, list[str]]:
        """Fold the log into a fresh read model and take it as the live one: (events
        applied, the log's head, figures, differences from the live one with `check`)."""
        with model.appending():  # no append in between
            applied, total = applied_and_head(self.store, self.read_model)
            if applied > total and not accept_truncation:
                raise LogTruncatedError(applied, total)
            try:
                fresh, count = memory_upkeep.rebuilt(
                    self.store.read_all(), (lambda n: progress(n, total)) if progress else None
                )
            except ContentError as error:
                raise LogDamagedError(error.fault.position, error.fault.reason) from error
            found = memory_upkeep.rebuilt_differences(model, fresh) if check else []
            model.adopt(fresh)
            with model.reading() as reads:
                figures = len(reads.figures())
        return count, total, figures, found


def applied_and_head(store: EventStore, read_model: ReadModel) -> tuple[int, int]:
    """The last position the read model has applied, and the log's head: read in that
    order (a later commit only lengthens the log), in one transaction on SQL."""
    with read_model.reading() as reads:
        applied = reads.checkpoint()
        if isinstance(reads, SqlReads):
            return applied, reads.head_position()
    return applied, store.head()[0]


def rebuild(
    connection: Any,
    projector: Projector,
    progress: Progress | None = None,
    *,
    until: int | None = None,
) -> int:
    """Empty the read model and fold the log into it again (up to `until`), in the batches
    it was appended in; returns the number of events applied. An event that cannot be
    applied raises `LogDamagedError`."""
    total = (q.head_position(connection) if until is None else until) if progress else 0
    try:
        with projector.rebuilding(connection), cycles_uncollected():
            return replay_fold(
                connection,
                projector,
                scan(connection, 0, until),
                progress=(lambda n: progress(n, total)) if progress else None,
            )
    except ContentError as error:
        raise LogDamagedError(error.fault.position, error.fault.reason) from error
