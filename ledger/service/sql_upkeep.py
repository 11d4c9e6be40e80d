"""A read model in SQL kept true to its log, on the store's connection (`Upkeep`)."""

from __future__ import annotations

import itertools
from typing import Any

from ledger.errors import LogDamagedError, LogTruncatedError
from ledger.projections import comparison
from ledger.projections import queries as q
from ledger.projections.projector import Projector
from ledger.projections.sql_read_model import SqlReadModel
from ledger.service import audit
from ledger.service.audit import ContentError, ContentFault, apply_checked, replay_fold
from ledger.service.collector import cycles_uncollected
from ledger.service.upkeep import Progress, Rebuilt, Upkeep
from ledger.store.scan import scan
from ledger.store.sql import rows_after


class SqlUpkeep(Upkeep):
    """Catch-up and rebuilds in the store's transactions; `verify`'s fold into a scratch
    SQLite file, and its rebuild in a savepoint rolled back."""

    def __init__(self, model: SqlReadModel) -> None:
        self.model = model
        self.store = model.store

    def applied_and_head(self) -> tuple[int, int]:
        with self.store.transaction() as connection:
            return q.checkpoint(connection), q.head_position(connection)

    def catch_up(self, until: int | None = None) -> None:
        projector = self.model.projector
        with self.store.transaction(write=True) as connection:
            applied = q.checkpoint(connection)
            if until is None and applied >= q.head_position(connection):
                return
            if applied == 0:  # a migration emptied it
                rebuild(connection, projector, until=until)
                return
            events = rows_after(connection, applied)
            if until is not None:
                events = itertools.takewhile(lambda e: e.position <= until, events)
            try:
                apply_checked(connection, projector, events)
            except ContentError as error:
                raise LogDamagedError(error.fault.position, error.fault.reason) from error

    def rebuild(
        self, *, check: bool, progress: Progress | None, accept_truncation: bool
    ) -> Rebuilt:
        with self.store.transaction(write=True) as connection:
            applied, total = q.checkpoint(connection), q.head_position(connection)
            if applied > total and not accept_truncation:
                raise LogTruncatedError(applied, total)
            before = comparison.dump(connection) if check else None
            count = rebuild(connection, self.model.projector, progress)
            after = comparison.dump(connection) if check else None
            figures = len(q.figure_keys(connection))
        found = [] if before is None or after is None else comparison.differences(before, after)
        return Rebuilt(count, total, figures, tuple(found))

    def first_fault(self) -> ContentFault | None:
        return audit.first_fault(self.store.read_all())

    def rebuilt_differences(self) -> list[str]:
        """Rebuilt inside a savepoint that is rolled back, under the writers' lock: both
        read models are then of the same log."""
        with self.store.transaction(write=True) as connection:
            stored = comparison.dump(connection)
            savepoint = connection.begin_nested()
            try:
                rebuild(connection, Projector())  # its own memory: nothing of it outlives
                rebuilt = comparison.dump(connection)
            finally:
                savepoint.rollback()
        return comparison.differences(stored, rebuilt)


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
