"""Estimates keep their headline as plain columns; claims lose the wide covering index.

`select best from estimates` now works in any SQL client: low, best, high, status, the
support counts and the as-of are columns of their own (the JSON `summary` still carries
who set each number and the conflicts). The projection keeps each figure's state in
memory, so a figure's claims are read only when that state is first loaded: the index
covering every column the policy reads, which every insert paid for, becomes a plain
(figure, position) index, and a statement's claims (a claim and its relays) are
found by their root claim. A claim's `current` document is written only once its
standing changes (until then it is the `asserted` one): a claim is written once, not twice.

The read model is derived data: like 0003–0005, this migration empties it (and its
checkpoint), and the next `ledger.open` rebuilds it from the log.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
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
_POLICY_COLUMNS = (
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
    "root_published_us",
    "root_position",
)
_HEADLINE = ("low", "best", "high", "status", "claims", "reports", "origins", "earlier", "as_of")


def _headline() -> list[sa.Column[object]]:
    return [
        sa.Column("low", sa.Numeric(), nullable=True),
        sa.Column("best", sa.Numeric(), nullable=True),
        sa.Column("high", sa.Numeric(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("origins", sa.Integer(), nullable=False),
        sa.Column("earlier", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.String(40), nullable=True),
    ]


def _empty_read_model() -> None:
    for table in _DERIVED:
        op.execute(sa.text(f"DELETE FROM {table}"))


def upgrade() -> None:
    _empty_read_model()
    with op.batch_alter_table("estimates") as batch:
        for column in _headline():
            batch.add_column(column)
    with op.batch_alter_table("claims") as batch:
        batch.drop_index("ix_claims_policy")
        batch.create_index(batch.f("ix_claims_figure_position"), ["figure", "position"])
        batch.create_index(batch.f("ix_claims_root_claim_id"), ["root_claim_id"])
    # `current` becomes nullable: dropped and added again (the read model is empty), which
    # SQLite does in place (ALTER TABLE … DROP COLUMN, SQLite 3.35+), even in --sql mode.
    op.drop_column("claims", "current")
    op.add_column("claims", sa.Column("current", sa.Text(), nullable=True))


def downgrade() -> None:
    _empty_read_model()
    with op.batch_alter_table("claims") as batch:
        batch.alter_column("current", existing_type=sa.Text(), nullable=False)
        batch.drop_index(batch.f("ix_claims_root_claim_id"))
        batch.drop_index(batch.f("ix_claims_figure_position"))
        batch.create_index("ix_claims_policy", ["figure", "position", *_POLICY_COLUMNS])
    with op.batch_alter_table("estimates") as batch:
        for name in reversed(_HEADLINE):
            batch.drop_column(name)
