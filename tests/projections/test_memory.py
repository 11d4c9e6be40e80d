"""The read-model contract, in memory."""

from __future__ import annotations

import pytest

from ledger.projections.memory import MemoryReadModel
from ledger.store.memory import MemoryStore
from tests.projections.contract import Parts, ReadModelContract


class TestMemoryReadModel(ReadModelContract):
    """The read model in memory keeps the same contract as the one in SQL."""

    @pytest.fixture
    def parts(self) -> Parts:
        return Parts(MemoryStore(), MemoryReadModel())
