"""A claim as its assertion records it: the read model's document and the policy's row.

Both are built straight from the validated `ClaimAsserted` event and the claim it relays
(its root: whose statement it belongs to). Building the `ClaimView` model for each new
claim cost more than the rest of an append; the document is what that model would dump,
and a test proves it reads back as the model.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ledger.domain.events import ClaimAsserted
from ledger.domain.history import Document, time_json
from ledger.domain.policy import ClaimStatus, PolicyClaim
from ledger.domain.values import as_of_key, microseconds


@dataclass(frozen=True, slots=True)
class Relayed:
    """What a relay takes from the claim it relays: whose statement it joins, and whether
    that claim still stands."""

    claim_id: str
    root_claim_id: str
    root_origin: str
    root_published_us: int  # the root claim's publication, microseconds since the epoch
    root_position: int
    status: ClaimStatus
    withdrawn_via: str | None

    @classmethod
    def of(cls, claim: PolicyClaim) -> Relayed:
        """What a relay takes from a claim, from the policy's row of it."""
        return cls(
            claim.claim_id,
            claim.root_claim_id,
            claim.root_origin,
            claim.root_published_us,
            claim.root_position,
            claim.status,
            claim.withdrawn_via,
        )

    @property
    def withdrawn(self) -> str | None:
        """The withdrawn claim a relay of this one rests on (None: it stands)."""
        if self.withdrawn_via is not None:
            return self.withdrawn_via
        return self.claim_id if self.status in _WITHDRAWING else None


_WITHDRAWING = frozenset((ClaimStatus.RETRACTED, ClaimStatus.REFUTED, ClaimStatus.CORRECTED))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_FRESH: Document = {
    "status": ClaimStatus.ACTIVE.value,
    "status_by": None,
    "status_reason": None,
    "status_position": None,
    "disputed_by": [],
    "withdrawn_via": None,
    "status_evidence": None,
    "disputes": [],
}
"""A new claim's standing, as `ClaimView` writes its defaults."""


def claim_document(event: ClaimAsserted, position: int, parent: Relayed | None) -> Document:
    """The `ClaimView` document of a new claim (`parent`: the claim it relays)."""
    return asserted_document(event.model_dump(mode="json"), position, parent)


def asserted_document(payload: Document, position: int, parent: Relayed | None) -> Document:
    """The `ClaimView` document of a claim as asserted, from its event's payload (as
    `model_dump(mode="json")` gives it, or as stored: the dict is used up)."""
    document = payload
    document.pop("type", None)
    del document["corrects"]
    document["position"] = position
    if parent is None:
        document |= {
            "root_claim_id": document["claim_id"],
            "root_origin": document["origin"],
            "root_published_at": None,
            "root_position": None,
        }
    else:
        root_published = _EPOCH + timedelta(microseconds=parent.root_published_us)
        document |= {
            "root_claim_id": parent.root_claim_id,
            "root_origin": parent.root_origin,
            "root_published_at": time_json(root_published),
            "root_position": parent.root_position,
        }
    return document | _FRESH


def claim_row(event: ClaimAsserted, position: int, parent: Relayed | None) -> PolicyClaim:
    """What the policy reads of a new claim (`policy_claim` of its view)."""
    quantity = event.quantity
    published = microseconds(event.published_at)
    if parent is None:  # (an origin's name, held by many claims of the state: one string)
        root = (event.claim_id, sys.intern(event.origin), published, position)
    else:
        root = (
            parent.root_claim_id,
            parent.root_origin,
            parent.root_published_us,
            parent.root_position,
        )
    return PolicyClaim(
        event.claim_id,
        event.report_id,
        position,
        root[0],
        root[1],
        event.as_of,
        as_of_key(event.as_of),
        quantity.low,
        quantity.high,
        quantity.number,
        quantity.hedge,
        published,
        ClaimStatus.ACTIVE,
        None,
        root[2],
        root[3],
    )
