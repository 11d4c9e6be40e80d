"""Fixtures for the HTTP service: a ledger served by a real server on a loopback port,
and keys of each scope for it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

import ledger
from ledger.http.app import create_app
from ledger.http.server import Background
from ledger.service.seeds import load_seeds

FIGURE = "kz-unrest-2022/killed/kazakhstan"
REPORT = {
    "outlet": "rferl",
    "published_at": "2022-01-20T12:00:00Z",
    "claims": [
        {
            "figure": FIGURE,
            "value": "at least 230",
            "as_of": "2022-01-20",
            "origin": "kz-health-ministry",
        }
    ],
}
"""A report the founding case accepts, as a request body."""


@dataclass
class Service:
    """A served ledger, a client for each scope's key, and one without a key."""

    lg: ledger.Ledger
    url: str
    tokens: dict[str, str]

    def client(self, scope: str | None = "admin") -> httpx.Client:
        headers = {} if scope is None else {"Authorization": f"Bearer {self.tokens[scope]}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)


def _serve(lg: ledger.Ledger, **options: int) -> Iterator[Service]:
    tokens = {
        scope: lg.keys.create(f"{scope}-key", scope)[1] for scope in ("read", "append", "admin")
    }
    with Background(create_app(lg, **options)) as server:
        yield Service(lg, server.url, tokens)


@pytest.fixture
def service(database_url: str) -> Iterator[Service]:
    """The founding case, served from SQLite and from PostgreSQL."""
    with ledger.open(database_url, actor="loader") as lg:
        load_seeds(lg)
        yield from _serve(lg, max_body=64 * 1024)


@pytest.fixture
def api(service: Service) -> Iterator[httpx.Client]:
    """A client holding the admin key."""
    with service.client() as client:
        yield client
