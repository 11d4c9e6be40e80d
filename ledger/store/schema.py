"""Table definitions for SQLAlchemy Core. Alembic migrations own the schema; a test proves
these definitions and the migrated database agree."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""A 64-bit position; on SQLite an INTEGER PRIMARY KEY, the rowid itself."""


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back zone-aware (SQLite drops zones)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)


events = sa.Table(
    "events",
    metadata,
    sa.Column("position", Position, primary_key=True, autoincrement=False),
    sa.Column("stream_id", sa.String(255), nullable=False),
    sa.Column("stream_version", sa.Integer(), nullable=False),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("schema_version", sa.Integer(), nullable=False),
    sa.Column("payload", sa.Text(), nullable=False),
    sa.Column("metadata", sa.Text(), nullable=False),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index(None, "event_id", unique=True),
    sa.Index(None, "stream_id", "stream_version", unique=True),
    sa.Index(None, "hash"),
    sa.Index(None, "recorded_at"),
)

writer_lock = sa.Table(
    "writer_lock",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.CheckConstraint("id = 1", name="one_row"),
)
"""One row that PostgreSQL writers lock (`SELECT … FOR UPDATE`) to serialise appends; only
roles granted UPDATE on it can take that lock (see ledger/store/locks.py). SQLite keeps the
table but serialises writers by `BEGIN IMMEDIATE`."""

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("scope", sa.String(10), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("revoked_at", UTCDateTime(), nullable=True),
    sa.CheckConstraint("scope IN ('read', 'append', 'admin')", name="known_scope"),
    sa.Index(None, "token_hash", unique=True),
)
"""The HTTP service's API keys (`ledger.service.keys`): a name, a scope, and the SHA-256 of
the token, never the token. Neither the log nor the read model: no event records a key,
and a replay leaves the table as it is."""
