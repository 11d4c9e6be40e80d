"""The writers' lock: every wait for it is bounded, and a writer that waited too long is
told who holds the lock."""

from __future__ import annotations

import sqlite3
import time

import pytest
import sqlalchemy as sa

from ledger.errors import LockTimeoutError
from ledger.store.sql import SQLStore
from tests.store.contract import new


def named(url: str, application: str) -> str:
    """`url` with its sessions reporting `application` as their application_name."""
    parsed = sa.make_url(url).update_query_dict({"application_name": application})
    return parsed.render_as_string(hide_password=False)


class TestBlockedWriter:
    """A writer that cannot get the lock within `lock_timeout` fails with LockTimeoutError."""

    @pytest.mark.postgres
    def test_postgres_names_the_holder_after_the_bound(self, postgres_url: str) -> None:
        """A second writer's append fails after its bound, naming the holding session's pid,
        role, application and since when it holds the lock; nothing is appended."""
        holder = SQLStore(named(postgres_url, "holder-app"))
        waiter = SQLStore(postgres_url, lock_timeout=0.3)
        with holder.transaction(write=True) as connection:
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            started = time.monotonic()
            with pytest.raises(LockTimeoutError) as raised:
                waiter.append([new("claim-1")])
            waited = time.monotonic() - started
        error = raised.value
        assert 0.3 <= waited < 5
        assert error.timeout == 0.3
        assert error.holder is not None
        assert (error.holder.pid, error.holder.application) == (pid, "holder-app")
        assert error.holder.user == "postgres"
        assert error.holder.since is not None
        assert f"pid {pid}" in str(error)
        assert "holder-app" in str(error)
        assert waiter.head()[0] == 0
        assert waiter.append([new("claim-1")])[0].position == 1
        holder.close()
        waiter.close()

    def test_sqlite_busy_database_after_the_bound(self, sqlite_url: str) -> None:
        """On SQLite the busy timeout is the bound: a held write transaction makes an append
        fail with LockTimeoutError after it, and the store appends once the lock is free."""
        store = SQLStore(sqlite_url, lock_timeout=0.1)
        other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(LockTimeoutError) as raised:
            store.append([new("claim-1")])
        assert time.monotonic() - started >= 0.1
        assert raised.value.timeout == 0.1
        assert "database is locked" in str(raised.value)
        other.execute("ROLLBACK")
        other.close()
        assert store.append([new("claim-1")])[0].position == 1
        store.close()
