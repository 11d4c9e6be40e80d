"""Claims keep their origin, and claim changes who issued them, each indexed; claims keep
their note and the evidence of what changed them.

`Ledger.source` (and `ledger source`) lists the claims a source originated and the
compensating events it issued; the new columns make both an index look-up. The claims'
documents gain the note, the evidence of their standing and every dispute, which only a
rebuild can fill in.

The read model is derived data: like 0003 and 0004, this migration empties it (and its checkpoint),
and the next `ledger.open` rebuilds it from the log.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_DERIVED = (
    "estimate_history",
    "estimates",
    "claim_changes",
    "claims",
    "reports",
    "figures",
    "sources",
    "checkpoints",
)


def _empty_read_model() -> None:
    for table in _DERIVED:
        op.execute(sa.text(f"DELETE FROM {table}"))


def upgrade() -> None:
    _empty_read_model()
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("origin", sa.String(100), nullable=False))
        batch.create_index(batch.f("ix_claims_origin"), ["origin"])
    with op.batch_alter_table("claim_changes") as batch:
        batch.add_column(sa.Column("issued_by", sa.String(100), nullable=True))
        batch.create_index(batch.f("ix_claim_changes_issued_by"), ["issued_by"])


def downgrade() -> None:
    _empty_read_model()
    with op.batch_alter_table("claim_changes") as batch:
        batch.drop_index(batch.f("ix_claim_changes_issued_by"))
        batch.drop_column("issued_by")
    with op.batch_alter_table("claims") as batch:
        batch.drop_index(batch.f("ix_claims_origin"))
        batch.drop_column("origin")
