"""Append-only in the database itself: what raw SQL cannot do to a recorded event."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from ledger.errors import AppendOnlyViolationError
from ledger.store.schema import events
from ledger.store.sql import SQLStore, translated_errors
from tests.store.contract import new
from tests.store.raw import table_rows


@pytest.fixture
def store(database_url: str) -> Iterator[SQLStore]:
    """A ledger with three events on the backend under test."""
    store = SQLStore(database_url)
    store.append([new("claim-1"), new("claim-2")])
    store.append([new("claim-1")])
    yield store
    store.close()


def assert_untouched(store: SQLStore, before: list[dict[str, Any]]) -> None:
    """The rows are exactly as they were and the chain verifies."""
    assert table_rows(store) == before
    result = store.verify()
    assert (result.ok, result.count) == (True, len(before))


RAW_CHANGES = {
    "update a payload": "UPDATE events SET payload = '{}' WHERE position = 2",
    "update to the same value": "UPDATE events SET type = type",
    "delete one event": "DELETE FROM events WHERE position = 2",
    "delete every event": "DELETE FROM events",
}


class TestRawChangesAreRefused:
    """UPDATE and DELETE are refused by the database, not only by the Python code."""

    @pytest.mark.parametrize("statement", RAW_CHANGES.values(), ids=RAW_CHANGES.keys())
    def test_database_refuses(self, store: SQLStore, statement: str) -> None:
        """Through a raw SQLAlchemy connection the database raises and nothing changes."""
        before = table_rows(store)
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as c:
            c.exec_driver_sql(statement)
        assert_untouched(store, before)

    @pytest.mark.parametrize("statement", RAW_CHANGES.values(), ids=RAW_CHANGES.keys())
    def test_store_translates_the_refusal(self, store: SQLStore, statement: str) -> None:
        """Through the store's error boundary the refusal is an AppendOnlyViolationError."""
        before = table_rows(store)
        with (
            pytest.raises(AppendOnlyViolationError),
            translated_errors(),
            store.engine.begin() as connection,
        ):
            connection.exec_driver_sql(statement)
        assert_untouched(store, before)

    def test_insert_out_of_turn_is_refused(self, store: SQLStore) -> None:
        """A row can only be inserted at the next position: no gaps, no back-dating."""
        before = table_rows(store)
        row = before[-1] | {
            "position": 10,
            "event_id": str(uuid.uuid4()),
            "stream_id": "claim-9",
            "stream_version": 1,
        }
        with (
            pytest.raises(AppendOnlyViolationError),
            translated_errors(),
            store.engine.begin() as connection,
        ):
            connection.execute(events.insert(), row)
        assert_untouched(store, before)


@pytest.mark.postgres
class TestPostgresGuards:
    """PostgreSQL also refuses TRUNCATE and upserts, and PUBLIC holds no write privilege."""

    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[SQLStore]:
        store = SQLStore(postgres_url)
        store.append([new("claim-1"), new("claim-2")])
        yield store
        store.close()

    def test_truncate_is_refused(self, store: SQLStore) -> None:
        """TRUNCATE, which skips row triggers, is refused by a statement trigger."""
        before = table_rows(store)
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as c:
            c.exec_driver_sql("TRUNCATE events")
        with (
            pytest.raises(AppendOnlyViolationError),
            translated_errors(),
            store.engine.begin() as connection,
        ):
            connection.exec_driver_sql("TRUNCATE events")
        assert_untouched(store, before)

    def test_upsert_on_a_recorded_event_id_is_refused(self, store: SQLStore) -> None:
        """INSERT ... ON CONFLICT DO UPDATE reaches the UPDATE trigger and is refused."""
        before = table_rows(store)
        row = before[0] | {"position": 3, "payload": '{"value": "forged"}'}
        upsert = sa.text(
            "INSERT INTO events (position, stream_id, stream_version, event_id, type,"
            " schema_version, payload, metadata, recorded_at, prev_hash, hash)"
            " VALUES (:position, :stream_id, :stream_version, :event_id, :type,"
            " :schema_version, :payload, :metadata, :recorded_at, :prev_hash, :hash)"
            " ON CONFLICT (event_id) DO UPDATE SET payload = EXCLUDED.payload"
        )
        with (
            pytest.raises(AppendOnlyViolationError),
            translated_errors(),
            store.engine.begin() as connection,
        ):
            connection.execute(upsert, row)
        assert_untouched(store, before)

    def test_public_holds_no_update_delete_or_truncate_privilege(self, store: SQLStore) -> None:
        """Privileges back the triggers: PUBLIC may not UPDATE, DELETE or TRUNCATE events."""
        with store.engine.connect() as connection:
            for privilege in ("UPDATE", "DELETE", "TRUNCATE"):
                held = connection.execute(
                    sa.text("SELECT has_table_privilege('public', 'events', :p)"),
                    {"p": privilege},
                ).scalar()
                assert held is False, privilege


def _collision(kind: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A row that collides with the first recorded event in one way."""
    first, fresh = rows[0], {"event_id": str(uuid.uuid4()), "stream_id": "claim-9"}
    if kind == "event id":
        return first | {"position": len(rows) + 1, "stream_id": "claim-9", "stream_version": 1}
    if kind == "position":
        return first | fresh | {"stream_version": 1}
    return first | {"position": len(rows) + 1, "event_id": fresh["event_id"]}


class TestSQLiteInsertOrReplace:
    """SQLite's INSERT OR REPLACE would delete the row it collides with; it is refused."""

    @pytest.fixture
    def store(self, sqlite_url: str) -> Iterator[SQLStore]:
        store = SQLStore(sqlite_url)
        store.append([new("claim-1"), new("claim-2")])
        store.append([new("claim-1")])
        yield store
        store.close()

    @pytest.mark.parametrize("recursive_triggers", ["OFF", "ON"])
    @pytest.mark.parametrize("kind", ["event id", "position", "stream version"])
    def test_replace_is_refused(self, store: SQLStore, kind: str, recursive_triggers: str) -> None:
        """A replacing insert colliding on event id, position or stream version is refused."""
        before = table_rows(store)
        with store.engine.connect() as connection:
            connection.exec_driver_sql(f"PRAGMA recursive_triggers = {recursive_triggers}")
            on = connection.exec_driver_sql("PRAGMA recursive_triggers").scalar()
            assert on == (recursive_triggers == "ON")
            with pytest.raises(AppendOnlyViolationError), translated_errors():
                connection.execute(
                    events.insert().prefix_with("OR REPLACE"), _collision(kind, before)
                )
            connection.rollback()
        assert_untouched(store, before)
