"""The log read for a replay: every row in order, its payload left as the stored text.

A replay decodes each payload straight into its domain event (one JSON parse, in
pydantic's core) rather than into a dict first; `rows_after` stays the reader for
everything else.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection

from ledger.store.record import StoredEvent
from ledger.store.schema import events as events_table

_COLUMNS = (
    "position, stream_id, stream_version, event_id, type, schema_version, payload, metadata, "
    "recorded_at, prev_hash, hash"
)


@dataclass(frozen=True, slots=True)
class ScannedEvent:
    """A stored event with its payload and metadata as the stored JSON text."""

    record: StoredEvent  # its `payload` and `metadata` are empty: read the texts
    payload: str
    metadata: str


def scan(
    connection: Connection, after: int = 0, until: int | None = None, batch_size: int = 1000
) -> Iterator[ScannedEvent]:
    """Every event after `after` (up to `until`), in order, read on the caller's
    connection in batches of `batch_size`."""
    dialect = connection.dialect
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    recorded = events_table.c.recorded_at.type.dialect_impl(dialect).result_processor(dialect, None)
    raw: Any = connection.connection.dbapi_connection
    cursor = raw.cursor()
    text = (
        f"SELECT {_COLUMNS} FROM events WHERE position > {mark} AND position <= {mark} "
        f"ORDER BY position LIMIT {int(batch_size)}"
    )
    last = until if until is not None else 2**63 - 1
    position = after
    try:
        while True:
            cursor.execute(text, (position, last))
            rows = cursor.fetchall()
            if not rows:
                return
            for row in rows:
                at = cast(datetime, recorded(row[8]) if recorded is not None else row[8])
                record = StoredEvent(
                    row[0],
                    row[1],
                    row[2],
                    uuid.UUID(row[3]),
                    row[4],
                    row[5],
                    {},
                    {},
                    at,
                    row[9],
                    row[10],
                )
                yield ScannedEvent(record, row[6], row[7])
            position = rows[-1][0]
    finally:
        cursor.close()
