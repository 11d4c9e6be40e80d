"""The locks that serialise the ledger's writers and its migrations, and who holds them.

* **Writers' lock.** PostgreSQL writers lock the one row of `writer_lock`
  (`SELECT … FOR UPDATE`, first in the append transaction, held to its end). That needs
  UPDATE privilege on the table, which only the writer role has: a read-only role cannot
  take it, so readers never stall writers (an advisory lock, open to every role, could).
  SQLite writers serialise by `BEGIN IMMEDIATE`.
* **Migration lock.** Upgrades run under a session-scoped advisory lock on PostgreSQL (keyed
  by the schema, so ledgers in different schemas migrate independently) and inside one
  `BEGIN IMMEDIATE` transaction on SQLite, so processes opening a fresh ledger at the same
  moment migrate it once, one after the other.

Every wait is bounded: `lock_timeout` on PostgreSQL, the busy timeout on SQLite. A wait that
reaches the bound ends in `LockTimeoutError`, naming the holder where PostgreSQL can tell
(`pg_locks` joined with `pg_stat_activity`; a role sees the start time of another role's
transaction only with `pg_read_all_stats`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine, exc

from ledger.errors import LedgerError, LockHolder, LockTimeoutError, PermissionDeniedError

WRITERS = "writers' lock"
MIGRATION = "migration lock"

WRITER_LOCK = "SELECT id FROM writer_lock WHERE id = 1 FOR UPDATE"
"""PostgreSQL writers' lock: the lock row, locked to the end of the transaction."""

MIGRATION_LOCK_CLASS = 0x6C646772  # "ldgr": the first key of the migration advisory lock

_HOLDER = """
SELECT a.pid, a.usename, a.application_name, a.xact_start
FROM pg_locks AS l JOIN pg_stat_activity AS a ON a.pid = l.pid
WHERE l.granted AND {which} AND a.pid <> pg_backend_pid()
ORDER BY a.xact_start LIMIT 1
"""
_WRITER_LOCK_HOLDER = _HOLDER.format(
    which="l.locktype = 'transactionid' "
    "AND l.transactionid = (SELECT xmax FROM writer_lock WHERE id = 1)"
)
_MIGRATION_LOCK_HOLDER = _HOLDER.format(
    which="l.locktype = 'advisory' AND l.objsubid = 2 "
    "AND l.classid = %(first)s::bigint::oid AND l.objid = %(second)s::bigint::oid"
)


def is_lock_timeout(error: exc.DBAPIError) -> bool:
    """Whether the database gave up waiting for a lock (PostgreSQL's `lock_timeout`,
    SQLite's busy timeout)."""
    orig = error.orig
    if getattr(orig, "sqlstate", None) == "55P03":
        return True
    name = str(getattr(orig, "sqlite_errorname", ""))
    return name.startswith("SQLITE_BUSY") or "database is locked" in str(orig)


def is_permission_denied(error: exc.DBAPIError) -> bool:
    """Whether the database refused for lack of a privilege."""
    return getattr(error.orig, "sqlstate", None) == "42501"


def first_line(error: exc.DBAPIError) -> str:
    return (str(error.orig) if error.orig is not None else str(error)).splitlines()[0]


def writer_lock_failure(
    engine: Engine, error: exc.DBAPIError, timeout: float
) -> LedgerError | None:
    """The ledger's error for a failure to take the writers' lock, or None if the failure
    was something else: a timeout names the holder; a refusal means a read-only role."""
    if is_lock_timeout(error):
        if engine.dialect.name != "postgresql":
            detail = f"{first_line(error)}: another connection is writing"
            return LockTimeoutError(WRITERS, timeout, None, detail)
        return LockTimeoutError(WRITERS, timeout, holder(engine, _WRITER_LOCK_HOLDER))
    if is_permission_denied(error):
        return PermissionDeniedError(
            f"this role may not append to the ledger ({first_line(error)}): only the writer "
            "role may take the writers' lock (docs/operations.md)"
        )
    return None


def holder(engine: Engine, query: str, params: dict[str, Any] | None = None) -> LockHolder | None:
    """The session holding a lock, looked up on a connection of its own; None if it has
    let go meanwhile, or the lookup fails (the timeout is reported either way)."""
    try:
        with engine.connect() as connection:
            row = connection.exec_driver_sql(query, params or {}).first()
    except exc.SQLAlchemyError:
        return None
    if row is None:
        return None
    return LockHolder(pid=row[0], user=row[1], application=row[2] or None, since=row[3])


@contextlib.contextmanager
def migration_lock(connection: Connection) -> Iterator[Connection]:
    """Hold the migration lock on `connection`; yield the connection to migrate on, whose
    next transaction the migration runs in (see the module docstring)."""
    if connection.dialect.name == "sqlite":
        try:
            yield connection.execution_options(ledger_write=True)  # BEGIN IMMEDIATE
        except exc.DBAPIError as error:
            if not is_lock_timeout(error):
                raise
            timeout = session_lock_timeout(connection.engine)
            raise LockTimeoutError(MIGRATION, timeout, None, first_line(error)) from error
        return
    if connection.dialect.name != "postgresql":
        yield connection
        return
    key = {"first": MIGRATION_LOCK_CLASS}
    key["second"] = connection.exec_driver_sql("SELECT hashtext(current_schema())").scalar_one()
    try:
        connection.exec_driver_sql("SELECT pg_advisory_lock(%(first)s, %(second)s)", key)
    except exc.DBAPIError as error:
        connection.rollback()
        if not is_lock_timeout(error):
            raise
        key["second"] &= 0xFFFFFFFF  # pg_locks shows the key as an unsigned oid
        found = holder(connection.engine, _MIGRATION_LOCK_HOLDER, key)
        timeout = session_lock_timeout(connection.engine)
        raise LockTimeoutError(MIGRATION, timeout, found) from error
    connection.commit()  # the session keeps the lock
    try:
        yield connection
    finally:
        try:
            connection.rollback()
            connection.exec_driver_sql("SELECT pg_advisory_unlock(%(first)s, %(second)s)", key)
            connection.commit()
        except exc.SQLAlchemyError:
            connection.invalidate()  # closing the session releases its locks


def session_lock_timeout(engine: Engine) -> float:
    """The bound, in seconds, of the lock waits of the engine's sessions (`lock_timeout` on
    PostgreSQL, the busy timeout on SQLite, as `create_engine` sets them); 0 if unknown."""
    if engine.dialect.name == "sqlite":
        query = "PRAGMA busy_timeout"
    else:
        query = "SELECT setting::float / 1000 FROM pg_settings WHERE name = 'lock_timeout'"
    try:
        with engine.connect() as connection:
            value = connection.exec_driver_sql(query).scalar_one()
    except exc.SQLAlchemyError:
        return 0.0
    return float(value) / (1000 if engine.dialect.name == "sqlite" else 1)


__all__ = [
    "MIGRATION",
    "WRITERS",
    "WRITER_LOCK",
    "holder",
    "is_lock_timeout",
    "is_permission_denied",
    "migration_lock",
    "session_lock_timeout",
    "writer_lock_failure",
]
