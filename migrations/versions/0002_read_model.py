"""The read model: sources, figures, reports, claims and their changes, estimates, history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.store.schema import Position, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("source_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("parent", sa.String(100), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("source_id", name=op.f("pk_sources")),
    )
    op.create_table(
        "figures",
        sa.Column("figure", sa.String(400), nullable=False),
        sa.Column("unit", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("parent", sa.String(400), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("figure", name=op.f("pk_figures")),
    )
    op.create_table(
        "reports",
        sa.Column("report_id", sa.String(128), nullable=False),
        sa.Column("outlet", sa.String(100), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_reports")),
    )
    op.create_index(op.f("ix_reports_outlet"), "reports", ["outlet"])
    op.create_table(
        "claims",
        sa.Column("claim_id", sa.String(128), nullable=False),
        sa.Column("figure", sa.String(400), nullable=False),
        sa.Column("report_id", sa.String(128), nullable=False),
        sa.Column("derived_from", sa.String(128), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("asserted", sa.Text(), nullable=False),
        sa.Column("current", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", name=op.f("pk_claims")),
    )
    op.create_index(op.f("ix_claims_report_id"), "claims", ["report_id"])
    op.create_index(op.f("ix_claims_derived_from"), "claims", ["derived_from"])
    op.create_index(op.f("ix_claims_figure_position"), "claims", ["figure", "position"])
    op.create_table(
        "claim_changes",
        sa.Column("change_id", Position, autoincrement=True, nullable=False),
        sa.Column("claim_id", sa.String(128), nullable=False),
        sa.Column("figure", sa.String(400), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("change", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_claim_changes")),
    )
    op.create_index(op.f("ix_claim_changes_claim_id"), "claim_changes", ["claim_id"])
    op.create_index(
        op.f("ix_claim_changes_figure_position"), "claim_changes", ["figure", "position"]
    )
    op.create_table(
        "estimates",
        sa.Column("figure", sa.String(400), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("estimate", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("figure", name=op.f("pk_estimates")),
    )
    op.create_table(
        "estimate_history",
        sa.Column("entry_id", Position, autoincrement=True, nullable=False),
        sa.Column("figure", sa.String(400), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_estimate_history")),
    )
    op.create_index(
        op.f("ix_estimate_history_figure_position"), "estimate_history", ["figure", "position"]
    )
    op.create_index(op.f("ix_estimate_history_position"), "estimate_history", ["position"])
    op.create_table(
        "checkpoints",
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_checkpoints")),
    )


def downgrade() -> None:
    for table in (
        "checkpoints",
        "estimate_history",
        "estimates",
        "claim_changes",
        "claims",
        "reports",
        "figures",
        "sources",
    ):
        op.drop_table(table)
