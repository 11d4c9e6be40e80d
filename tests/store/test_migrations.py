"""Alembic owns the schema: the migrations build what the table definitions describe, and
they go down and up again cleanly, guards included."""

from __future__ import annotations

import importlib
import importlib.util
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ledger.errors import AppendOnlyViolationError, LockTimeoutError
from ledger.store import locks, migrate
from ledger.store.schema import metadata
from ledger.store.sql import SQLStore, create_engine
from tests.store.contract import new

# Tables other layers register on the same metadata (the read model) are part of the
# comparison too, once their module exists.
if importlib.util.find_spec("ledger.projections.tables") is not None:
    importlib.import_module("ledger.projections.tables")


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """An engine on an empty database of the backend under test."""
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def differences(engine: sa.Engine) -> list[Any]:
    """What autogenerate would change to make the database match the table definitions."""
    with engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), metadata))


def table_names(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


class TestMigrations:
    """The migrations and the table definitions agree, on SQLite and PostgreSQL."""

    def test_upgrade_head_matches_the_table_definitions(self, engine: sa.Engine) -> None:
        """After `upgrade head`, autogenerate finds nothing to add, drop or alter."""
        migrate.upgrade(engine)
        assert differences(engine) == []

    def test_empty_database_differs_from_the_definitions(self, engine: sa.Engine) -> None:
        """The comparison can fail: a database never migrated lacks the events table."""
        added = [diff[1].name for diff in differences(engine) if diff[0] == "add_table"]
        assert "events" in added

    def test_upgrade_records_the_head_revision(self, engine: sa.Engine) -> None:
        """A database starts at no revision and is at the code's head after upgrading."""
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == migrate.head_revision()

    def test_opening_a_ledger_upgrades_it(self, database_url: str, engine: sa.Engine) -> None:
        """SQLStore(url) brings the schema to head; opening it again is harmless."""
        SQLStore(database_url).close()
        store = SQLStore(database_url)
        assert migrate.current_revision(store.engine) == migrate.head_revision()
        assert "events" in table_names(engine)
        store.close()

    def test_upgrade_downgrade_upgrade_round_trips(
        self, database_url: str, engine: sa.Engine
    ) -> None:
        """Down to base removes every table; up again rebuilds the same schema, guards included."""
        migrate.upgrade(engine)
        migrate.downgrade(engine, "base")
        assert table_names(engine) <= {"alembic_version"}
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert differences(engine) == []
        store = SQLStore(database_url)
        store.append([new("claim-1"), new("claim-2")])
        with pytest.raises(AppendOnlyViolationError), store.transaction() as connection:
            connection.exec_driver_sql("UPDATE events SET payload = '{}'")
        with pytest.raises(AppendOnlyViolationError), store.transaction() as connection:
            connection.exec_driver_sql("DELETE FROM events")
        assert store.verify().count == 2
        store.close()

    def test_downgrade_to_base_then_upgrade_twice(self, engine: sa.Engine) -> None:
        """The round trip can be repeated: downgrade leaves nothing behind that blocks it."""
        for _ in range(2):
            migrate.upgrade(engine)
            migrate.downgrade(engine, "base")
        migrate.upgrade(engine)
        assert differences(engine) == []

    def test_upgrade_sql_is_the_ddl(self, database_url: str) -> None:
        """The offline upgrade prints DDL that creates the events table and its guards."""
        ddl = migrate.upgrade_sql(database_url)
        assert "CREATE TABLE events" in ddl
        assert "CREATE UNIQUE INDEX ix_events_event_id" in ddl
        assert "CREATE TRIGGER events_refuse" in ddl


class TestMigrationLock:
    """Upgrades run under the migration lock, and waiting for it is bounded."""

    @pytest.mark.postgres
    def test_postgres_waiting_for_the_migration_lock_names_the_holder(
        self, postgres_url: str
    ) -> None:
        """Opening a new ledger while another session holds its migration lock fails after
        the bound with LockTimeoutError naming that session; it opens once the lock is free."""
        holder = create_engine(postgres_url)
        with holder.connect() as connection, locks.migration_lock(connection):
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            connection.commit()
            with pytest.raises(LockTimeoutError) as raised:
                SQLStore(postgres_url, lock_timeout=0.3)
        holder.dispose()
        assert raised.value.lock == "migration lock"
        assert raised.value.holder is not None
        assert raised.value.holder.pid == pid
        assert raised.value.timeout == pytest.approx(0.3)
        store = SQLStore(postgres_url)
        assert migrate.current_revision(store.engine) == migrate.head_revision()
        store.close()

    def test_sqlite_waiting_for_the_migration_lock_is_bounded(self, sqlite_url: str) -> None:
        """On SQLite the migration lock is the write lock: a held write transaction makes
        opening a new ledger fail after the busy timeout with LockTimeoutError."""
        other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
        other.execute("PRAGMA journal_mode=WAL")
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(LockTimeoutError) as raised:
            SQLStore(sqlite_url, lock_timeout=0.1)
        other.execute("ROLLBACK")
        other.close()
        assert raised.value.lock == "migration lock"
        assert raised.value.timeout == pytest.approx(0.1)
        SQLStore(sqlite_url).close()
