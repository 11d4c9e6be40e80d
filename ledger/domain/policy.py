"""The best-estimate policy's one evaluation, over the few columns it reads of each claim.

`evaluate` decides what counts, the interval, the best point, the status and who set each
bound; `ledger.domain.estimate` writes the outcome up as a provenance for readers, or as a
headline for the projection. docs/estimation.md states the policy in words; each step
below is one of its paragraphs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter

from ledger.domain.best_point import best_point
from ledger.domain.model import FigureKind
from ledger.domain.quantity import Hedge
from ledger.domain.values import as_of_key

POLICY_VERSION = "2026.11-2"


class ClaimStatus(StrEnum):
    """Where a claim stands after the compensating events recorded against it."""

    ACTIVE = "active"
    DISPUTED = "disputed"  # questioned; still counted, flagged
    RETRACTED = "retracted"  # the issuer withdrew it
    SUPERSEDED = "superseded"  # the same body published a newer figure
    REFUTED = "refuted"  # shown false
    CORRECTED = "corrected"  # our extraction was wrong; a replacement claim exists

    @property
    def counts(self) -> bool:
        """Whether a claim in this standing still counts as evidence."""
        return self in (ClaimStatus.ACTIVE, ClaimStatus.DISPUTED)


class EstimateStatus(StrEnum):
    """The standing of a figure's estimate; the word names what actually happened."""

    CONSISTENT = "consistent"  # corroborated: 2+ independent origins agree at the latest as-of
    SINGLE_ORIGIN = "single-origin"  # one independent origin at the latest as-of
    CONFLICTING = "conflicting"  # counted intervals (or a nested figure) do not overlap
    RETRACTED = "retracted"  # claims exist, none counts: their issuers withdrew them
    REFUTED = "refuted"  # claims exist, none counts: shown false
    SUPERSEDED = "superseded"  # claims exist, none counts: replaced by later ones
    WITHDRAWN = "withdrawn"  # claims exist, none counts, for more than one of those reasons
    NO_DATA = "no data"  # no claim was ever made


@dataclass(slots=True)
class PolicyClaim:
    """What the policy reads of a claim — the read model keeps exactly these as columns, so a
    figure's estimate can be recomputed without decoding its claims' documents.

    `root_published_us` / `root_position`: the publication time and position of the claim
    at the end of its `derived_from` chain (its own for an original claim): a relay takes
    the time of the claim it relays when an origin's statements are ordered.
    """

    claim_id: str
    report_id: str
    position: int
    root_claim_id: str
    root_origin: str
    as_of: date | datetime
    as_of_key: datetime  # `as_of_key(as_of)`: as-ofs compared as instants
    low: Decimal
    high: Decimal | None
    number: Decimal | None
    hedge: Hedge
    published_us: int  # publication time, microseconds since the epoch (UTC)
    status: ClaimStatus
    withdrawn_via: str | None
    root_published_us: int
    root_position: int


@dataclass(frozen=True, slots=True)
class FigureBound:
    """A nested figure's bound on this one: a child's low (a floor for its cumulative
    parent) or the parent's high (a ceiling its child's low must not pass), as of its T."""

    figure: str
    value: Decimal
    as_of: date | datetime


@dataclass(frozen=True, slots=True)
class Nesting:
    """The figures this one nests with: its children's floors and its parent's ceiling."""

    floors: tuple[FigureBound, ...] = ()
    ceiling: FigureBound | None = None


NO_NESTING = Nesting()

Interval = tuple[Decimal, Decimal | None]  # [low, high]; high None is open (∞)

Excluded = tuple[PolicyClaim, str, date | datetime | None]
"""A claim that does not count: why ("standing", "withdrawn", "superseded", "stale") and
the as-of its reason names."""


@dataclass(frozen=True)
class Statement:
    """An effective origin's latest word: one claim and the relays of it (same root claim)."""

    origin: str
    claims: tuple[PolicyClaim, ...]  # by position
    key: datetime  # as_of_key of its latest as-of
    floor_only: bool = False  # an earlier as-of on a cumulative figure

    def contribution(self, claim: PolicyClaim) -> Interval:
        """What one of its claims constrains: its interval, or only its floor."""
        return (claim.low, None if self.floor_only else claim.high)

    def interval(self) -> Interval:
        """Its claims' intersection; their hull when they contradict each other."""
        spans = [self.contribution(claim) for claim in self.claims]
        low, high = _meet(spans)
        if high is not None and low > high:
            return _hull(spans)
        return low, high


@dataclass(frozen=True)
class FloorUse:
    """A child figure's floor as this figure's policy weighed it."""

    bound: FigureBound
    applied: bool  # it raised this figure's low
    conflict: bool  # it passes this figure's high: a conflict between the two figures
    later: bool  # its as-of is after this figure's latest: it says nothing about T


@dataclass(frozen=True)
class Combined:
    """The statements intersected (or, on conflict, their envelope), with who set each bound."""

    low: Decimal
    high: Decimal | None
    latest: date | datetime  # T: the latest as-of among the statements
    conflict: tuple[str, ...] = ()  # (claim setting the highest floor, lowest ceiling)
    low_by: str | None = None  # a claim id, or a child figure's key
    high_by: str | None = None
    floors: tuple[FloorUse, ...] = ()
    figure_conflicts: tuple[str, ...] = ()  # nested figures this one contradicts


