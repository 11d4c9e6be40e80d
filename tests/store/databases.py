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
            yield without_flush_wait(f"{self._server}{separator}options=-csearch_path%3D{name}")
        finally:
            with self._admin.connect() as connection:
                connection.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")

    def close(self) -> None:
        if self._admin is not None:
            self._admin.dispose()


def without_flush_wait(url: str) -> str:
    """`url` with PostgreSQL sessions that do not wait for the WAL flush at commit.

    Commit order and visibility are unchanged, only crash durability is given up, which
    these tests never exercise; it makes a PostgreSQL test several times faster.
    """
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return url
    options = parsed.query.get("options", "")
    if not isinstance(options, str):
        options = " ".join(options)
    options = f"{options} -c synchronous_commit=off".strip()
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)
