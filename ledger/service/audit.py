"""The log checked by the ledger's own rules, event by event, without trusting a read model.

A row can carry a valid hash and still be something the ledger would never have appended:
an unknown event type, a retraction of a claim that does not exist, a quantity that is not
what the lexicon reads from its value. `apply_checked` folds stored events through the
same checks a live append makes (decoding, the quantity, then the projector with its
rules) and names the first event they refuse. `verify` runs it over the whole log into a
scratch read model; `import` runs it over the records it writes, in the same transaction.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection

from ledger.domain.events import ClaimAsserted, Event
from ledger.domain.quantity import LEXICON_VERSION, parse_quantity
from ledger.errors import EventDecodeError, LedgerError, UnknownClaimError
from ledger.projections.projector import Projector
from ledger.service.mapper import from_stored, from_text
from ledger.store import migrate
from ledger.store.canonical import canonical_json, decode_json
from ledger.store.record import StoredEvent
from ledger.store.scan import ScannedEvent
from ledger.store.schema import events as events_table
from ledger.store.sql import create_engine


@dataclass(frozen=True)
class ContentFault:
    """The first stored event the ledger's rules refuse, and why, in words."""

    position: int
    reason: str


class ContentError(LedgerError):
    """Raised by `apply_checked` at the first event the ledger's rules refuse."""

    def __init__(self, fault: ContentFault) -> None:
        self.fault = fault
        super().__init__(f"position {fault.position}: {fault.reason}")


Decoded = tuple[StoredEvent, Event, object]
"""A stored event, its domain event, and the batch it was appended in."""


def apply_checked(
    connection: Connection,
    projector: Projector,
    events: Iterable[StoredEvent],
    *,
    check: bool = True,
    before_batch: Callable[[list[StoredEvent]], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Decode, check and project `events` (the log from its start, in order), a batch at a
    time as they were appended; `before_batch` sees each batch first (an import writes it).
    Without `check` (a replay of a log whose events were checked when appended) the rules
    are not run again, but an event that cannot be applied still stops the fold.
    Returns how many events were applied; raises `ContentError` at the first bad one."""
    decoded = (
        (stored, decode_checked(stored, reread=check), batch_of(stored)) for stored in events
    )
    apply, failed_at = projecting(connection, projector, check=check)
    return fold(
        apply, failed_at, decoded, check=check, before_batch=before_batch, progress=progress
    )


def replay_fold(
    connection: Connection,
    projector: Projector,
    events: Iterable[ScannedEvent],
    progress: Callable[[int], None] | None = None,
) -> int:
    """`apply_checked` without the checks, for a log whose events were checked when
    appended: each payload is decoded straight from its stored text."""

    def decoded(scanned: ScannedEvent) -> Decoded:
        stored = scanned.record
        try:
            event = from_text(stored, scanned.payload)
            batch = decode_json(scanned.metadata).get("batch")
        except (LedgerError, ValueError, AttributeError) as error:
            reason = f"{error}".removeprefix(f"position {stored.position}: ")
            raise ContentError(ContentFault(stored.position, reason)) from error
        return stored, event, batch

    apply, failed_at = projecting(connection, projector, check=False)
    return fold(apply, failed_at, map(decoded, events), check=False, progress=progress)


def fold(
    apply: Callable[[list[tuple[StoredEvent, Event]]], None],
    failed_at: Callable[[], int | None],
    events: Iterable[Decoded],
    *,
    check: bool,
    before_batch: Callable[[list[StoredEvent]], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Apply decoded events a batch at a time, as they were appended (`apply`: to a read
    model; `failed_at`: the event its last refused batch stopped at)."""
    count = 0
    batch: list[tuple[StoredEvent, Event]] = []
    current: object = None
    refused: tuple[type[Exception], ...] = (LedgerError,) if check else (Exception,)

    def flush() -> None:
        if before_batch is not None:
            before_batch([stored for stored, _ in batch])
        try:
            apply(batch)
        except refused as error:
            position = failed_at() or batch[0][0].position
            raise ContentError(ContentFault(position, refused_reason(error))) from error
        batch.clear()

    for stored, event, key in events:
        if batch and key != current:
            flush()
        current = key
        batch.append((stored, event))
        count += 1
        if progress is not None and count % 1000 == 0:
            progress(count)
    if batch:
        flush()
    return count


def projecting(
    connection: Connection, projector: Projector, *, check: bool
) -> tuple[Callable[[list[tuple[StoredEvent, Event]]], None], Callable[[], int | None]]:
    """`fold`'s `apply` and `failed_at` for the SQL projector on `connection`."""

    def apply(batch: list[tuple[StoredEvent, Event]]) -> None:
        projector.handle(connection, batch, check=check)

    return apply, lambda: projector.failed_at


def batch_of(stored: StoredEvent) -> object:
    """The batch an event was appended in (its metadata's `batch`)."""
    return stored.metadata.get("batch")


def first_fault(events: Iterable[StoredEvent]) -> ContentFault | None:
    """Fold the log through the ledger's rules into a scratch read model (a temporary
    SQLite file, discarded): the first event they refuse, or None."""
    with tempfile.TemporaryDirectory(prefix="ledger-verify-") as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'scratch.db'}", synchronous="OFF")
        try:
            migrate.upgrade(engine)
            with engine.begin() as connection:
                apply_checked(connection, Projector(), events, before_batch=_copier(connection))
        except ContentError as error:
            return error.fault
        finally:
            engine.dispose()
    return None


def _copier(connection: Connection) -> Callable[[list[StoredEvent]], None]:
    """Copies each batch into the scratch log first: the read model reads a claim as
    asserted from its event (`ledger.projections.claim_views`)."""

    def copy(batch: list[StoredEvent]) -> None:
        rows = [
            {
                "position": e.position,
                "stream_id": e.stream_id,
                "stream_version": e.stream_version,
                "event_id": str(e.event_id),
                "type": e.type,
                "schema_version": e.schema_version,
                "payload": canonical_json(e.payload),
                "metadata": canonical_json(e.metadata),
                "recorded_at": e.recorded_at,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in batch
        ]
        connection.execute(events_table.insert(), rows)

    return copy


def decode_checked(stored: StoredEvent, *, reread: bool = True) -> Event:
    """The domain event of a stored row; with `reread`, its quantity read again from its
    value (a replay of a log checked when appended skips it)."""
    try:
        event = from_stored(stored)
    except EventDecodeError as error:
        raise ContentError(
            ContentFault(stored.position, f"{error}".removeprefix(f"position {stored.position}: "))
        ) from error
    if (
        reread
        and isinstance(event, ClaimAsserted)
        and event.quantity.lexicon_version == LEXICON_VERSION
    ):
        try:
            read = parse_quantity(event.value)
        except LedgerError as error:
            reason = f"the value {event.value!r} does not read ({error})"
            raise ContentError(ContentFault(stored.position, reason)) from error
        if not read.same_as(event.quantity):
            reason = (
                f"quantity is not what the lexicon reads from the value "
                f"{event.value!r} (stored [{event.quantity.low}, {event.quantity.high}], "
                f"read [{read.low}, {read.high}])"
            )
            raise ContentError(ContentFault(stored.position, reason))
    return event


def refused_reason(error: Exception) -> str:
    if isinstance(error, UnknownClaimError):
        return f"refers to an unknown claim {error.key!r} ({error.field})"
    if isinstance(error, LedgerError):
        return str(error)
    return f"cannot be applied ({type(error).__name__}: {error})"
