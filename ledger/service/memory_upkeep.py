"""A read model in memory kept true to the log (`MemoryUpkeep`): the fold that catch-up,
replay and `verify` run for it, as `ledger.service.audit` runs them on a SQL connection.

`fold_into` decodes stored events (reading each quantity again from its value when it
checks), groups them in the batches they were appended in, and applies each batch with
`ReadModel.apply`; the first event refused raises `ContentError` naming it, with the
same words as the SQL fold. `first_fault` and `rebuilt` fold the log into a fresh
`MemoryReadModel`, never trusting the live one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

from ledger.domain.events import Event
from ledger.errors import LogDamagedError, LogTruncatedError
from ledger.projections.memory import MemoryReadModel
from ledger.projections.memory_tables import differences
from ledger.projections.read_model import ReadModel
from ledger.service.audit import ContentError, ContentFault, batch_of, decode_checked, fold
from ledger.service.upkeep import Progress, Rebuilt, Upkeep
from ledger.store.record import EventStore, StoredEvent


class MemoryUpkeep(Upkeep):
    """Catch-up folds into the live read model; replay and `verify` into a fresh one, under
    the read model's own lock (no append in between)."""

    def __init__(self, store: EventStore, model: MemoryReadModel) -> None:
        self.store = store
        self.model = model

    def applied_and_head(self) -> tuple[int, int]:
        with self.model.reading() as reads:
            applied = reads.checkpoint()
        return applied, self.store.head()[0]

    def catch_up(self, until: int | None = None) -> None:
        with self.model.appending():
            with self.model.reading() as reads:
                applied = reads.checkpoint()
            events = self.store.read_all(applied)
            if until is not None:
                events = itertools.takewhile(lambda e: e.position <= until, events)
            try:
                fold_into(self.model, events)
            except ContentError as error:
                raise LogDamagedError(error.fault.position, error.fault.reason) from error

    def rebuild(
        self, *, check: bool, progress: Progress | None, accept_truncation: bool
    ) -> Rebuilt:
        """Fold the log into a fresh read model and take it as the live one."""
        with self.model.appending():
            applied, total = self.applied_and_head()
            if applied > total and not accept_truncation:
                raise LogTruncatedError(applied, total)
            try:
                fresh, count = rebuilt(
                    self.store.read_all(), (lambda n: progress(n, total)) if progress else None
                )
            except ContentError as error:
                raise LogDamagedError(error.fault.position, error.fault.reason) from error
            found = rebuilt_differences(self.model, fresh) if check else []
            self.model.adopt(fresh)
            with self.model.reading() as reads:
                figures = len(reads.figures())
        return Rebuilt(count, total, figures, tuple(found))

    def first_fault(self) -> ContentFault | None:
        return first_fault(self.store.read_all())

    def rebuilt_differences(self) -> list[str]:
        with self.model.appending():
            fresh, _ = rebuilt(self.store.read_all())
            return rebuilt_differences(self.model, fresh)


def fold_into(
    model: ReadModel,
    events: Iterable[StoredEvent],
    *,
    check: bool = True,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Decode, check (with `check`) and apply `events` to `model`, a batch at a time as
    they were appended; returns how many were applied, or raises `ContentError` at the
    first bad one. Without `check` the rules are not run again, but an event that cannot
    be applied still stops the fold."""

    def apply(batch: list[tuple[StoredEvent, Event]]) -> None:
        model.apply(None, list(batch), check=check)  # (a copy: `fold` reuses its list)

    decoded = ((s, decode_checked(s, reread=check), batch_of(s)) for s in events)
    return fold(apply, lambda: model.failed_at, decoded, check=check, progress=progress)


def first_fault(events: Iterable[StoredEvent]) -> ContentFault | None:
    """Fold the log through the ledger's rules into a scratch read model in memory: the
    first event they refuse, or None."""
    try:
        fold_into(MemoryReadModel(), events)
    except ContentError as error:
        return error.fault
    return None


def rebuilt(
    events: Iterable[StoredEvent], progress: Callable[[int], None] | None = None
) -> tuple[MemoryReadModel, int]:
    """A fresh read model in memory with the log folded into it (checked when it was
    appended: the rules are not run again), and how many events it applied."""
    fresh = MemoryReadModel()
    return fresh, fold_into(fresh, events, check=False, progress=progress)


def rebuilt_differences(live: MemoryReadModel, fresh: MemoryReadModel) -> list[str]:
    """Where the live read model differs from a rebuild of the log."""
    return differences(live.tables.dump(), fresh.tables.dump())
