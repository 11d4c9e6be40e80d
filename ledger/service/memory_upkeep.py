"""A read model in memory kept true to the log: the fold that catch-up, replay and
`verify` run for it, as `ledger.service.audit` runs them on a SQL connection.

`fold_into` decodes stored events (reading each quantity again from its value when it
checks), groups them in the batches they were appended in, and applies each batch with
`ReadModel.apply`; the first event refused raises `ContentError` naming it, with the
same words as the SQL fold. `first_fault` and `rebuilt` fold the log into a fresh
`MemoryReadModel`, never trusting the live one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ledger.domain.events import Event
from ledger.errors import LedgerError
from ledger.projections.memory import MemoryReadModel
from ledger.projections.memory_tables import differences
from ledger.projections.read_model import ReadModel
from ledger.service.audit import ContentError, ContentFault, _decoded, _refused
from ledger.store.record import StoredEvent


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
    count = 0
    batch: list[tuple[StoredEvent, Event]] = []
    current: object = None
    refused: tuple[type[Exception], ...] = (LedgerError,) if check else (Exception,)

    def flush() -> None:
        try:
            model.apply(None, list(batch), check=check)
        except refused as error:
            position = model.failed_at or batch[0][0].position
            raise ContentError(ContentFault(position, _refused(error))) from error
        batch.clear()

    for stored in events:
        key = stored.metadata.get("batch")
        if batch and key != current:
            flush()
        current = key
        batch.append((stored, _decoded(stored, reread=check)))
        count += 1
        if progress is not None and count % 1000 == 0:
            progress(count)
    if batch:
        flush()
    return count


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
