"""The best-estimate policy: a pure function from a figure's claims to its estimate.

Models here are the policy's inputs (`ClaimView`: a claim with its current standing) and
its output (`FigureEstimate` with `Provenance`). docs/estimation.md states the policy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter

from pydantic import BaseModel, ConfigDict

from ledger.domain.model import FigureKind
from ledger.domain.quantity import Hedge, Quantity
from ledger.domain.values import Number, as_of_key, microseconds

POLICY_VERSION = "2026.11-1"


class ClaimStatus(StrEnum):
    """Where a claim stands after the compensating events recorded against it."""

    ACTIVE = "active"
    DISPUTED = "disputed"  # questioned; still counted, flagged
    RETRACTED = "retracted"  # the issuer withdrew it
    SUPERSEDED = "superseded"  # the same origin published a newer figure
    REFUTED = "refuted"  # shown false
    CORRECTED = "corrected"  # our extraction was wrong; a replacement claim exists

    @property
    def counts(self) -> bool:
        """Whether a claim in this standing still counts as evidence."""
        return self in (ClaimStatus.ACTIVE, ClaimStatus.DISPUTED)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Dispute(_Model):
    """One questioning of a claim: who disputed it, why, on what evidence, at which event."""

    by: str
    reason: str
    evidence: str | None = None
    position: int


class ClaimView(_Model):
    """A claim as the read model holds it: what was asserted, and where it stands now.

    `root_claim_id` / `root_origin`: the end of its `derived_from` chain (itself and its
    own origin when it relays nothing). `withdrawn_via`: the id of a withdrawn
    (retracted/refuted/corrected) claim up its chain, when it rests on one.
    `status_by` / `status_reason` / `status_evidence`: the compensating event behind its
    standing. `disputes`: every dispute, in order; `disputed_by` names their authors.
    """

    claim_id: str
    report_id: str
    figure: str
    value: str
    quantity: Quantity
    as_of: date | datetime
    origin: str
    outlet: str
    published_at: datetime
    derived_from: str | None = None
    quote: str = ""
    position: int
    root_claim_id: str
    root_origin: str
    status: ClaimStatus = ClaimStatus.ACTIVE
    status_by: str | None = None
    status_reason: str | None = None
    status_position: int | None = None
    disputed_by: tuple[str, ...] = ()
    withdrawn_via: str | None = None
    note: str | None = None
    status_evidence: str | None = None
    disputes: tuple[Dispute, ...] = ()


class EstimateStatus(StrEnum):
    """The standing of a figure's estimate."""

    CONSISTENT = "consistent"  # two or more independent origins whose intervals overlap
    SINGLE_ORIGIN = "single-origin"  # all counted claims come from one independent origin
    CONFLICTING = "conflicting"  # counted intervals do not overlap; best withheld
    RETRACTED = "retracted"  # claims exist but none counts any more; best is null
    NO_DATA = "no data"  # no claim was ever made


class ClaimUse(_Model):
    """One claim in a provenance: counted or not, and the reason, in words."""

    claim_id: str
    report_id: str
    origin: str
    outlet: str
    value: str
    low: Number
    high: Number | None
    as_of: date | datetime
    published_at: datetime
    status: ClaimStatus
    counted: bool
    reason: str
    flags: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()  # of the events behind its standing and its disputes


class EventRef(_Model):
    """The event that last changed an estimate."""

    position: int
    event_type: str
    event_id: str
    recorded_at: datetime


class Provenance(_Model):
    """Why an estimate is what it is."""

    used: tuple[ClaimUse, ...] = ()
    excluded: tuple[ClaimUse, ...] = ()
    origins: tuple[str, ...] = ()  # independent origins (top-level bodies) of counted claims
    statement_origins: tuple[str, ...] = ()  # the origins whose latest statements counted
    reports: tuple[str, ...] = ()  # distinct reports behind counted claims
    derivation: tuple[tuple[str, str], ...] = ()  # (relay claim id, the claim it relays)
    conflict: tuple[str, ...] = ()  # the smallest incompatible set of claim ids
    policy_version: str = POLICY_VERSION
    lexicon_versions: tuple[str, ...] = ()
    changed_by: EventRef | None = None

    @property
    def summary(self) -> str:
        """E.g. "4 claims in 2 reports, 1 independent origin"."""

        def n(count: int, word: str) -> str:
            return f"{count} {word}{'' if count == 1 else 's'}"

        return (
            f"{n(len(self.used), 'claim')} in {n(len(self.reports), 'report')}, "
            f"{n(len(self.origins), 'independent origin')}"
        )


