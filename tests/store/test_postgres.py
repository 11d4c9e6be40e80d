"""The store contract, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledger.store.record import EventStore
from ledger.store.sql import SQLStore
from tests.store.contract import StoreContract
from tests.store.databases import without_flush_wait

pytestmark = pytest.mark.postgres


class TestPostgresStore(StoreContract):
    """A PostgreSQL ledger keeps the store contract."""

    @pytest.fixture
    def store(self, postgres_url: str) -> Iterator[EventStore]:
        store = SQLStore(without_flush_wait(postgres_url))
        yield store
        store.close()
