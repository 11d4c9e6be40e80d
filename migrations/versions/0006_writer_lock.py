"""Writers serialise on a lock row that only they may lock.

Until now PostgreSQL writers serialised on a transaction-scoped advisory lock. Advisory
locks need no privilege, so any role that could log in — a read-only dashboard — could
take that lock and stall every append. Writers now lock the one row of `writer_lock`
(`SELECT … FOR UPDATE`), which needs UPDATE on the table: grant it to the writer role
only (docs/operations.md). SQLite keeps the table unused: `BEGIN IMMEDIATE` serialises its
writers.

Existing PostgreSQL roles need the new table granted (docs/operations.md): UPDATE (and
SELECT) to the writer role, SELECT to the reader.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "writer_lock",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_writer_lock_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_writer_lock")),
    )
    op.execute("INSERT INTO writer_lock (id) VALUES (1)")
    if op.get_context().dialect.name == "postgresql":
        op.execute("REVOKE ALL ON writer_lock FROM PUBLIC")


def downgrade() -> None:
    op.drop_table("writer_lock")
