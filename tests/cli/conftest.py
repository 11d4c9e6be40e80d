"""Fixtures for the `ledger` command's tests: a runner, and the founding case loaded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

import ledger
from ledger.cli.main import app
from ledger.service.seeds import load_seeds
from ledger.store.sql import normalise_url

Run = Callable[..., Result]

KILLED = "kz-unrest-2022/killed/kazakhstan"
DETAINED = "kz-unrest-2022/detained/kazakhstan"
TROOPS = "kz-unrest-2022/csto-troops/kazakhstan"


@pytest.fixture(autouse=True)
def _no_database_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose their ledger with --db; a developer's $LEDGER_DATABASE_URL is ignored."""
    monkeypatch.delenv("LEDGER_DATABASE_URL", raising=False)


@pytest.fixture
def run() -> Run:
    """Invoke `ledger ARGS…` in-process; wide, colourless output so ids are never folded."""
    runner = CliRunner(env={"COLUMNS": "250", "NO_COLOR": "1"})

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return invoke


def seed(url: str) -> str:
    """Load the founding case into the (empty) ledger at `url`; return the URL."""
    with ledger.open(url, actor="tester") as lg:
        load_seeds(lg)
    return url


@pytest.fixture(scope="module")
def kz(module_database_url: str) -> str:
    """The founding case, loaded once per module and backend (for tests that read, or that
    write to claims no other test of the module looks at)."""
    return seed(module_database_url)


@pytest.fixture
def fresh_kz(database_url: str) -> str:
    """The founding case in a ledger of this test's own, on each backend."""
    return seed(database_url)


@pytest.fixture
def sqlite_kz(sqlite_url: str) -> str:
    """The founding case in a SQLite ledger of this test's own."""
    return seed(sqlite_url)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary working directory (for commands that default to ./ledger.db)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def event_count(url: str) -> int:
    """How many events the log at `url` holds, read behind the ledger's back."""
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            return int(connection.exec_driver_sql("SELECT count(*) FROM events").scalar() or 0)
    finally:
        engine.dispose()


def tamper(url: str) -> int:
    """Change the first stored payload that mentions 164 behind the ledger's back (its
    guards removed first, as anyone with DDL rights could); return its position."""
    engine = sa.create_engine(normalise_url(url))
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql("DROP TRIGGER events_refuse_update")
            else:
                connection.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER USER")
            position = int(
                connection.execute(
                    sa.text("SELECT min(position) FROM events WHERE payload LIKE :pattern"),
                    {"pattern": "%164%"},
                ).scalar_one()
            )
            connection.execute(
                sa.text(
                    "UPDATE events SET payload = replace(payload, '164', '165') "
                    "WHERE position = :position"
                ),
                {"position": position},
            )
    finally:
        engine.dispose()
    return position
