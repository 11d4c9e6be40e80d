"""Claims keep the columns the estimation policy reads; an estimate row keeps the headline.

Recomputing a figure's estimate on every append used to decode each claim's JSON document
and write the whole provenance (tens of KB); now it reads a few columns per claim — one
range scan of an index that covers them — and stores the summary and the event that last
changed it. Readers rebuild the provenance
from the claims with the same policy.

The read model is derived data: this migration empties it (and its checkpoint), and the
next `ledger.open` rebuilds it from the log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.store.schema import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_DERIVED = ("estimate_history", "claim_changes", "reports", "figures", "sources", "checkpoints")


def _empty_read_model() -> None:
    for table in _DERIVED:
        op.execute(sa.text(f"DELETE FROM {table}"))
    op.drop_table("estimates")
    op.drop_table("claims")


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


def _claims(*policy_columns: sa.Column[object]) -> None:
    op.create_table(
        "claims",
        sa.Column("claim_id", sa.String(128), nullable=False),
        sa.Column("figure", sa.String(400), nullable=False),
        sa.Column("report_id", sa.String(128), nullable=False),
        sa.Column("derived_from", sa.String(128), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        *policy_columns,
        sa.Column("asserted", sa.Text(), nullable=False),
        sa.Column("current", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_claims")),
    )
    op.create_index(op.f("ix_claims_report_id"), "claims", ["report_id"])
    op.create_index(op.f("ix_claims_derived_from"), "claims", ["derived_from"])
    if not policy_columns:
        op.create_index(op.f("ix_claims_figure_position"), "claims", ["figure", "position"])


def upgrade() -> None:
    _empty_read_model()
    _claims(
        sa.Column("root_claim_id", sa.String(128), nullable=False),
        sa.Column("root_origin", sa.String(100), nullable=False),
        sa.Column("as_of", sa.String(40), nullable=False),
        sa.Column("low", sa.String(40), nullable=False),
        sa.Column("high", sa.String(40), nullable=True),
        sa.Column("number", sa.String(40), nullable=True),
        sa.Column("hedge", sa.String(20), nullable=False),
        sa.Column("published_us", sa.BigInteger(), nullable=False),
        sa.Column("withdrawn_via", sa.String(128), nullable=True),
    )
    # A figure's claims in order, covering what the policy reads: one range scan per recompute.
    op.create_index("ix_claims_policy", "claims", ["figure", "position", *_POLICY_COLUMNS])
    op.create_table(
        "estimates",
        sa.Column("figure", sa.String(400), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("figure", name=op.f("pk_estimates")),
    )


def downgrade() -> None:
    _empty_read_model()
    _claims()
    op.create_table(
        "estimates",
        sa.Column("figure", sa.String(400), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("estimate", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("figure", name=op.f("pk_estimates")),
    )
