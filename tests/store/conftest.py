"""Fixtures of the store tests (the shared ones are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import postgres_server_url
from tests.store.databases import FreshDatabases


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FreshDatabases]:
    """A source of empty databases, one per hypothesis example, on each SQL backend."""
    server = postgres_server_url() if request.param == "postgresql" else None
    databases = FreshDatabases(request.param, tmp_path, server)
    yield databases
    databases.close()
