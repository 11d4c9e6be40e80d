"""The store contract, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from ledger.store.record import EventStore
from ledger.store.sql import SQLStore
from tests.store.contract import HookFailed, StoreContract, new
from tests.store.databases import without_flush_wait

pytestmark = pytest.mark.postgres


class TestPostgresStore(StoreContract):
    """A PostgreSQL ledger keeps the store contract."""

    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[EventStore]:
        store = SQLStore(without_flush_wait(postgres_url))
        yield store
        store.close()


class TestPostgresOwnConnection:
    """Writes run on a connection the store keeps; losing it costs no append."""

    def test_append_after_the_server_dropped_the_writer_connection(self, postgres_url: str) -> None:
        """The next append replaces a connection the server closed, and is recorded once;
        rolled-back appends and reads around it behave as before."""
        store = SQLStore(without_flush_wait(postgres_url))
        pids: list[int] = []

        def backend(connection: sa.Connection, _stored: object) -> None:
            pids.append(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())

        store.append([new("claim-1")], on_append=backend)
        admin = sa.create_engine(store.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"SELECT pg_terminate_backend({pids[0]})")
        admin.dispose()
        store.append([new("claim-2")], on_append=backend)
        assert pids[1] != pids[0]
        with pytest.raises(HookFailed):
            store.append([new("claim-3")], on_append=_fail)
        assert [e.stream_id for e in store.read_all()] == ["claim-1", "claim-2"]
        assert store.verify().ok
        store.close()


def _fail(_connection: object, _stored: object) -> None:
    raise HookFailed