class FigureEstimate(_Model):
    """low / best / high for one figure, its status and provenance.

    `high` None with `low` set means open above (∞). All three are None for "no data" and
    "retracted" — never 0. Always low ≤ best ≤ high where present.
    """

    figure: str
    unit: str
    kind: FigureKind
    low: Number | None = None
    best: Number | None = None
    high: Number | None = None
    status: EstimateStatus
    as_of: date | datetime | None = None
    provenance: Provenance
    position: int = 0


class FigureInfo(_Model):
    """What the policy needs to know about the figure itself."""

    figure: str
    unit: str
    kind: FigureKind


class EstimateSummary(_Model):
    """The headline of an estimate: what the projection stores and a history entry compares."""

    low: Number | None
    best: Number | None
    high: Number | None
    status: EstimateStatus
    claims: int
    reports: int
    origins: int
    conflict: tuple[str, ...] = ()

    @classmethod
    def of(cls, estimate: FigureEstimate) -> EstimateSummary:
        """The summary of a full estimate."""
        provenance = estimate.provenance
        return cls(
            low=estimate.low,
            best=estimate.best,
            high=estimate.high,
            status=estimate.status,
            claims=len(provenance.used),
            reports=len(provenance.reports),
            origins=len(provenance.origins),
            conflict=provenance.conflict,
        )


@dataclass(slots=True)
class PolicyClaim:
    """What the policy reads of a claim — the read model keeps exactly these as columns, so a
    figure's estimate can be recomputed without decoding its claims' documents."""

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

    @classmethod
    def of(cls, claim: ClaimView) -> PolicyClaim:
        """The policy's reading of a full claim."""
        quantity = claim.quantity
        return cls(
            claim.claim_id,
            claim.report_id,
            claim.position,
            claim.root_claim_id,
            claim.root_origin,
            claim.as_of,
            as_of_key(claim.as_of),
            quantity.low,
            quantity.high,
            quantity.number,
            quantity.hedge,
            microseconds(claim.published_at),
            claim.status,
            claim.withdrawn_via,
        )


def estimate_figure(
    figure: FigureInfo,
    claims: Sequence[ClaimView],
    independence: Mapping[str, str],
) -> FigureEstimate:
    """The estimate of `figure` from all its claims (counted or not), with its provenance.

    `independence` maps a source id to its top-level body (itself when it has no parent).
    The steps, each a helper below, are those of docs/estimation.md: keep the claims that
    count, collapse them into one latest statement per effective origin, apply the
    cumulative/level rule, intersect the statements, then pick the best point inside.
    The result does not depend on the order of `claims`.
    """
    views = {claim.claim_id: claim for claim in claims}
    outcome = _evaluate(figure.kind, [PolicyClaim.of(claim) for claim in claims], independence)
    rank = {claim.claim_id: index for index, claim in enumerate(outcome.ordered)}

    def by_rank(use: ClaimUse) -> int:
        return rank[use.claim_id]

    ordered = [views[claim.claim_id] for claim in outcome.ordered]
    excluded = [
        _use(views[claim.claim_id], counted=False, reason=_reason(views, claim, why, when))
        for claim, why, when in outcome.excluded
    ]
    base = Provenance(
        excluded=tuple(sorted(excluded, key=by_rank)),
        derivation=tuple((c.claim_id, c.derived_from) for c in ordered if c.derived_from),
        lexicon_versions=tuple(sorted({c.quantity.lexicon_version for c in ordered})),
    )
    combined = outcome.combined
    if combined is None:
        return FigureEstimate(
            figure=figure.figure,
            unit=figure.unit,
            kind=figure.kind,
            status=outcome.status,
            provenance=base,
        )
    used = [
        _use(
            view,
            counted=True,
            reason=_why_counted(view, statement, combined.latest),
            flags=_flags(view, combined.conflict),
        )
        for statement in outcome.statements
        for view in (views[claim.claim_id] for claim in statement.claims)
    ]
    provenance = base.model_copy(
        update={
            "used": tuple(sorted(used, key=by_rank)),
            "origins": tuple(sorted(outcome.bodies)),
            "statement_origins": tuple(sorted(s.origin for s in outcome.statements)),
            "reports": tuple(sorted({use.report_id for use in used})),
            "conflict": combined.conflict,
        }
    )
    return FigureEstimate(
        figure=figure.figure,
        unit=figure.unit,
        kind=figure.kind,
        low=combined.low,
        best=outcome.best,
        high=combined.high,
        status=outcome.status,
        as_of=combined.latest,
        provenance=provenance,
    )


