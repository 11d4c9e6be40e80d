"""The best-estimate policy's inputs and outputs, and its two entry points.

Models here are the policy's input (`ClaimView`: a claim with its current standing) and
its output (`FigureEstimate` with `Provenance`, or just the headline `EstimateSummary`).
The evaluation itself is `ledger.domain.policy.evaluate`; docs/estimation.md states it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from ledger.domain.model import FigureKind
from ledger.domain.policy import (
    NO_NESTING,
    POLICY_VERSION,
    ClaimStatus,
    EstimateStatus,
    FigureBound,
    FloorUse,
    Nesting,
    Outcome,
    PolicyClaim,
    Statement,
    evaluate,
)
from ledger.domain.quantity import Quantity
from ledger.domain.values import Number, as_of_key, microseconds

__all__ = [
    "POLICY_VERSION",
    "ClaimStatus",
    "ClaimUse",
    "ClaimView",
    "Dispute",
    "EstimateStatus",
    "EstimateSummary",
    "EventRef",
    "FigureBound",
    "FigureEstimate",
    "FigureFloor",
    "FigureInfo",
    "Nesting",
    "PolicyClaim",
    "Provenance",
    "estimate_figure",
    "evidence_of",
    "policy_claim",
    "summarize_figure",
    "summary_of",
]


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
    own origin when it relays nothing); `root_published_at` / `root_position`: when and
    where that claim was recorded (None: this claim's own). `withdrawn_via`: the id of a
    withdrawn (retracted/refuted/corrected) claim up its chain, when it rests on one.
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
    root_published_at: datetime | None = None
    root_position: int | None = None
    status: ClaimStatus = ClaimStatus.ACTIVE
    status_by: str | None = None
    status_reason: str | None = None
    status_position: int | None = None
    disputed_by: tuple[str, ...] = ()
    withdrawn_via: str | None = None
    note: str | None = None
    status_evidence: str | None = None
    disputes: tuple[Dispute, ...] = ()


def policy_claim(claim: ClaimView) -> PolicyClaim:
    """The policy's reading of a full claim."""
    quantity = claim.quantity
    return PolicyClaim(
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
        microseconds(claim.root_published_at or claim.published_at),
        claim.position if claim.root_position is None else claim.root_position,
    )


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
    flags: tuple[str, ...] = ()  # disputed by …, in conflict
    sets: tuple[str, ...] = ()  # which of "low", "best", "high" this claim set
    evidence: tuple[str, ...] = ()  # of the events behind its standing and its disputes


class FigureFloor(_Model):
    """A nested (child) figure's low, weighed as a floor for this cumulative figure."""

    figure: str
    low: Number
    as_of: date | datetime
    applied: bool  # it set this figure's low
    reason: str


class EventRef(_Model):
    """The event that last changed an estimate."""

    position: int
    event_type: str
    event_id: str
    recorded_at: datetime


class Provenance(_Model):
    """Why an estimate is what it is.

    `origins`: the independent bodies whose statements at the latest as-of agree — the
    corroboration. `earlier_origins`: bodies heard only at an earlier as-of, whose floors
    are compatible with the estimate but do not confirm it. `low_by` / `best_by` /
    `high_by`: the claim (or nested figure) that set each number.
    """

    used: tuple[ClaimUse, ...] = ()
    excluded: tuple[ClaimUse, ...] = ()
    origins: tuple[str, ...] = ()
    earlier_origins: tuple[str, ...] = ()
    statement_origins: tuple[str, ...] = ()  # the origins whose latest statements counted
    reports: tuple[str, ...] = ()  # distinct reports behind counted claims
    derivation: tuple[tuple[str, str], ...] = ()  # (relay claim id, the claim it relays)
    conflict: tuple[str, ...] = ()  # the smallest incompatible set of claim ids
    figure_conflicts: tuple[str, ...] = ()  # nested figures whose bounds this one passes
    floors: tuple[FigureFloor, ...] = ()
    low_by: str | None = None
    best_by: str | None = None
    high_by: str | None = None
    policy_version: str = POLICY_VERSION
    lexicon_versions: tuple[str, ...] = ()
    changed_by: EventRef | None = None

    @property
    def summary(self) -> str:
        """E.g. "4 claims in 2 reports, 1 independent origin (+1 earlier, compatible)"."""
        return _support(len(self.used), len(self.reports), len(self.origins)) + _earlier(
            len(self.earlier_origins)
        )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _support(claims: int, reports: int, origins: int) -> str:
    return (
        f"{_plural(claims, 'claim')} in {_plural(reports, 'report')}, "
        f"{_plural(origins, 'independent origin')}"
    )


def _earlier(count: int) -> str:
    return f" (+{count} earlier, compatible)" if count else ""