@dataclass(frozen=True)
class Outcome:
    """What the policy decided, before it is written up as a provenance or a headline."""

    ordered: list[PolicyClaim]  # every claim, by position
    excluded: list[Excluded]
    statements: list[Statement]
    combined: Combined | None  # None: nothing counts
    status: EstimateStatus
    best: Decimal | None = None
    best_by: str | None = None
    bodies: frozenset[str] = field(default_factory=frozenset)  # corroborating: at T
    earlier: frozenset[str] = field(default_factory=frozenset)  # only earlier floors


def evaluate(
    kind: FigureKind,
    claims: Sequence[PolicyClaim],
    independence: Mapping[str, str],
    nesting: Nesting = NO_NESTING,
) -> Outcome:
    """The policy: keep the claims that count, one latest statement per effective origin,
    then `weigh` them."""
    ordered = sorted(claims, key=_by_position)
    counted, excluded = _partition(ordered)
    statements, superseded = latest_statements(counted)
    return weigh(kind, ordered, statements, excluded + superseded, independence, nesting)


def weigh(
    kind: FigureKind,
    ordered: list[PolicyClaim],
    statements: Sequence[Statement],
    excluded: list[Excluded],
    independence: Mapping[str, str],
    nesting: Nesting = NO_NESTING,
) -> Outcome:
    """The origins' latest statements weighed: the cumulative/level rule, intersect, nested
    figures, then the best point inside. (`ledger.domain.fold` keeps the statements.)"""
    statements, stale = _apply_timing(kind, statements)
    excluded = excluded + stale
    if not statements:
        return Outcome(ordered, excluded, [], None, _nothing_counts(ordered, excluded))

    def body(source: str) -> str:
        return independence.get(source, source)

    combined = _nest(kind, _combine(statements), nesting)
    current = frozenset(body(s.origin) for s in statements if not s.floor_only)
    earlier = frozenset(body(s.origin) for s in statements if s.floor_only) - current
    if combined.conflict or combined.figure_conflicts:
        status, best, best_by = EstimateStatus.CONFLICTING, None, None
    else:
        status = EstimateStatus.CONSISTENT if len(current) > 1 else EstimateStatus.SINGLE_ORIGIN
        best, best_by = best_point(statements, combined, body)
    return Outcome(ordered, excluded, statements, combined, status, best, best_by, current, earlier)


_by_position = attrgetter("position", "claim_id")
_COUNTING = frozenset(status for status in ClaimStatus if status.counts)


def _meet(spans: Sequence[Interval]) -> Interval:
    """Intersection: the highest floor and the lowest ceiling (possibly inverted)."""
    ceilings = [high for _, high in spans if high is not None]
    return max(low for low, _ in spans), min(ceilings) if ceilings else None


def _hull(spans: Sequence[Interval]) -> Interval:
    """Envelope: the lowest floor and the highest ceiling (None if any is open)."""
    low = min(low for low, _ in spans)
    ceilings = [high for _, high in spans if high is not None]
    return low, max(ceilings) if len(ceilings) == len(spans) else None


def _partition(ordered: Sequence[PolicyClaim]) -> tuple[list[PolicyClaim], list[Excluded]]:
    """The claims that count, and the others: withdrawn by their own standing, or resting
    on a withdrawn claim."""
    counted: list[PolicyClaim] = []
    excluded: list[Excluded] = []
    for claim in ordered:
        if claim.status not in _COUNTING:
            excluded.append((claim, "standing", None))
        elif claim.withdrawn_via is not None:
            excluded.append((claim, "withdrawn", None))
        else:
            counted.append(claim)
    return counted, excluded


_NOTHING_COUNTS = {
    ClaimStatus.RETRACTED: EstimateStatus.RETRACTED,
    ClaimStatus.REFUTED: EstimateStatus.REFUTED,
    ClaimStatus.SUPERSEDED: EstimateStatus.SUPERSEDED,
}


def _nothing_counts(ordered: Sequence[PolicyClaim], excluded: Sequence[Excluded]) -> EstimateStatus:
    """No data, or the word for why no claim counts any more: retracted, refuted,
    superseded when every claim went the same way, withdrawn when they went different ways.
    A corrected claim says nothing (its replacement does); a relay follows what it relays."""
    if not ordered:
        return EstimateStatus.NO_DATA
    return withdrawn_word(claim.status for claim, why, _ in excluded if why == "standing")


def withdrawn_word(standings: Iterable[ClaimStatus]) -> EstimateStatus:
    """The word for a figure none of whose claims counts, from the claims' own standings."""
    ways = {_NOTHING_COUNTS[status] for status in standings if status in _NOTHING_COUNTS}
    return ways.pop() if len(ways) == 1 else EstimateStatus.WITHDRAWN


