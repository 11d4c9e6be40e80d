"""Run the Alembic migrations that own the schema, programmatically."""

from __future__ import annotations

import io
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

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


def head_revision() -> str:
    """The newest revision the code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None if it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (default: the newest)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision` ("base" removes every table)."""
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def upgrade_sql(url: str, revision: str = "head") -> str:
    """The DDL an upgrade would run, as SQL text (Alembic's offline mode)."""
    buffer = io.StringIO()
    config = alembic_config(url=url)
    config.output_buffer = buffer
    command.upgrade(config, revision, sql=True)
    return buffer.getvalue()
