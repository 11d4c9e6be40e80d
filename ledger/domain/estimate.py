"""The best-estimate policy's two entry points, and (importable from here) its inputs and
outputs.

`estimate_figure` writes an outcome of the policy up as a `FigureEstimate` with its
`Provenance`, for readers; `summarize_figure` / `summary_of` give just the headline
`EstimateSummary`, for the projection to store. The input models (`ClaimView`, `FigureInfo`)
are `ledger.domain.claim_view`, the output models `ledger.domain.provenance`, the words of
each claim's reason `ledger.domain.reasons`. The evaluation itself is
`ledger.domain.policy.evaluate`; docs/estimation.md states it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ledger.domain.claim_view import ClaimView, Dispute, FigureInfo, policy_claim
from ledger.domain.model import FigureKind
from ledger.domain.policy import (
    NO_NESTING,
    POLICY_VERSION,
    ClaimStatus,
    EstimateStatus,
    FigureBound,
    Nesting,
    Outcome,
    PolicyClaim,
    evaluate,
)
from ledger.domain.provenance import (
    ClaimUse,
    EstimateSummary,
    EventRef,
    FigureEstimate,
    FigureFloor,
    Provenance,
)
from ledger.domain.reasons import (
    claim_use,
    counted_flags,
    evidence_of,
    excluded_reason,
    floor_of,
    why_counted,
)

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
        claim_use(
            views[claim.claim_id], counted=False, reason=excluded_reason(views, claim, why, when)
        )
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
        claim_use(
            view,
            counted=True,
            reason=why_counted(view, statement, combined.latest),
            flags=counted_flags(view, combined.conflict),
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
            "floors": tuple(floor_of(use, combined.latest) for use in combined.floors),
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
