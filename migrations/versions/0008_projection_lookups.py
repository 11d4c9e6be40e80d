"""Two questions the projection asks get an index of their own.

- A figure's children (the nested figures that bound it), asked the first time it
  recomputes that figure: without an index on `figures.parent` each question read the
  whole `figures` table, so a rebuild took time in the square of the number of figures.
- An origin's claims on a figure, asked when a claim of its latest statement stops
  counting: found by (figure, root_origin) rather than among every claim of the figure.

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
    op.create_index(op.f("ix_claims_figure_root_origin"), "claims", ["figure", "root_origin"])


def downgrade() -> None:
    op.drop_index(op.f("ix_claims_figure_root_origin"), table_name="claims")
    op.drop_index(op.f("ix_figures_parent"), table_name="figures")