class FigureEstimate(_Model):
    """low / best / high for one figure, its status and provenance.

    `high` None with `low` set means open above (∞). All three are None for "no data" and
    when no claim counts any more — never 0. Always low ≤ best ≤ high where present.
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
    """The headline of an estimate: what the projection stores and a history entry compares.

    `origins` counts the corroborating independent origins (at the latest as-of);
    `earlier` the bodies heard only earlier, whose floors are compatible."""

    low: Number | None
    best: Number | None
    high: Number | None
    status: EstimateStatus
    claims: int
    reports: int
    origins: int
    earlier: int = 0
    as_of: date | datetime | None = None
    conflict: tuple[str, ...] = ()
    figure_conflicts: tuple[str, ...] = ()
    low_by: str | None = None
    best_by: str | None = None
    high_by: str | None = None

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
            earlier=len(provenance.earlier_origins),
            as_of=estimate.as_of,
            conflict=provenance.conflict,
            figure_conflicts=provenance.figure_conflicts,
            low_by=provenance.low_by,
            best_by=provenance.best_by,
            high_by=provenance.high_by,
        )

    @property
    def support(self) -> str:
        """E.g. "2 claims in 2 reports, 1 independent origin (+1 earlier, compatible)"."""
        return _support(self.claims, self.reports, self.origins) + _earlier(self.earlier)

    def bound(self, figure: str, which: str) -> FigureBound | None:
        """This figure's `low` or `high` as a bound on a nested figure (None: none to give)."""
        value = self.low if which == "low" else self.high
        if value is None or self.as_of is None:
            return None
        return FigureBound(figure=figure, value=value, as_of=self.as_of)


def estimate_figure(
    figure: FigureInfo,
    claims: Sequence[ClaimView],
    independence: Mapping[str, str],
    nesting: Nesting = NO_NESTING,
) -> FigureEstimate:
    """The estimate of `figure` from all its claims (counted or not), with its provenance.

    `independence` maps a source id to its top-level body (itself when it has no parent);
    `nesting` carries the bounds of its child and parent figures. The result does not
    depend on the order of `claims`.
    """
    views = {claim.claim_id: claim for claim in claims}
    outcome = evaluate(
        figure.kind, [policy_claim(claim) for claim in claims], independence, nesting
    )
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
    setters = {"low": combined.low_by, "best": outcome.best_by, "high": combined.high_by}
    used = [
        _use(
            view,
            counted=True,
            reason=_why_counted(view, statement, combined.latest),
            flags=_flags(view, combined.conflict),
            sets=tuple(name for name, by in setters.items() if by == view.claim_id),
        )
        for statement in outcome.statements
        for view in (views[claim.claim_id] for claim in statement.claims)
    ]
    provenance = base.model_copy(
        update={
            "used": tuple(sorted(used, key=by_rank)),
            "origins": tuple(sorted(outcome.bodies)),
            "earlier_origins": tuple(sorted(outcome.earlier)),
            "statement_origins": tuple(sorted(s.origin for s in outcome.statements)),
            "reports": tuple(sorted({use.report_id for use in used})),
            "conflict": combined.conflict,
            "figure_conflicts": combined.figure_conflicts,
            "floors": tuple(_floor(use, combined.latest) for use in combined.floors),
            "low_by": combined.low_by,
            "best_by": outcome.best_by,
            "high_by": combined.high_by,
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
    kind: FigureKind,
    claims: Sequence[PolicyClaim],
    independence: Mapping[str, str],
    nesting: Nesting = NO_NESTING,
) -> EstimateSummary:
    """`EstimateSummary.of(estimate_figure(...))` without building the provenance: the same
    policy, run on the columns the read model keeps, for recomputing on every append."""
    return summary_of(evaluate(kind, claims, independence, nesting))


def summary_of(outcome: Outcome) -> EstimateSummary:
    """The headline of an outcome of the policy."""
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
        earlier=len(outcome.earlier),
        as_of=combined.latest,
        conflict=combined.conflict,
        figure_conflicts=combined.figure_conflicts,
        low_by=combined.low_by,
        best_by=outcome.best_by,
        high_by=combined.high_by,
    )


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


def _why_counted(claim: ClaimView, statement: Statement, latest: date | datetime) -> str:
    """Why a claim counts: as itself or as a relay, and whether only its floor counts."""
    reason = "counted"
    if claim.derived_from is not None:
        reason = f"relay of {claim.derived_from}, collapsed onto {claim.root_origin}"
    if statement.floor_only:
        reason += (
            f"; earlier report, compatible: floor only "
            f"(as of {_day(claim.as_of)}; latest {_day(latest)})"
        )
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


def _floor(use: FloorUse, latest: date | datetime) -> FigureFloor:
    bound = use.bound
    if use.later:
        reason = f"as of {_day(bound.as_of)}, after this figure's latest ({_day(latest)})"
    elif use.conflict:
        reason = "in conflict: above this figure's high"
    elif use.applied:
        reason = "sets low"
    else:
        reason = "at or below this figure's low"
    return FigureFloor(
        figure=bound.figure, low=bound.value, as_of=bound.as_of, applied=use.applied, reason=reason
    )


def _use(
    claim: ClaimView,
    *,
    counted: bool,
    reason: str,
    flags: tuple[str, ...] | None = None,
    sets: tuple[str, ...] = (),
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
        sets=sets,
        evidence=evidence_of(claim),
    )


def evidence_of(claim: ClaimView) -> tuple[str, ...]:
    """The evidence given for a claim's standing and for each dispute of it, in order."""
    given = [claim.status_evidence, *(d.evidence for d in claim.disputes)]
    return tuple(dict.fromkeys(e for e in given if e))


def _day(value: date | datetime) -> str:
    return value.isoformat()
