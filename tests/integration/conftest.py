"""Fixtures for tests that drive the ledger through its public Python API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import ledger
from ledger.service.seeds import load_seeds
from tests.conftest import fresh_postgres_schema


@pytest.fixture
def lg(database_url: str) -> Iterator[ledger.Ledger]:
    """An empty ledger on each SQL backend."""
    with ledger.open(database_url, actor="tester") as opened:
        yield opened


@pytest.fixture
def seeded(lg: ledger.Ledger) -> ledger.Ledger:
    """The founding case loaded into a fresh ledger."""
    load_seeds(lg)
    return lg


@pytest.fixture(scope="module")
def kz(module_database_url: str) -> Iterator[ledger.Ledger]:
    """The founding case, loaded once per module and backend, for tests that only read."""
    with ledger.open(module_database_url, actor="tester") as opened:
        load_seeds(opened)
        yield opened


@pytest.fixture
def lg_empty(database_url: str) -> Iterator[ledger.Ledger]:
    """A second empty ledger on the same backend (a different database or file)."""
    if database_url.startswith("sqlite"):
        url = database_url.replace(".db", "-second.db")
        with ledger.open(url, actor="tester") as opened:
            yield opened
    else:
        with fresh_postgres_schema() as url, ledger.open(url, actor="tester") as opened:
            yield opened
