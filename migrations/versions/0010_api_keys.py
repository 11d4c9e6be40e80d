"""API keys for the HTTP service: the `api_keys` table.

The HTTP service authenticates each request by a bearer token. A key is a name, a scope
(read, append or admin) and the SHA-256 of its token — the token itself is shown once
when the key is made and never stored. Keys are access control, not facts about the
world: they are not events (the log stays a record of claims, and an export carries no
credentials), and they are not part of the read model (which a replay empties and
rebuilds from the log: that would revoke every key). The table is kept by
`ledger keys` alone; nothing else writes it.

Existing PostgreSQL roles need the new table granted (docs/operations.md): SELECT to the
writer role, which authenticates requests; keys are made and revoked as the owner.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.store.schema import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "scope IN ('read', 'append', 'admin')", name=op.f("ck_api_keys_known_scope")
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_api_keys")),
    )
    op.create_index(op.f("ix_api_keys_token_hash"), "api_keys", ["token_hash"], unique=True)
    if op.get_context().dialect.name == "postgresql":
        op.execute("REVOKE ALL ON api_keys FROM PUBLIC")


def downgrade() -> None:
    op.drop_index(op.f("ix_api_keys_token_hash"), table_name="api_keys")
    op.drop_table("api_keys")
