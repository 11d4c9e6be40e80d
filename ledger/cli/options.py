"""Options every command shares, and how the command line's words become API values:
database URLs, times with a zone, dates, and the moments `diff` compares."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer

import ledger
from ledger.cli.app import DATABASE_FAILED, UserError
from ledger.errors import DatabaseUnavailableError
from ledger.service import inputs
from ledger.service.diff import Moment
from ledger.service.ledger import MEMORY_URL, default_url

DATABASE_ENV = "LEDGER_DATABASE_URL"

Db = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="URL",
        help=(
            "The ledger: sqlite:///path.db, a bare file path (SQLite), or "
            "postgresql://user@host/db. Default: $LEDGER_DATABASE_URL, else ./ledger.db."
        ),
        show_default=False,
    ),
]
Json = Annotated[
    bool,
    typer.Option("--json", help="Print JSON (for scripts) instead of tables."),
]


def database_url(value: str | None) -> str:
    """The URL a `--db` value means: the option, else $LEDGER_DATABASE_URL, else
    ./ledger.db; a value without `://` is a SQLite file path."""
    value = value or os.environ.get(DATABASE_ENV) or None
    if value is None:
        return default_url()
    if value == MEMORY_URL:
        raise UserError(
            f"{value} is a ledger inside one Python program (`ledger.open('{value}')`), "
            "gone when it ends; each `ledger` command is a program of its own: give a file "
            "or a PostgreSQL URL"
        )
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    return value


def shown(url: str) -> str:
    """A URL fit to print: the password hidden, a SQLite path as a plain path."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return url
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and for in-memory SQLite)."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


@contextmanager
def opened(
    db: str | None, *, create: bool = False, read_only: bool = False
) -> Iterator[ledger.Ledger]:
    """The ledger at `--db`, open for the length of a command (`read_only`: a reader, e.g.
    on a replica, that neither migrates nor writes; see `ledger.open`).

    Without `create`, a SQLite file that does not exist is an error (a mistyped path
    must not silently become a new, empty ledger).
    """
    url = database_url(db)
    path = sqlite_file(url)
    if not create and path is not None and not path.exists():
        raise UserError(
            f"no ledger at {path}; create one with `ledger init --db {path}` "
            "(or `ledger demo` for the founding case)"
        )
    try:
        lg = ledger.open(url, read_only=read_only)
    except DatabaseUnavailableError as error:
        raise UserError(
            f"cannot open the ledger at {shown(url)}: {error}", DATABASE_FAILED
        ) from error
    except ImportError as error:
        raise UserError(
            f"cannot open the ledger at {shown(url)}: no database driver for it ({error})",
            DATABASE_FAILED,
        ) from error
    try:
        yield lg
    finally:
        lg.close()


# -- times --------------------------------------------------------------------------------

_INTEGER = re.compile(r"\d+")


def parse_time(text: str, option: str) -> datetime:
    """An ISO 8601 time with a zone; a naive time is refused, never assumed UTC."""
    return inputs.aware_time(text, option)


def parse_day(text: str, option: str) -> date | datetime:
    """A calendar date (YYYY-MM-DD), or a time with a zone."""
    return inputs.day_or_time(text, option)


def parse_moment(text: str, option: str) -> Moment:
    """An integer is a position, YYYY-MM-DD a date (as known on), else a time with a zone
    (as the ledger stood when it was recorded)."""
    text = text.strip()
    if _INTEGER.fullmatch(text):
        return Moment("position", text, position=int(text))
    day = parse_day(text, option)
    if isinstance(day, datetime):
        return Moment("recorded", text, recorded=day)
    return Moment("known_on", text, known_on=day)
