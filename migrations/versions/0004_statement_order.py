"""Claims keep when and where their root claim was recorded; history entries name every cause.

Policy 2026.11-2 orders an origin's statements by as-of, then by the publication time of
the origin's own claim (a relay takes the time of the claim it relays), then by position:
the read model keeps the root claim's publication time and position beside each claim's
policy columns. History entries now list every event of a batch that touched a figure
(`causes`), and headlines say who set low, best and high.

The read model is derived data: this migration empties it (and its checkpoint), and the
next `ledger.open` rebuilds it from the log under the new policy.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_DERIVED = (
    "estimate_history",
    "claim_changes",
    "estimates",
    "claims",
    "reports",
    "figures",
    "sources",
    "checkpoints",
)
_ROOT = ("root_published_us", "root_position")
_POLICY_COLUMNS = [
    "claim_id",
    "report_id",
    "root_claim_id",
    "root_origin",
    "as_of",
    "low",
    "high",
    "number",
    "hedge",
    "published_us",
    "status",
    "withdrawn_via",
]


def _empty_read_model() -> None:
    for table in _DERIVED:
        op.execute(sa.text(f"DELETE FROM {table}"))


def upgrade() -> None:
    _empty_read_model()
    op.drop_index("ix_claims_policy", table_name="claims")
    with op.batch_alter_table("claims") as batch:
        for name in _ROOT:
            batch.add_column(sa.Column(name, sa.BigInteger(), nullable=False))
    op.create_index("ix_claims_policy", "claims", ["figure", "position", *_POLICY_COLUMNS, *_ROOT])


def downgrade() -> None:
    _empty_read_model()
    op.drop_index("ix_claims_policy", table_name="claims")
    with op.batch_alter_table("claims") as batch:
        for name in _ROOT:
            batch.drop_column(name)
    op.create_index("ix_claims_policy", "claims", ["figure", "position", *_POLICY_COLUMNS])
