"""A new, empty database per hypothesis example: an SQLite file, or a PostgreSQL schema.

Function-scoped fixtures give one database per test; property and stateful tests need one
per example, so they ask a `FreshDatabases` for it.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa


class FreshDatabases:
    """Hands out empty databases on one backend and removes each after use."""

    def __init__(self, backend: str, folder: Path, server_url: str | None = None) -> None:
        self.backend = backend
        self.folder = folder
        self._server = (server_url or "").replace("postgresql://", "postgresql+psycopg://", 1)
        self._admin = (
            sa.create_engine(self._server, isolation_level="AUTOCOMMIT")
            if backend == "postgresql"
            else None
        )

    @contextlib.contextmanager
    def url(self) -> Iterator[str]:
        """The URL of a database no one has used yet; dropped when the block ends."""
        name = "t_" + secrets.token_hex(6)
        if self._admin is None:
            path = self.folder / f"{name}.db"
            try:
                yield f"sqlite:///{path}"
            finally:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        with self._admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {name}")
        separator = "&" if "?" in self._server else "?"
        try:
            yield f"{self._server}{separator}options=-csearch_path%3D{name}"
        finally:
            with self._admin.connect() as connection:
                connection.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")

    def close(self) -> None:
        if self._admin is not None:
            self._admin.dispose()
