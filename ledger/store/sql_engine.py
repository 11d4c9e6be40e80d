"""Connecting to the SQL store: URLs, engines configured for the ledger, and the translation
of database errors into the ledger's own (no SQLAlchemy exception reaches a caller)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import Connection, Engine, event, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.pool import StaticPool

from ledger.errors import (
    AppendOnlyViolationError,
    DatabaseUnavailableError,
    LedgerError,
    LockTimeoutError,
    PermissionDeniedError,
    StoreError,
)
from ledger.store import locks

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "SQLITE_CACHE_KIB",
    "create_engine",
    "driver_of",
    "masked",
    "normalise_url",
    "translated_errors",
    "wrapped",
]

_T = TypeVar("_T")

DEFAULT_LOCK_TIMEOUT = 10.0
"""Seconds a writer (or an opener waiting for a migration) waits for a lock before it fails
with `LockTimeoutError`: an append holds the writers' lock for milliseconds, so this only
ends waits on something stuck or long (a replay, an import, a migration)."""


SQLITE_CACHE_KIB = 64 * 1024
"""The page cache of each SQLite connection, in KiB (SQLite's own default is 2 MiB), taken
from memory only as pages are read. An append touches a page of every index of the log
and of the read model, most of them at random: at a million events those indexes are
hundreds of MiB, and with 2 MiB nearly every touch read its page again from the file."""


def normalise_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://`; use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def masked(url: str) -> str:
    """`url` fit to log or show: its password, if any, replaced by `***`."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except (exc.ArgumentError, ValueError):
        return re.sub(r"(://[^/@]*?:)[^/@]*@", r"\1***@", url)


def create_engine(
    url: str, *, synchronous: str = "FULL", lock_timeout: float = DEFAULT_LOCK_TIMEOUT
) -> Engine:
    """An engine configured for the ledger: SQLite in WAL with BEGIN IMMEDIATE for writers;
    every lock wait bounded by `lock_timeout` seconds (SQLite's busy timeout, PostgreSQL's
    `lock_timeout` set on each new session)."""
    url = normalise_url(url)
    milliseconds = max(1, round(lock_timeout * 1000))  # 0 would mean "forever" on PostgreSQL
    try:
        parsed = sa.engine.make_url(url)
        if parsed.get_backend_name() != "sqlite":
            engine = sa.create_engine(url, pool_pre_ping=True)
            if parsed.get_backend_name() == "postgresql":
                _bound_lock_waits(engine, milliseconds)
            return engine
    except (exc.ArgumentError, ValueError) as error:  # unparsable, or no such dialect/driver
        raise DatabaseUnavailableError(f"not a usable database URL: {masked(url)!r}") from error
    memory = parsed.database in (None, "", ":memory:")
    engine = sa.create_engine(
        url,
        connect_args={"timeout": milliseconds / 1000, "check_same_thread": False},
        poolclass=StaticPool if memory else None,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA busy_timeout={milliseconds}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Some builds (Debian's) overwrite every freed page with zeros; the log frees none,
        # and emptying the read model for a rebuild then wrote its whole size twice more.
        cursor.execute("PRAGMA secure_delete=FAST")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        if driver_of(connection).in_transaction:
            return  # begun on the driver by SQLStore.transaction
        write = connection.get_execution_options().get("ledger_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _bound_lock_waits(engine: Engine, milliseconds: int) -> None:
    """Set `lock_timeout` on every new PostgreSQL session of `engine`."""

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET lock_timeout = {milliseconds}")
        cursor.close()
        dbapi_connection.commit()


def driver_of(connection: Connection) -> Any:
    """The DBAPI connection under a SQLAlchemy one."""
    return connection.connection.dbapi_connection


def wrapped(
    dialect: Dialect, statement: str, call: Callable[[], _T], params: Sequence[Any] = ()
) -> _T:
    """`call()` on the driver, its errors wrapped as SQLAlchemy's (for `translated_errors`)."""
    try:
        return call()
    except dialect.loaded_dbapi.Error as error:
        raise exc.DBAPIError.instance(
            statement, params, error, dialect.loaded_dbapi.Error, dialect=dialect
        ) from error


@contextlib.contextmanager
def translated_errors(lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Iterator[None]:
    """Turn database exceptions into the ledger's own; nothing of SQLAlchemy escapes.

    `lock_timeout` is the bound the connections had, for the message of a lock wait that
    ran out where no lock of the ledger's own was named (see `ledger.store.locks`)."""
    try:
        yield
    except LedgerError:
        raise
    except exc.DBAPIError as error:
        message = str(error.orig) if error.orig is not None else str(error)
        if "append-only" in message:
            raise AppendOnlyViolationError(message.splitlines()[0]) from error
        if locks.is_lock_timeout(error):
            raise LockTimeoutError("lock", lock_timeout, None, message.splitlines()[0]) from error
        if locks.is_permission_denied(error):
            raise PermissionDeniedError(message.splitlines()[0]) from error
        if error.connection_invalidated or (
            isinstance(error, exc.OperationalError)
            and ("connect" in message or "unable to open" in message)
        ):
            raise DatabaseUnavailableError(message.splitlines()[0]) from error
        raise StoreError(message.splitlines()[0]) from error
    except exc.SQLAlchemyError as error:
        raise StoreError(str(error).splitlines()[0]) from error
