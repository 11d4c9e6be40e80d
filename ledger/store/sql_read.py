"""The SQL store's read path: rows decoded into stored events, and reads in batches."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from ledger.store.canonical import decode_json
from ledger.store.record import StoredEvent
from ledger.store.schema import events as events_table

__all__ = ["CHUNK", "by_event_ids", "decode_row", "page_after", "rows_after"]

CHUNK = 500  # ids per IN (...) list


def decode_row(row: sa.Row[Any]) -> StoredEvent:
    return StoredEvent(
        position=row.position,
        stream_id=row.stream_id,
        stream_version=row.stream_version,
        event_id=uuid.UUID(row.event_id),
        type=row.type,
        schema_version=row.schema_version,
        payload=decode_json(row.payload),
        metadata=decode_json(row.metadata),
        recorded_at=row.recorded_at,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def page_after(position: int, size: int) -> sa.Select[Any]:
    """The next `size` events after `position`, in order: one page of a read of the log."""
    return (
        sa.select(events_table)
        .where(events_table.c.position > position)
        .order_by(events_table.c.position)
        .limit(size)
    )


def rows_after(connection: Connection, after: int, batch_size: int = 1000) -> Iterator[StoredEvent]:
    """Every event after `after`, read in batches on a connection the caller holds (replay
    reads this way inside its own transaction)."""
    position = after
    while True:
        batch = [decode_row(row) for row in connection.execute(page_after(position, batch_size))]
        if not batch:
            return
        yield from batch
        position = batch[-1].position


def by_event_ids(connection: Connection, ids: list[str]) -> dict[str, StoredEvent]:
    """The recorded events among `ids`, by event id (a retried batch finds its own here)."""
    found: dict[str, StoredEvent] = {}
    for start in range(0, len(ids), CHUNK):
        query = sa.select(events_table).where(
            events_table.c.event_id.in_(ids[start : start + CHUNK])
        )
        found.update((row.event_id, decode_row(row)) for row in connection.execute(query))
    return found
