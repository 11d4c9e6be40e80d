"""Going behind the store's back: raw rows of the events table, and removing its guards."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ledger.store.schema import events
from ledger.store.sql import SQLStore

SQLITE_GUARDS = ("events_refuse_update", "events_refuse_delete", "events_refuse_replace")
UNIQUE_INDEXES = ("ix_events_event_id", "ix_events_stream_id_stream_version")


def table_rows(store: SQLStore) -> list[dict[str, Any]]:
    """Every row of the events table as stored, in position order."""
    with store.engine.connect() as connection:
        query = sa.select(events).order_by(events.c.position)
        return [dict(row._mapping) for row in connection.execute(query)]


def unguard(store: SQLStore) -> None:
    """Drop the append-only triggers and the unique indexes, as anyone with DDL rights could."""
    with store.engine.begin() as connection:
        if store.dialect == "sqlite":
            for trigger in SQLITE_GUARDS:
                connection.exec_driver_sql(f"DROP TRIGGER {trigger}")
        else:
            connection.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER USER")
        for index in UNIQUE_INDEXES:
            connection.exec_driver_sql(f"DROP INDEX {index}")
