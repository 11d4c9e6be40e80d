"""The read-model contract, in SQLite and in PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledger.projections.sql_read_model import SqlReadModel
from ledger.store.sql import SQLStore
from tests.projections.contract import Parts, ReadModelContract


class TestSqlReadModel(ReadModelContract):
    """The read model in each SQL database keeps the contract."""

    @pytest.fixture
    def parts(self, database_url: str) -> Iterator[Parts]:
        store = SQLStore(database_url)
        yield Parts(store, SqlReadModel(store))
        store.close()
