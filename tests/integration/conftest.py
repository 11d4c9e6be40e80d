"""Fixtures for tests that drive the ledger through its public Python API: each test runs
on a ledger in memory, on SQLite and on PostgreSQL (`ledger_url`). A module about the
SQL database itself (its schema, a damaged or truncated log, reopening) overrides
`ledger_url` with `database_url`, and runs on the two SQL backends only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import pytest

import ledger
from ledger.http.app import create_app
from ledger.http.server import Background
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The remote variants run on SQLite and PostgreSQL: a ledger in memory serves only the
    program that holds it, so `remote-memory` is not collected."""
    dropped = [item for item in items if "[remote-memory" in item.name]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if "[remote-memory" not in item.name]


@pytest.fixture(params=["local", "remote"])
def api(request: pytest.FixtureRequest, lg: ledger.Ledger) -> Iterator[ledger.Ledger]:
    """The same ledger through the Python API, and through HTTP: `ledger.connect` to a real
    server on a loopback port, acting as a key named like the local actor. The remote
    client has the `Ledger`'s methods, results and errors, so one test runs on both."""
    if request.param == "local":
        yield lg
        return
    _, token = lg.keys.create(lg.actor, "admin")
    with Background(create_app(lg)) as server, ledger.connect(server.url, token=token) as client:
        yield cast(ledger.Ledger, client)
