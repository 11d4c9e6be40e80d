"""How compensating events change a claim's standing — pure functions over `ClaimView`.

The read model keeps each claim as asserted plus the list of changes against it, so the
claim can be rebuilt as it stood at any position, or as known on any date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from ledger.domain.estimate import ClaimStatus, ClaimView, Dispute
from ledger.domain.events import Compensation

WITHDRAWN_SOURCE = "WithdrawnSource"
"""A derived change: a claim up this one's `derived_from` chain was withdrawn."""

_STATUS = {
    "ClaimRetracted": ClaimStatus.RETRACTED,
    "ClaimSuperseded": ClaimStatus.SUPERSEDED,
    "ClaimRefuted": ClaimStatus.REFUTED,
    "ClaimCorrected": ClaimStatus.CORRECTED,
}
WITHDRAWING = frozenset(("ClaimRetracted", "ClaimRefuted", "ClaimCorrected"))
"""Changes that withdraw a claim, so that its relays rest on a withdrawn source."""


class ClaimChange(BaseModel):
    """One change of a claim's standing, caused by the event at `position`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str
    position: int
    published_at: datetime
    by: str | None = None
    reason: str | None = None
    evidence: str | None = None
    replacement: str | None = None
    via: str | None = None

    @classmethod
    def of(cls, event: Compensation, position: int, recorded_at: datetime) -> ClaimChange:
        """The change a compensating event makes (published when it says, else when it
        was recorded)."""
        return cls(
            type=event.type,
            position=position,
            published_at=event.published_at or recorded_at,
            by=event.by,
            reason=event.reason,
            evidence=event.evidence,
            replacement=getattr(event, "replacement", None),
        )

    @classmethod
    def withdrawn_source(cls, position: int, published_at: datetime, via: str) -> ClaimChange:
        """A relay's derived change: the claim `via` up its chain was withdrawn."""
        return cls(type=WITHDRAWN_SOURCE, position=position, published_at=published_at, via=via)

    @property
    def retroactive(self) -> bool:
        """Corrections fix our own extraction: they hold for every past date."""
        return self.type == "ClaimCorrected"


def apply_change(view: ClaimView, change: ClaimChange) -> ClaimView:
    """The claim after `change`."""
    if change.type == WITHDRAWN_SOURCE:
        if view.withdrawn_via is not None:
            return view
        return view.model_copy(update={"withdrawn_via": change.via})
    if change.type == "ClaimDisputed":
        dispute = Dispute(
            by=change.by or "",
            reason=change.reason or "",
            evidence=change.evidence,
            position=change.position,
        )
        status = ClaimStatus.DISPUTED if view.status == ClaimStatus.ACTIVE else view.status
        update: dict[str, object] = {
            "disputed_by": (*view.disputed_by, dispute.by),
            "disputes": (*view.disputes, dispute),
            "status": status,
        }
        if view.status == ClaimStatus.ACTIVE:
            update |= {
                "status_by": change.by,
                "status_reason": change.reason,
                "status_evidence": change.evidence,
                "status_position": change.position,
            }
        return view.model_copy(update=update)
    reason = change.reason
    if change.replacement is not None:
        reason = f"{reason} (replaced by {change.replacement})"
    return view.model_copy(
        update={
            "status": _STATUS[change.type],
            "status_by": change.by,
            "status_reason": reason,
            "status_evidence": change.evidence,
            "status_position": change.position,
        }
    )


def claim_as_of(view: ClaimView, changes: Iterable[ClaimChange]) -> ClaimView:
    """`view` (as asserted) with `changes` applied in position order."""
    for change in sorted(changes, key=lambda c: c.position):
        view = apply_change(view, change)
    return view
