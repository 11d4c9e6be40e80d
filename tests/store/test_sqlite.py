"""The store contract, on an SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from ledger.store.record import EventStore
from ledger.store.sql import SQLStore
from tests.store.contract import StoreContract, new


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
