"""The lock that serialises the ledger's writers, and who holds it.

* **Writers' lock.** PostgreSQL writers lock the one row of `writer_lock`
  (`SELECT … FOR UPDATE`, first in the append transaction, held to its end). That needs
  UPDATE privilege on the table, which only the writer role has: a read-only role cannot
  take it, so readers never stall writers (an advisory lock, open to every role, could).
  SQLite writers serialise by `BEGIN IMMEDIATE`.

Every wait is bounded: `lock_timeout` on PostgreSQL, the busy timeout on SQLite. A wait that
reaches the bound ends in `LockTimeoutError`, naming the holder where PostgreSQL can tell
(`pg_locks` joined with `pg_stat_activity`; a role sees the start time of another role's
transaction only with `pg_read_all_stats`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, exc

from ledger.errors import LedgerError, LockHolder, LockTimeoutError, PermissionDeniedError

WRITERS = "writers' lock"

WRITER_LOCK = "SELECT id FROM writer_lock WHERE id = 1 FOR UPDATE"
"""PostgreSQL writers' lock: the lock row, locked to the end of the transaction."""

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


__all__ = [
    "WRITERS",
    "WRITER_LOCK",
    "holder",
    "is_lock_timeout",
    "is_permission_denied",
    "writer_lock_failure",
]