def summarize_figure(
    kind: FigureKind, claims: Sequence[PolicyClaim], independence: Mapping[str, str]
) -> EstimateSummary:
    """`EstimateSummary.of(estimate_figure(...))` without building the provenance: the same
    policy, run on the columns the read model keeps, for recomputing on every append."""
    outcome = _evaluate(kind, claims, independence)
    combined = outcome.combined
    if combined is None:
        return EstimateSummary(
            low=None, best=None, high=None, status=outcome.status, claims=0, reports=0, origins=0
        )
    used = [claim for statement in outcome.statements for claim in statement.claims]
    return EstimateSummary(
        low=combined.low,
        best=outcome.best,
        high=combined.high,
        status=outcome.status,
        claims=len(used),
        reports=len({claim.report_id for claim in used}),
        origins=len(outcome.bodies),
        conflict=combined.conflict,
    )


# Hedges whose stated number is the writer's value or a floor the count reaches. "Up to N"
# and "fewer than N" state a ceiling: taking it as the best point would be the least
# conservative reading, so their numbers are never candidates (docs/estimation.md).
_POINT_HEDGES = frozenset(
    {Hedge.EXACT, Hedge.ROUND, Hedge.AROUND, Hedge.AT_LEAST, Hedge.MORE_THAN, Hedge.NEARLY}
)

_Interval = tuple[Decimal, Decimal | None]  # [low, high]; high None is open (∞)

_Excluded = tuple[PolicyClaim, str, date | datetime | None]
"""A claim that does not count: why ("standing", "withdrawn", "superseded", "stale") and
the as-of its reason names."""


@dataclass(frozen=True)
class _Statement:
    """The latest word of one effective origin: its claims sharing the greatest as-of."""

    origin: str
    claims: tuple[PolicyClaim, ...]  # by position
    key: datetime  # as_of_key of the claims' as-of
    floor_only: bool = False  # an earlier as-of on a cumulative figure

    def contribution(self, claim: PolicyClaim) -> _Interval:
        """What one of its claims constrains: its interval, or only its floor."""
        return (claim.low, None if self.floor_only else claim.high)

    def interval(self) -> _Interval:
        """Its claims' intersection; their hull when they contradict each other."""
        spans = [self.contribution(claim) for claim in self.claims]
        low, high = _meet(spans)
        if high is not None and low > high:
            return _hull(spans)
        return low, high


@dataclass(frozen=True)
class _Combined:
    """The statements intersected (or, on conflict, their envelope)."""

    low: Decimal
    high: Decimal | None
    latest: date | datetime  # T: the latest as-of among the statements
    conflict: tuple[str, ...] = ()  # (claim setting the highest floor, lowest ceiling)


@dataclass(frozen=True)
class _Outcome:
    """What the policy decided, before it is written up as a provenance."""

    ordered: list[PolicyClaim]  # every claim, by position
    excluded: list[_Excluded]
    statements: list[_Statement]
    combined: _Combined | None  # None: nothing counts
    status: EstimateStatus
    best: Decimal | None
    bodies: set[str]  # the independent bodies behind the statements


def _evaluate(
    kind: FigureKind, claims: Sequence[PolicyClaim], independence: Mapping[str, str]
) -> _Outcome:
    ordered = sorted(claims, key=_by_position)
    counted, excluded = _partition(ordered)
    statements, superseded = _latest_statements(counted)
    statements, stale = _apply_timing(kind, statements)
    excluded += superseded + stale
    if not statements:
        status = EstimateStatus.RETRACTED if ordered else EstimateStatus.NO_DATA
        return _Outcome(ordered, excluded, [], None, status, None, set())

    def body(source: str) -> str:
        return independence.get(source, source)

    combined = _combine(statements)
    bodies = {body(statement.origin) for statement in statements}
    best: Decimal | None
    if combined.conflict:
        status, best = EstimateStatus.CONFLICTING, None
    else:
        status = EstimateStatus.SINGLE_ORIGIN if len(bodies) == 1 else EstimateStatus.CONSISTENT
        best = _best(statements, combined, body)
    return _Outcome(ordered, excluded, statements, combined, status, best, bodies)


_by_position = attrgetter("position", "claim_id")
_COUNTING = frozenset(status for status in ClaimStatus if status.counts)


def _meet(spans: Sequence[_Interval]) -> _Interval:
    """Intersection: the highest floor and the lowest ceiling (possibly inverted)."""
    ceilings = [high for _, high in spans if high is not None]
    return max(low for low, _ in spans), min(ceilings) if ceilings else None


