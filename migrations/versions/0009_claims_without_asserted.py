"""A claim row no longer copies its event: `claims.asserted` is dropped.

The `asserted` document repeated the `ClaimAsserted` event's payload, two thirds of each
claim row, written again by every rebuild. A claim as asserted is now read from its event
in the log, joined by position (the log's primary key); `current` is still written once
a claim's standing changes.

The read model is derived data: like 0003–0007, this migration empties it (and its
checkpoint), and the next `ledger.open` rebuilds it from the log.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
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
    op.drop_column("claims", "asserted")  # in place on SQLite 3.35+, as in 0007


def downgrade() -> None:
    _empty_read_model()
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("asserted", sa.Text(), nullable=False))
