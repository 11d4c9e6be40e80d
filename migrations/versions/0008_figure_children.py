"""Figures are found by their parent: an index on `figures.parent`.

The projection asks for a figure's children (the nested figures that bound it) the first
time it recomputes that figure; without an index each question read the whole `figures`
table, so a rebuild took time in the square of the number of figures.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_figures_parent"), "figures", ["parent"])


def downgrade() -> None:
    op.drop_index(op.f("ix_figures_parent"), table_name="figures")
