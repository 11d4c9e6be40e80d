"""Going behind the ledger's back, as the owner of its tables could: removing events from
the end of the log, editing the read model, and forging an export whose chain is rehashed
so that it is internally valid."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from ledger.store.chain import GENESIS, canonical_json, event_hash
from ledger.store.sql import normalise_url


@contextlib.contextmanager
def as_owner(url: str) -> Iterator[Connection]:
    """A transaction on the ledger's database with the append-only triggers out of the way
    (dropped on SQLite, disabled on PostgreSQL), as the tables' owner could."""
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql("DROP TRIGGER IF EXISTS events_refuse_delete")
            else:
                connection.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER USER")
            yield connection
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql("ALTER TABLE events ENABLE TRIGGER USER")
    finally:
        engine.dispose()


def remove_last_events(url: str, count: int) -> int:
    """Delete the last `count` events of the log; return the position it now ends at."""
    with as_owner(url) as connection:
        head = int(connection.exec_driver_sql("SELECT max(position) FROM events").scalar() or 0)
        connection.execute(
            sa.text("DELETE FROM events WHERE position > :last"), {"last": head - count}
        )
    return head - count


def set_best(url: str, figure: str, best: int) -> None:
    """Overwrite the stored best estimate of `figure` in the read model (the writer role
    may: read-model tables are not append-only)."""
    with as_owner(url) as connection:
        text = connection.execute(
            sa.text("SELECT summary FROM estimates WHERE figure = :figure"), {"figure": figure}
        ).scalar_one()
        summary = json.loads(text) | {"best": best}
        connection.execute(
            sa.text("UPDATE estimates SET summary = :summary WHERE figure = :figure"),
            {"summary": json.dumps(summary), "figure": figure},
        )


def forge(lines: list[str], claim_id: str, number: int) -> list[str]:
    """An export in which the claim `claim_id` says "at least `number`", with every hash
    from there on recomputed: a chain that verifies, telling another story."""
    records = [json.loads(line) for line in lines]
    for record in records:
        payload = record["payload"]
        if payload.get("claim_id") == claim_id and "quantity" in payload:
            written = f"at least {number:,}"
            payload["value"] = payload["quantity"]["text"] = written
            payload["quantity"]["low"] = payload["quantity"]["number"] = number
    return rehashed(records)


def rehashed(records: list[dict[str, Any]]) -> list[str]:
    """Export records (edited or not) with every hash recomputed and relinked, as lines: a
    self-consistent chain."""
    lines, prev = [], GENESIS
    for record in records:
        record["prev_hash"] = prev
        record["hash"] = prev = event_hash(
            prev,
            event_id=record["event_id"],
            stream_id=record["stream_id"],
            stream_version=record["stream_version"],
            type=record["type"],
            schema_version=record["schema_version"],
            payload_text=canonical_json(record["payload"]),
            metadata_text=canonical_json(record["metadata"]),
            recorded_at=_utc(record["recorded_at"]),
        )
        lines.append(canonical_json(record))
    return lines


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
