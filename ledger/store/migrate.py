"""Run the Alembic migrations that own the schema, programmatically.

Upgrades and downgrades run under the migration lock (`ledger.store.locks`), so several
processes opening one fresh ledger at once migrate it once; `upgrade_if_behind` lets a
ledger already at head open without taking that lock at all.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from pathlib import Path

import structlog
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine

from ledger.errors import SchemaMismatchError
from ledger.store import locks

log = structlog.get_logger("ledger.store")

_PACKAGED = Path(__file__).resolve().parents[1] / "_migrations"
_SOURCE_TREE = Path(__file__).resolve().parents[2] / "migrations"


def migrations_dir() -> Path:
    """Where the migrations are: inside the installed wheel, or the source tree's."""
    return _PACKAGED if _PACKAGED.is_dir() else _SOURCE_TREE


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic config pointing at our migrations, bound to a connection or a URL."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str:
    """The newest revision the code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None if it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_if_behind(engine: Engine) -> bool:
    """Bring the schema to the newest revision unless it is there already; whether it was
    not. The check is one read of `alembic_version`, without the migration lock."""
    if current_revision(engine) == head_revision():
        return False
    upgrade(engine)
    return True


def require_head(engine: Engine) -> None:
    """Refuse (`SchemaMismatchError`) a database whose schema is not at the newest revision,
    without changing it: what a read-only opener checks, as it may not migrate."""
    revision = current_revision(engine)
    needed = head_revision()
    if revision == needed:
        return
    newer = False
    if revision is not None:
        try:
            ScriptDirectory.from_config(alembic_config()).get_revision(revision)
        except CommandError:  # a revision these migrations do not hold
            newer = True
    raise SchemaMismatchError(revision, needed, newer=newer)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (default: the newest), under the migration lock;
    logs `migrated` if this call changed the revision (a concurrent opener may have
    migrated while it waited for the lock)."""
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision` ("base" removes every table)."""
    _run(engine, command.downgrade, revision)


def _run(engine: Engine, step: Callable[[Config, str], None], revision: str) -> None:
    """Run an Alembic command in one transaction under the migration lock."""
    with (
        engine.connect() as connection,
        locks.migration_lock(connection) as locked,
        locked.begin(),
    ):
        before = MigrationContext.configure(locked).get_current_revision()
        step(alembic_config(locked), revision)
        after = MigrationContext.configure(locked).get_current_revision()
    if before != after:
        log.info("migrated", from_revision=before, to_revision=after)


def upgrade_sql(url: str, revision: str = "head") -> str:
    """The DDL an upgrade would run, as SQL text (Alembic's offline mode)."""
    buffer = io.StringIO()
    config = alembic_config(url=url)
    config.output_buffer = buffer
    command.upgrade(config, revision, sql=True)
    return buffer.getvalue()
