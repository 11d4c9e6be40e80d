"""The store contract, in memory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledger.store.memory import MemoryStore
from ledger.store.record import EventStore
from tests.store.contract import StoreContract


class TestMemoryStore(StoreContract):
    """The in-memory fake keeps the same contract as the real stores."""

    @pytest.fixture
    def store(self) -> Iterator[EventStore]:
        store = MemoryStore()
        yield store
        store.close()