def _hull(spans: Sequence[_Interval]) -> _Interval:
    """Envelope: the lowest floor and the highest ceiling (None if any is open)."""
    low = min(low for low, _ in spans)
    ceilings = [high for _, high in spans if high is not None]
    return low, max(ceilings) if len(ceilings) == len(spans) else None


def _partition(ordered: Sequence[PolicyClaim]) -> tuple[list[PolicyClaim], list[_Excluded]]:
    """The claims that count, and the others: withdrawn by their own standing, or resting
    on a withdrawn claim."""
    counted: list[PolicyClaim] = []
    excluded: list[_Excluded] = []
    for claim in ordered:
        if claim.status not in _COUNTING:
            excluded.append((claim, "standing", None))
        elif claim.withdrawn_via is not None:
            excluded.append((claim, "withdrawn", None))
        else:
            counted.append(claim)
    return counted, excluded


def _latest_statements(
    counted: Sequence[PolicyClaim],
) -> tuple[list[_Statement], list[_Excluded]]:
    """One statement per effective origin (its latest as-of); earlier claims excluded."""
    latest: dict[str, tuple[datetime, list[PolicyClaim]]] = {}
    superseded = False
    for claim in counted:
        key, origin = claim.as_of_key, claim.root_origin
        found = latest.get(origin)
        if found is None or key > found[0]:
            latest[origin] = (key, [claim])
            superseded = superseded or found is not None
        elif key == found[0]:
            found[1].append(claim)
        else:
            superseded = True
    statements = [
        _Statement(origin=origin, claims=tuple(members), key=key)
        for origin, (key, members) in latest.items()
    ]
    excluded: list[_Excluded] = []
    if superseded:
        by_origin = {statement.origin: statement for statement in statements}
        for claim in counted:
            statement = by_origin[claim.root_origin]
            if claim.as_of_key < statement.key:
                excluded.append((claim, "superseded", statement.claims[0].as_of))
    return statements, excluded


def _apply_timing(
    kind: FigureKind, statements: Sequence[_Statement]
) -> tuple[list[_Statement], list[_Excluded]]:
    """Earlier as-of statements: floor only (cumulative) or excluded as stale (level)."""
    if not statements:
        return [], []
    latest = max(statement.key for statement in statements)
    latest_as_of = _latest_as_of(statements)
    kept: list[_Statement] = []
    stale: list[_Excluded] = []
    for statement in statements:
        if statement.key == latest:
            kept.append(statement)
        elif kind is FigureKind.CUMULATIVE:
            kept.append(replace(statement, floor_only=True))
        else:
            stale += [(claim, "stale", latest_as_of) for claim in statement.claims]
    return kept, stale


def _latest_as_of(statements: Sequence[_Statement]) -> date | datetime:
    """T as written by the earliest-positioned claim that carries it."""
    latest = max(statement.key for statement in statements)
    carriers = [c for s in statements if s.key == latest for c in s.claims]
    return min(carriers, key=_by_position).as_of


def _combine(statements: Sequence[_Statement]) -> _Combined:
    """Intersect every statement; on an empty intersection name the pair and the envelope."""
    latest = _latest_as_of(statements)
    spans = [(claim, s.contribution(claim)) for s in statements for claim in s.claims]
    low = max(span[0] for _, span in spans)
    ceilings = [(claim, span[1]) for claim, span in spans if span[1] is not None]
    if not ceilings:
        return _Combined(low=low, high=None, latest=latest)
    high = min(ceiling for _, ceiling in ceilings)
    if low <= high:
        return _Combined(low=low, high=high, latest=latest)
    # The pair to name: the claims setting the highest floor and the lowest ceiling.
    floor_claim = min((c for c, span in spans if span[0] == low), key=_setter_order)
    ceiling_claim = min((c for c, ceiling in ceilings if ceiling == high), key=_setter_order)
    envelope_low, envelope_high = _hull([statement.interval() for statement in statements])
    return _Combined(
        low=envelope_low,
        high=envelope_high,
        latest=latest,
        conflict=(floor_claim.claim_id, ceiling_claim.claim_id),
    )


def _setter_order(claim: PolicyClaim) -> tuple[bool, int, str]:
    """Among claims sharing a bound, name the origin's own claim first, then the earliest."""
    return claim.claim_id != claim.root_claim_id, claim.position, claim.claim_id


