"""The SQL store's append path: one batch checked against the log and inserted, in the
caller's write transaction, through fixed statements on the DBAPI cursor."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect

from ledger.errors import ConcurrencyError
from ledger.store.appending import build_stored, resolve_retry, store_clock
from ledger.store.chain import GENESIS, Encoded
from ledger.store.record import AppendHook, NewEvent, StoredEvent
from ledger.store.schema import events as events_table
from ledger.store.sql_engine import driver_of, wrapped
from ledger.store.sql_read import CHUNK, by_event_ids

__all__ = ["AppendStatements", "append_batch", "column_processors"]

log = structlog.get_logger("ledger.store")


def append_batch(
    connection: Connection,
    processors: tuple[str, Any, Any],
    events: Sequence[NewEvent],
    encoded: Sequence[Encoded],
    expected_versions: Mapping[str, int] | None,
    on_append: AppendHook | None,
) -> tuple[list[StoredEvent], bool]:
    """Append one batch in the caller's write transaction: the events as stored, and
    whether the batch was a retry (then nothing was written, the hook not called)."""
    raw = AppendStatements(connection, processors)
    ids = [str(e.event_id) for e in events]
    known = raw.any_recorded(ids)
    recorded = by_event_ids(connection, ids) if known else {}
    replay = resolve_retry(events, encoded, recorded.get)
    if replay is not None:
        log.info("append retried", first=replay[0].position, count=len(replay))
        return replay, True
    streams = {e.stream_id for e in events} | set(expected_versions or {})
    versions = raw.stream_versions(streams)
    for stream_id, expected in (expected_versions or {}).items():
        if versions.get(stream_id, 0) != expected:
            raise ConcurrencyError(stream_id, expected, versions.get(stream_id, 0))
    last = raw.last()
    position, prev = (last[0], last[1]) if last else (0, GENESIS)
    now = store_clock(last[2] if last else None)
    stored = []
    for new, texts in zip(events, encoded, strict=True):
        position += 1
        versions[new.stream_id] = versions.get(new.stream_id, 0) + 1
        record = build_stored(new, texts, position, versions[new.stream_id], now, prev)
        prev = record.hash
        stored.append(record)
    raw.insert(stored, ids, encoded, now)
    if on_append is not None:
        on_append(connection, stored)
    return stored, False


class AppendStatements:
    """The append path's statements, run on the DBAPI cursor of the transaction's own
    connection: for one report per transaction, building them through SQLAlchemy cost more
    than the rest of the append. Times go through the column type's own processors, so the
    rows are exactly what SQLAlchemy would write and read; driver errors are wrapped as
    SQLAlchemy's, so `translated_errors` turns them into the ledger's own as before."""

    _COLUMNS = (
        "position, stream_id, stream_version, event_id, type, schema_version, payload, "
        "metadata, recorded_at, prev_hash, hash"
    )

    def __init__(self, connection: Connection, processors: tuple[str, Any, Any]) -> None:
        self._dialect = connection.dialect
        self._mark, self._bind, self._result = processors
        self._cursor: Any = driver_of(connection).cursor()

    def _run(self, sql: str, params: Sequence[Any], *, many: bool = False) -> Any:
        sql = sql.replace("?", self._mark)
        run = self._cursor.executemany if many else self._cursor.execute
        wrapped(self._dialect, sql, lambda: run(sql, params), params)
        return self._cursor

    def any_recorded(self, ids: list[str]) -> bool:
        """Whether any of these event ids is already in the log (then it may be a retry)."""
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            marks = ", ".join("?" * len(chunk))
            sql = f"SELECT 1 FROM events WHERE event_id IN ({marks}) LIMIT 1"
            if self._run(sql, chunk).fetchone() is not None:
                return True
        return False

    def stream_versions(self, streams: set[str]) -> dict[str, int]:
        names = sorted(streams)
        versions: dict[str, int] = {}
        for start in range(0, len(names), CHUNK):
            chunk = names[start : start + CHUNK]
            marks = ", ".join("?" * len(chunk))
            sql = (
                "SELECT stream_id, max(stream_version) FROM events "
                f"WHERE stream_id IN ({marks}) GROUP BY stream_id"
            )
            versions.update((stream, version) for stream, version in self._run(sql, chunk))
        return versions

    def last(self) -> tuple[int, str, Any] | None:
        """The last event's position, hash and recorded time (zone-aware)."""
        sql = "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1"
        row = self._run(sql, ()).fetchone()
        if row is None:
            return None
        recorded = self._result(row[2]) if self._result is not None else row[2]
        return row[0], row[1], recorded

    def insert(
        self,
        stored: Sequence[StoredEvent],
        ids: Sequence[str],
        encoded: Sequence[Encoded],
        recorded_at: datetime,
    ) -> None:
        """Insert the records of one batch: `ids` their event ids as text, `encoded` their
        canonical texts, `recorded_at` the time they all carry."""
        at = self._bind(recorded_at) if self._bind is not None else recorded_at
        rows = [
            (
                record.position,
                record.stream_id,
                record.stream_version,
                event_id,
                record.type,
                record.schema_version,
                texts.payload_text,
                texts.metadata_text,
                at,
                record.prev_hash,
                record.hash,
            )
            for record, event_id, texts in zip(stored, ids, encoded, strict=True)
        ]
        marks = ", ".join("?" * 11)
        self._run(f"INSERT INTO events ({self._COLUMNS}) VALUES ({marks})", rows, many=True)


def column_processors(dialect: Dialect) -> tuple[str, Any, Any]:
    """The parameter mark, and the bind and result processors of `recorded_at`, for a dialect."""
    recorded_at = events_table.c.recorded_at.type.dialect_impl(dialect)
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    return mark, recorded_at.bind_processor(dialect), recorded_at.result_processor(dialect, None)
