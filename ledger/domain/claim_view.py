"""The estimation policy's input: a claim as the read model holds it, with its current
standing (`ClaimView`), the figure it counts toward (`FigureInfo`), and the policy's reading
of a claim (`policy_claim`)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from ledger.domain.model import FigureKind
from ledger.domain.policy import ClaimStatus, PolicyClaim
from ledger.domain.quantity import Quantity
from ledger.domain.values import as_of_key, microseconds

__all__ = ["ClaimView", "Dispute", "FigureInfo", "policy_claim"]


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


class FigureInfo(_Model):
    """What the policy needs to know about the figure itself."""

    figure: str
    unit: str
    kind: FigureKind