def _best(
    statements: Sequence[_Statement], combined: _Combined, body: Callable[[str], str]
) -> Decimal:
    """The most specific stated number inside [low, high]; low when none lies inside."""
    candidates: list[tuple[PolicyClaim, Decimal]] = []
    support: dict[Decimal, set[str]] = {}  # number -> the bodies whose statements state it
    for statement in statements:
        if statement.floor_only:
            continue
        for claim in statement.claims:
            number = _credible_number(claim, combined)
            if number is not None:
                candidates.append((claim, number))
                support.setdefault(number, set()).add(body(statement.origin))
    if not candidates:
        return combined.low
    _, best = min(
        candidates,
        key=lambda cn: (
            _width(cn[0]),
            -len(support[cn[1]]),
            -cn[0].published_us,
            cn[0].position,
            cn[0].claim_id,
        ),
    )
    return best


def _credible_number(claim: PolicyClaim, combined: _Combined) -> Decimal | None:
    """The claim's stated point number when it lies inside the combined interval."""
    number = claim.number
    if number is None or claim.hedge not in _POINT_HEDGES:
        return None
    inside = combined.low <= number and (combined.high is None or number <= combined.high)
    return number if inside else None


def _width(claim: PolicyClaim) -> tuple[bool, Decimal]:
    """Sortable width of a claim's own interval: open intervals after every finite one."""
    if claim.high is None:
        return True, Decimal(0)
    return False, claim.high - claim.low


def _reason(
    views: Mapping[str, ClaimView], claim: PolicyClaim, why: str, when: date | datetime | None
) -> str:
    """Why an excluded claim does not count, in words."""
    view = views[claim.claim_id]
    if why == "standing":
        return _standing(view) or view.status.value
    if why == "withdrawn":
        root = views.get(claim.withdrawn_via or "")
        root_standing = _standing(root) if root is not None else None
        detail = f" ({root_standing})" if root_standing else ""
        return f"rests on withdrawn claim {claim.withdrawn_via}{detail}"
    assert when is not None
    if why == "superseded":
        return f"superseded by the origin's later statement (as of {_day(when)})"
    return f"stale: a later as-of exists ({_day(when)})"


def _standing(claim: ClaimView) -> str | None:
    """Why a claim's own standing stops it counting; None when it still counts."""
    status = claim.status
    if status is ClaimStatus.RETRACTED:
        return "retracted" + _said(claim)
    if status is ClaimStatus.REFUTED:
        return "refuted" + _said(claim)
    if status is ClaimStatus.CORRECTED:
        return "corrected (extraction error)" + _said(claim)
    if status is ClaimStatus.SUPERSEDED:
        return "superseded" + _said(claim)
    return None


def _said(claim: ClaimView) -> str:
    """The ` by X: reason` words of a claim's standing, with whatever parts are known."""
    who = f" by {claim.status_by}" if claim.status_by else ""
    why = f": {claim.status_reason}" if claim.status_reason else ""
    return who + why


def _why_counted(claim: ClaimView, statement: _Statement, latest: date | datetime) -> str:
    """Why a claim counts: as itself or as a relay, and whether only its floor counts."""
    reason = "counted"
    if claim.derived_from is not None:
        reason = f"relay of {claim.derived_from}, collapsed onto {claim.root_origin}"
    if statement.floor_only:
        reason += f"; earlier as-of: floor only (as of {_day(claim.as_of)}; latest {_day(latest)})"
    return reason


def _flags(claim: ClaimView, conflict: tuple[str, ...]) -> tuple[str, ...]:
    """Markers a reader should see next to a counted claim."""
    flags = list(_dispute_flags(claim))
    if claim.claim_id in conflict:
        flags.append("in conflict")
    return tuple(flags)


def _dispute_flags(claim: ClaimView) -> tuple[str, ...]:
    if claim.disputed_by:
        return (f"disputed by {', '.join(claim.disputed_by)}",)
    if claim.status is ClaimStatus.DISPUTED:
        return (f"disputed by {claim.status_by}" if claim.status_by else "disputed",)
    return ()


def _use(
    claim: ClaimView, *, counted: bool, reason: str, flags: tuple[str, ...] | None = None
) -> ClaimUse:
    return ClaimUse(
        claim_id=claim.claim_id,
        report_id=claim.report_id,
        origin=claim.origin,
        outlet=claim.outlet,
        value=claim.value,
        low=claim.quantity.low,
        high=claim.quantity.high,
        as_of=claim.as_of,
        published_at=claim.published_at,
        status=claim.status,
        counted=counted,
        reason=reason,
        flags=_dispute_flags(claim) if flags is None else flags,
        evidence=evidence_of(claim),
    )


def evidence_of(claim: ClaimView) -> tuple[str, ...]:
    """The evidence given for a claim's standing and for each dispute of it, in order."""
    given = [claim.status_evidence, *(d.evidence for d in claim.disputes)]
    return tuple(dict.fromkeys(e for e in given if e))


def _day(value: date | datetime) -> str:
    return value.isoformat()
