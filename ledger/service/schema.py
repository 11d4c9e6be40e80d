"""The schema's version, for the commands that set a ledger up: the revision a ledger's
database is at, and the DDL an upgrade would run (for a DBA to review) without
connecting. The migrations themselves live with the store (`ledger.store.migrate`)."""

from __future__ import annotations

from ledger.service.ledger import Ledger
from ledger.store import migrate
from ledger.store.sql import normalise_url

__all__ = ["revision", "upgrade_sql"]


def revision(lg: Ledger) -> str | None:
    """The schema revision `lg`'s database is at (None if it was never migrated);
    `NotSupportedError` for a ledger in memory, which has no schema."""
    return migrate.current_revision(lg.sql_store("a schema revision").engine)


def upgrade_sql(url: str) -> str:
    """The DDL that would bring the database at `url` to the newest schema, as SQL text
    for its dialect; nothing is touched (`postgresql://` URLs are read as psycopg 3)."""
    return migrate.upgrade_sql(normalise_url(url))
