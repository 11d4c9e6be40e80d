"""Read-model tables. Unlike `events` they are rebuilt freely: `replay()` empties and refills
them from the log. Created by migrations 0002–0009; registered on the store's metadata so the
migrations-agree-with-models test covers them."""

from __future__ import annotations

import sqlalchemy as sa

from ledger.store.schema import Position, UTCDateTime, metadata

JSONText = sa.Text

sources = sa.Table(
    "sources",
    metadata,
    sa.Column("source_id", sa.String(100), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("parent", sa.String(100), nullable=True),
    sa.Column("notes", sa.Text(), nullable=True),
    sa.Column("position", sa.BigInteger(), nullable=False),
)

figures = sa.Table(
    "figures",
    metadata,
    sa.Column("figure", sa.String(400), primary_key=True),
    sa.Column("unit", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("parent", sa.String(400), nullable=True, index=True),
    sa.Column("description", sa.Text(), nullable=True),
    sa.Column("position", sa.BigInteger(), nullable=False),
)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("report_id", sa.String(128), primary_key=True),
    sa.Column("outlet", sa.String(100), nullable=False, index=True),
    sa.Column("published_at", UTCDateTime(), nullable=False),
    sa.Column("report", JSONText(), nullable=False),
    sa.Column("position", sa.BigInteger(), nullable=False),
)

POLICY_COLUMNS = (
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
"""The claim columns the estimation policy reads (`PolicyClaim`), besides its position."""

claims = sa.Table(
    "claims",
    metadata,
    sa.Column("claim_id", sa.String(128), primary_key=True),
    sa.Column("figure", sa.String(400), nullable=False),
    sa.Column("report_id", sa.String(128), nullable=False, index=True),
    sa.Column("origin", sa.String(100), nullable=False, index=True),  # `ledger source`
    sa.Column("derived_from", sa.String(128), nullable=True, index=True),
    sa.Column("position", sa.BigInteger(), nullable=False),
    sa.Column("published_at", UTCDateTime(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    # What the estimation policy reads (`PolicyClaim`), so a recompute decodes no JSON.
    sa.Column("root_claim_id", sa.String(128), nullable=False, index=True),
    sa.Column("root_origin", sa.String(100), nullable=False),
    sa.Column("as_of", sa.String(40), nullable=False),  # ISO date or time
    sa.Column("low", sa.String(40), nullable=False),  # decimal numbers as text: exact
    sa.Column("high", sa.String(40), nullable=True),
    sa.Column("number", sa.String(40), nullable=True),
    sa.Column("hedge", sa.String(20), nullable=False),
    sa.Column("published_us", sa.BigInteger(), nullable=False),
    sa.Column("withdrawn_via", sa.String(128), nullable=True),
    # The root claim's publication time and position: how an origin's statements are ordered.
    sa.Column("root_published_us", sa.BigInteger(), nullable=False),
    sa.Column("root_position", sa.BigInteger(), nullable=False),
    # Once its standing changed, the claim as it stands (`ClaimView`); until then it is as
    # asserted, read from its event (`ledger.projections.claim_views`).
    sa.Column("current", JSONText(), nullable=True),
    sa.Index(None, "figure", "position"),  # a figure's claims, read when its state loads
    sa.Index(None, "figure", "root_origin"),  # an origin's, when its latest statement shrinks
)

claim_changes = sa.Table(
    "claim_changes",
    metadata,
    sa.Column("change_id", Position, primary_key=True, autoincrement=True),
    sa.Column("claim_id", sa.String(128), nullable=False, index=True),
    sa.Column("figure", sa.String(400), nullable=False),
    sa.Column("issued_by", sa.String(100), nullable=True, index=True),  # the event's `by`
    sa.Column("position", sa.BigInteger(), nullable=False),
    sa.Column("published_at", UTCDateTime(), nullable=False),
    sa.Column("change", JSONText(), nullable=False),
    sa.Index(None, "figure", "position"),
)

estimates = sa.Table(
    "estimates",
    metadata,
    sa.Column("figure", sa.String(400), primary_key=True),
    sa.Column("position", sa.BigInteger(), nullable=False),  # the last change
    # The headline as plain columns, for SQL clients (`select best from estimates`).
    sa.Column("low", sa.Numeric(), nullable=True),
    sa.Column("best", sa.Numeric(), nullable=True),
    sa.Column("high", sa.Numeric(), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("claims", sa.Integer(), nullable=False),
    sa.Column("reports", sa.Integer(), nullable=False),
    sa.Column("origins", sa.Integer(), nullable=False),
    sa.Column("earlier", sa.Integer(), nullable=False),
    sa.Column("as_of", sa.String(40), nullable=True),
    sa.Column("summary", JSONText(), nullable=False),  # EstimateSummary, exact
    sa.Column("changed_by", JSONText(), nullable=False),  # EventRef
)

estimate_history = sa.Table(
    "estimate_history",
    metadata,
    sa.Column("entry_id", Position, primary_key=True, autoincrement=True),
    sa.Column("figure", sa.String(400), nullable=False),
    sa.Column("position", sa.BigInteger(), nullable=False),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
    sa.Column("entry", JSONText(), nullable=False),
    sa.Index(None, "figure", "position"),
    sa.Index(None, "position"),
)

checkpoints = sa.Table(
    "checkpoints",
    metadata,
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("position", sa.BigInteger(), nullable=False),
)

READ_MODEL = (sources, figures, reports, claims, claim_changes, estimates, estimate_history)

FOLD_READS = frozenset(
    {
        ("claims", ("root_claim_id",)),  # a statement's claims
        ("claims", ("figure", "root_origin")),  # an origin's claims
        ("claims", ("derived_from",)),  # the relays of a withdrawn claim
        ("claim_changes", ("claim_id",)),  # when a claim was withdrawn
        ("figures", ("parent",)),  # a figure's children
    }
)
"""The read model's indexes the fold itself reads (besides primary keys); a rebuild
creates the others once, at its end, instead of updating them row by row. (A figure's
claims by position are read when its state loads, which a rebuild never needs: it
defines every figure's state as it folds.)"""


def unread_by_fold() -> list[sa.Index]:
    """The read model's indexes a rebuild can create after its fold."""
    return [
        index
        for table in READ_MODEL
        for index in sorted(table.indexes, key=lambda i: str(i.name))
        if (table.name, tuple(c.name for c in index.columns)) not in FOLD_READS
    ]