def statement_order(claims: Sequence[PolicyClaim]) -> tuple[datetime, int, int]:
    """An origin's statements in order: by as-of, then when the origin's own claim was
    published (a relay takes the time of what it relays), then by ledger position."""
    first = claims[0]
    return max(c.as_of_key for c in claims), first.root_published_us, first.root_position


def latest_statements(
    counted: Sequence[PolicyClaim],
) -> tuple[list[Statement], list[Excluded]]:
    """One statement per effective origin, its latest; the origin's earlier ones excluded."""
    by_origin: dict[str, dict[str, list[PolicyClaim]]] = {}
    for claim in counted:
        by_origin.setdefault(claim.root_origin, {}).setdefault(claim.root_claim_id, []).append(
            claim
        )
    statements: list[Statement] = []
    excluded: list[Excluded] = []
    for origin, by_root in by_origin.items():
        groups = sorted(by_root.values(), key=statement_order)
        latest = groups[-1]
        key = statement_order(latest)[0]
        statements.append(Statement(origin=origin, claims=tuple(latest), key=key))
        as_of = max(latest, key=attrgetter("as_of_key")).as_of
        excluded += [(claim, "superseded", as_of) for group in groups[:-1] for claim in group]
    return statements, excluded


def _apply_timing(
    kind: FigureKind, statements: Sequence[Statement]
) -> tuple[list[Statement], list[Excluded]]:
    """Earlier as-of statements: floor only (cumulative) or excluded as stale (level)."""
    if not statements:
        return [], []
    latest = max(statement.key for statement in statements)
    latest_as_of = _latest_as_of(statements)
    kept: list[Statement] = []
    stale: list[Excluded] = []
    for statement in statements:
        if statement.key == latest:
            kept.append(statement)
        elif kind is FigureKind.CUMULATIVE:
            # (built, not `dataclasses.replace`d: this runs for every recompute)
            kept.append(Statement(statement.origin, statement.claims, statement.key, True))
        else:
            stale += [(claim, "stale", latest_as_of) for claim in statement.claims]
    return kept, stale


def _latest_as_of(statements: Sequence[Statement]) -> date | datetime:
    """T as written by the earliest-positioned claim that carries it."""
    latest = max(statement.key for statement in statements)
    carriers = [c for s in statements if s.key == latest for c in s.claims if c.as_of_key == latest]
    return min(carriers, key=_by_position).as_of


def _combine(statements: Sequence[Statement]) -> Combined:
    """Intersect every statement; on an empty intersection name the pair and the envelope."""
    latest = _latest_as_of(statements)
    spans = [(claim, s.contribution(claim)) for s in statements for claim in s.claims]
    low = max(span[0] for _, span in spans)
    floor_claim = min((c for c, span in spans if span[0] == low), key=_setter_order)
    ceilings = [(claim, span[1]) for claim, span in spans if span[1] is not None]
    if not ceilings:
        return Combined(low=low, high=None, latest=latest, low_by=floor_claim.claim_id)
    high = min(ceiling for _, ceiling in ceilings)
    ceiling_claim = min((c for c, ceiling in ceilings if ceiling == high), key=_setter_order)
    if low <= high:
        return Combined(
            low=low,
            high=high,
            latest=latest,
            low_by=floor_claim.claim_id,
            high_by=ceiling_claim.claim_id,
        )
    envelope_low, envelope_high = _hull([statement.interval() for statement in statements])
    return Combined(
        low=envelope_low,
        high=envelope_high,
        latest=latest,
        conflict=(floor_claim.claim_id, ceiling_claim.claim_id),
    )


def _setter_order(claim: PolicyClaim) -> tuple[bool, int, str]:
    """Among claims sharing a bound, name the origin's own claim first, then the earliest."""
    return claim.claim_id != claim.root_claim_id, claim.position, claim.claim_id


def _nest(kind: FigureKind, combined: Combined, nesting: Nesting) -> Combined:
    """Cumulative figures only: a child's low as of T or earlier is a floor for this figure
    (as of T); a floor above this figure's high, or this figure's low above its parent's
    high (the parent as of T or later), is a conflict between the two figures."""
    if kind is not FigureKind.CUMULATIVE or (not nesting.floors and nesting.ceiling is None):
        return combined
    latest = as_of_key(combined.latest)
    low, low_by, high = combined.low, combined.low_by, combined.high
    uses: list[FloorUse] = []
    conflicts: list[str] = []
    for bound in sorted(nesting.floors, key=attrgetter("figure")):
        later = as_of_key(bound.as_of) > latest
        conflict = not later and high is not None and bound.value > high
        applied = not later and not conflict and not combined.conflict and bound.value > low
        if applied:
            low, low_by = bound.value, bound.figure
        if conflict:
            conflicts.append(bound.figure)
        uses.append(FloorUse(bound, applied, conflict, later))
    ceiling = nesting.ceiling
    if ceiling is not None and as_of_key(ceiling.as_of) >= latest and low > ceiling.value:
        conflicts.append(ceiling.figure)
    return Combined(
        low=low,
        high=combined.high,
        latest=combined.latest,
        conflict=combined.conflict,
        low_by=low_by,
        high_by=combined.high_by,
        floors=tuple(uses),
        figure_conflicts=tuple(conflicts),
    )
