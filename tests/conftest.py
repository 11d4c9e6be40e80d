"""Shared fixtures: a URL per backend, each test on its own database, schema or memory.

`database_url` gives the SQL backends (SQLite, PostgreSQL), for tests of what the database
does; `ledger_url` gives those and a ledger in memory (`memory://`), for tests of what the
service does, which must not depend on where it keeps the log and the read model.

PostgreSQL tests need `LEDGER_TEST_POSTGRES_URL` (`.ci/run` exports it). Without it they
skip with that reason — except under CI (`CI=true`), where a missing or unreachable server
fails the run instead of skipping silently.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import structlog
from hypothesis import settings

settings.register_profile("ci", deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

POSTGRES_ENV = "LEDGER_TEST_POSTGRES_URL"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def postgres_server_url() -> str:
    """The server URL for PostgreSQL tests, or skip (fail under CI) with the reason."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        reason = f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql://postgres@127.0.0.1/test)"
        if IN_CI:
            pytest.fail(reason + " — required under CI")
        pytest.skip(reason)
    try:
        engine = sa.create_engine(_psycopg(url))
        with engine.connect():
            pass
        engine.dispose()
    except sa.exc.OperationalError as error:
        reason = f"PostgreSQL at {POSTGRES_ENV} is unreachable: {error.orig}"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return url


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite ledger file in the test's temporary folder."""
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@contextlib.contextmanager
def fresh_postgres_schema() -> Iterator[str]:
    """A URL whose search_path is a new, empty schema; the schema is dropped afterwards."""
    server = _psycopg(postgres_server_url())
    schema = "t_" + secrets.token_hex(6)
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in server else "?"
    try:
        yield f"{server}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for this test alone, dropped afterwards."""
    with fresh_postgres_schema() as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Each SQL backend in turn, shared by the tests of one module (for read-only tests)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('ledger') / 'ledger.db'}"
        return
    with fresh_postgres_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each SQL backend in turn: the same test runs on SQLite and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


BACKENDS = ["memory", "sqlite", "postgresql"]
"""Where a ledger can be kept: the service's own tests run on each."""


@pytest.fixture(params=BACKENDS)
def ledger_url(request: pytest.FixtureRequest) -> str:
    """Each backend in turn — memory, SQLite, PostgreSQL: the same test of the service runs
    on all three (a module about the database itself overrides this with `database_url`)."""
    if request.param == "memory":
        return "memory://"
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture(scope="module", params=BACKENDS)
def module_ledger_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Each backend in turn, shared by the tests of one module (for read-only tests)."""
    if request.param == "memory":
        yield "memory://"
    elif request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('ledger') / 'ledger.db'}"
    else:
        with fresh_postgres_schema() as url:
            yield url


def _drop(*_: object) -> object:
    raise structlog.DropEvent


@pytest.fixture(autouse=True)
def _quiet_logs() -> Iterator[None]:
    """Keep structlog's output out of test reports; `capture_logs` still sees every event."""
    structlog.configure(processors=[_drop])
    yield
    structlog.reset_defaults()
