"""Alembic environment: runs on the connection `ledger.store.migrate` hands over, or offline
(`ledger migrate --sql`) on a URL. SQLite gets batch mode."""

from __future__ import annotations

from alembic import context

import ledger.projections.tables  # noqa: F401  (registers the read model on the metadata)
from ledger.store.schema import metadata

config = context.config


def run_offline() -> None:
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=bool(url and url.startswith("sqlite")),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
