"""A figure's estimate with its provenance, as readers ask for it: now, or at a moment.

The projection stores each figure's headline; the provenance is derived on read with the
same pure policy (`estimate_figure`), from the figure's claims and the headlines of the
figures it nests with — as stored (now), or rebuilt from their claims at a past moment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ledger.domain.estimate import (
    ClaimView,
    EstimateSummary,
    FigureEstimate,
    estimate_figure,
    policy_claim,
    summarize_figure,
)
from ledger.domain.model import Figure, FigureKind
from ledger.domain.nesting import nests
from ledger.domain.policy import NO_NESTING, Nesting
from ledger.errors import UnknownFigureError
from ledger.projections.queries import figure_info
from ledger.projections.read_model import Reads

ClaimsAt = Callable[[str], list[ClaimView]]
"""A figure key → its claims as they stood at the moment a reader asks about."""
Headline = Callable[[Figure, bool], EstimateSummary | None]
"""A nested figure's headline (with its own children's floors, or without) at that moment."""


def compute(
    reads: Reads,
    key: str,
    claims_at: ClaimsAt | None = None,
    *,
    claims: Sequence[ClaimView] | None = None,
) -> FigureEstimate:
    """The policy's estimate of `key` with its provenance (no provenance event set).

    Now (`claims_at` None): from its claims as they stand (`claims`, when the caller has
    read them already) and the stored headlines of its nested figures — what the live
    projection used. At a past moment: from `claims_at(key)`, and its children's lows
    and its parent's high rebuilt from their claims at the same moment.
    """
    figure = reads.figure(key)
    if figure is None:
        raise UnknownFigureError(key, suggestion=reads.nearest_figure(key))
    bodies = _Bodies(reads)
    if claims_at is None:
        claims = reads.claims(key) if claims is None else claims

        def headline(other: Figure, floors: bool) -> EstimateSummary | None:
            return reads.summary(other.figure)

    else:
        claims = claims_at(key)
        at = claims_at

        def headline(other: Figure, floors: bool) -> EstimateSummary | None:
            return _headline_at(reads, other, at, bodies, floors=floors)

    nesting = _nesting(reads, figure, headline)
    independence = {c.root_origin: bodies(c.root_origin) for c in claims}
    return estimate_figure(figure_info(figure), claims, independence, nesting)


def _nesting(reads: Reads, figure: Figure, headline: Headline) -> Nesting:
    """Its children's lows (floors) and its parent's high (a ceiling), as `headline` gives
    them; a parent's high never depends on its children, so it is taken without floors."""
    if figure.kind is not FigureKind.CUMULATIVE:
        return NO_NESTING
    floors = []
    for child in reads.children(figure.figure):
        found = headline(child, True) if nests(child, figure) else None
        if found is not None and (bound := found.bound(child.figure, "low")) is not None:
            floors.append(bound)
    ceiling = None
    parent = reads.figure(figure.parent) if figure.parent else None
    if parent is not None and nests(figure, parent):
        found = headline(parent, False)
        ceiling = found.bound(parent.figure, "high") if found is not None else None
    return Nesting(tuple(floors), ceiling)


def _headline_at(
    reads: Reads,
    figure: Figure,
    claims_at: ClaimsAt,
    bodies: _Bodies,
    *,
    floors: bool,
) -> EstimateSummary:
    """A figure's headline at a moment; with `floors`, its children's lows applied."""
    claims = [policy_claim(claim) for claim in claims_at(figure.figure)]
    nesting = NO_NESTING
    if floors:

        def headline(other: Figure, floors: bool) -> EstimateSummary | None:
            return _headline_at(reads, other, claims_at, bodies, floors=floors)

        nesting = Nesting(floors=_nesting(reads, figure, headline).floors)
    independence = {c.root_origin: bodies(c.root_origin) for c in claims}
    return summarize_figure(figure.kind, claims, independence, nesting)


class _Bodies:
    """Source id → its top-level body (itself when it has no parent), read once each."""

    def __init__(self, reads: Reads) -> None:
        self._reads = reads
        self._found: dict[str, str] = {}

    def __call__(self, source_id: str) -> str:
        if source_id not in self._found:
            body, seen = source_id, {source_id}
            while (found := self._reads.source(body)) is not None and found.parent:
                if found.parent in seen:
                    break
                body = found.parent
                seen.add(body)
            self._found[source_id] = body
        return self._found[source_id]
