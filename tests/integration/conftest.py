"""Fixtures for tests that drive the ledger through its public Python API: each test runs
on a ledger in memory, on SQLite and on PostgreSQL (`ledger_url`). A module about the
SQL database itself (its schema, a damaged or truncated log, reopening) overrides
`ledger_url` with `database_url`, and runs on the two SQL backends only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import ledger
from ledger.service.seeds import load_seeds
from tests.conftest import fresh_postgres_schema


@pytest.fixture
def lg(ledger_url: str) -> Iterator[ledger.Ledger]:
    """An empty ledger on each backend."""
    with ledger.open(ledger_url, actor="tester") as opened:
        yield opened


@pytest.fixture
def seeded(lg: ledger.Ledger) -> ledger.Ledger:
    """The founding case loaded into a fresh ledger."""
    load_seeds(lg)
    return lg


@pytest.fixture(scope="module")
def kz(module_ledger_url: str) -> Iterator[ledger.Ledger]:
    """The founding case, loaded once per module and backend, for tests that only read."""
    with ledger.open(module_ledger_url, actor="tester") as opened:
        load_seeds(opened)
        yield opened


@pytest.fixture
def lg_empty(ledger_url: str) -> Iterator[ledger.Ledger]:
    """A second empty ledger on the same backend (a different database, file or memory)."""
    if ledger_url == "memory://":
        with ledger.open(ledger_url, actor="tester") as opened:
            yield opened
    elif ledger_url.startswith("sqlite"):
        url = ledger_url.replace(".db", "-second.db")
        with ledger.open(url, actor="tester") as opened:
            yield opened
    else:
        with fresh_postgres_schema() as url, ledger.open(url, actor="tester") as opened:
            yield opened
