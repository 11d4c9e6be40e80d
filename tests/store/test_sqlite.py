"""The store contract, on an SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from ledger.store.record import EventStore
from ledger.store.schema import events as events_table
from ledger.store.sql import SQLStore
from tests.store.contract import HookFailed, StoreContract, new


class TestSQLiteStore(StoreContract):
    """An SQLite ledger file keeps the store contract."""

    @pytest.fixture
    def store(self, sqlite_url: str) -> Iterator[EventStore]:
        store = SQLStore(sqlite_url)
        yield store
        store.close()


class TestSQLiteFile:
    """What the SQLite backend promises about its file."""

    def test_ledger_file_is_in_wal_mode_with_full_sync(self, sqlite_url: str) -> None:
        """Writers use WAL and synchronous=FULL by default, so readers never block them."""
        store = SQLStore(sqlite_url)
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        store.close()

    def test_freed_pages_are_not_overwritten_on_builds_that_default_to_it(
        self, sqlite_url: str
    ) -> None:
        """secure_delete=FAST on every connection: emptying the read model for a rebuild
        frees its pages without writing each of them again (Debian's SQLite zeroes them)."""
        store = SQLStore(sqlite_url)
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 2  # FAST
        store.close()

    def test_each_connection_caches_64_mib_of_pages(self, sqlite_url: str) -> None:
        """A page cache big enough for the indexes an append touches at random."""
        store = SQLStore(sqlite_url)
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -64 * 1024
        store.close()

    def test_events_survive_closing_and_reopening(self, sqlite_url: str) -> None:
        """An acknowledged append is in the file when the ledger is opened again."""
        store = SQLStore(sqlite_url)
        stored = store.append([new("claim-1"), new("claim-2")])
        store.close()
        reopened = SQLStore(sqlite_url)
        assert list(reopened.read_all()) == stored
        assert reopened.verify().ok
        reopened.close()

    def test_concurrent_writers_take_turns(self, sqlite_url: str) -> None:
        """Writers on separate connections wait for each other (BEGIN IMMEDIATE + busy
        timeout): every append is kept, at gap-free positions, and the chain verifies."""
        SQLStore(sqlite_url).close()

        def write(writer: int) -> list[int]:
            store = SQLStore(sqlite_url, migrate_schema=False)
            try:
                return [
                    store.append([new(f"writer-{writer}")], {f"writer-{writer}": n})[0].position
                    for n in range(40)
                ]
            finally:
                store.close()

        with ThreadPoolExecutor(4) as pool:
            acknowledged = [p for part in pool.map(write, range(4)) for p in part]
        store = SQLStore(sqlite_url)
        assert sorted(acknowledged) == [e.position for e in store.read_all()] == list(range(1, 161))
        assert store.verify().count == 160
        store.close()


class TestSQLiteOwnConnection:
    """A store runs its transactions on a connection of its own, begun on the driver; what
    the rest of the ledger relies on still holds."""

    def test_one_store_shared_by_threads(self, sqlite_url: str) -> None:
        """Threads appending through one store take turns: every append is kept."""
        store = SQLStore(sqlite_url)

        def write(writer: int) -> list[int]:
            return [store.append([new(f"writer-{writer}")])[0].position for _ in range(30)]

        with ThreadPoolExecutor(4) as pool:
            acknowledged = [p for part in pool.map(write, range(4)) for p in part]
        assert sorted(acknowledged) == [e.position for e in store.read_all()] == list(range(1, 121))
        assert store.verify().count == 120
        store.close()

    def test_hook_runs_sqlalchemy_and_driver_statements_in_the_append(
        self, sqlite_url: str
    ) -> None:
        """The hook's connection sees the rows being appended, through SQLAlchemy and its
        driver; a transaction opened inside the hook is another one, which does not."""
        store = SQLStore(sqlite_url)
        store.append([new("claim-1")])
        seen: dict[str, int] = {}

        def hook(connection: sa.Connection, _stored: object) -> None:
            count = sa.select(sa.func.count()).select_from(events_table)
            seen["core"] = connection.execute(count).scalar_one()
            cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            seen["driver"] = cursor.execute("SELECT count(*) FROM events").fetchone()[0]
            with store.transaction() as other:
                seen["other"] = other.execute(count).scalar_one()

        store.append([new("claim-2"), new("claim-3")], on_append=hook)
        assert seen == {"core": 3, "driver": 3, "other": 1}
        assert store.head()[0] == 3
        store.close()

    def test_hook_failing_after_sqlalchemy_statements_rolls_back(self, sqlite_url: str) -> None:
        """Nothing of a failed append stays, and the store's connection is usable after."""
        store = SQLStore(sqlite_url)

        def fail(connection: sa.Connection, _stored: object) -> None:
            connection.execute(sa.select(sa.func.count()).select_from(events_table))
            raise HookFailed

        for _ in range(2):
            with pytest.raises(HookFailed):
                store.append([new("claim-1")], on_append=fail)
        assert store.head()[0] == 0
        assert store.append([new("claim-1")])[0].position == 1
        store.close()

    def test_close_returns_every_connection(self, sqlite_url: str) -> None:
        """After close no connection of the store is checked out."""
        store = SQLStore(sqlite_url)
        store.append([new("claim-1")])
        assert store.head()[0] == 1
        store.close()
        assert store.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
