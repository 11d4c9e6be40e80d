"""What every backend does the same way when it appends: the clock, the record, retries."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from ledger.errors import DuplicateEventError
from ledger.store.chain import Encoded, event_hash, same_content
from ledger.store.record import NewEvent, StoredEvent


def store_clock(previous: datetime | None) -> datetime:
    """The store's clock: UTC, and never earlier than the last recorded time."""
    now = datetime.now(UTC)
    return max(now, previous) if previous is not None else now


def build_stored(
    event: NewEvent,
    encoded: Encoded,
    position: int,
    version: int,
    recorded_at: datetime,
    prev: str,
) -> StoredEvent:
    """The record of `event` at `position`, chained to `prev`.

    The payload and metadata are those decoded back from their canonical text (`Encoded`),
    so the record holds exactly what a later read returns, never the caller's mutable
    objects.
    """
    digest = event_hash(
        prev,
        event_id=str(event.event_id),
        stream_id=event.stream_id,
        stream_version=version,
        type=event.type,
        schema_version=event.schema_version,
        payload_text=encoded.payload_text,
        metadata_text=encoded.metadata_text,
        recorded_at=recorded_at,
    )
    return StoredEvent(
        position=position,
        stream_id=event.stream_id,
        stream_version=version,
        event_id=event.event_id,
        type=event.type,
        schema_version=event.schema_version,
        payload=encoded.payload,
        metadata=encoded.metadata,
        recorded_at=recorded_at,
        prev_hash=prev,
        hash=digest,
    )


def resolve_retry(
    events: Sequence[NewEvent],
    encoded: Sequence[Encoded],
    lookup: Callable[[str], StoredEvent | None],
) -> list[StoredEvent] | None:
    """The original events if this batch is an exact retry; None if it is all new.

    Raises `DuplicateEventError` when an id appears twice in the batch, was recorded with
    other content, or when only part of the batch was recorded (an append is
    all-or-nothing, so that is not a retry).
    """
    seen: set[uuid.UUID] = set()
    for event in events:
        if event.event_id in seen:
            raise DuplicateEventError(str(event.event_id), "appears twice in this batch")
        seen.add(event.event_id)
    found: list[StoredEvent] = []
    for event, texts in zip(events, encoded, strict=True):
        stored = lookup(str(event.event_id))
        if stored is None:
            continue
        if not same_content(stored, event, texts.payload_text):
            raise DuplicateEventError(str(event.event_id), "already recorded with other content")
        found.append(stored)
    if not found:
        return None
    if len(found) != len(events):
        raise DuplicateEventError(
            str(found[0].event_id), "part of this batch is already recorded; retry it whole"
        )
    return found
