"""Why each claim counts toward an estimate or not, in the words a provenance gives: the
reason, the flags a reader should see next to it, the evidence behind its standing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from ledger.domain.claim_view import ClaimView
from ledger.domain.policy import ClaimStatus, FloorUse, PolicyClaim, Statement
from ledger.domain.provenance import ClaimUse, FigureFloor

__all__ = [
    "claim_use",
    "counted_flags",
    "evidence_of",
    "excluded_reason",
    "floor_of",
    "why_counted",
]


def excluded_reason(
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


def why_counted(claim: ClaimView, statement: Statement, latest: date | datetime) -> str:
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


def counted_flags(claim: ClaimView, conflict: tuple[str, ...]) -> tuple[str, ...]:
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


def floor_of(use: FloorUse, latest: date | datetime) -> FigureFloor:
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


def claim_use(
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
