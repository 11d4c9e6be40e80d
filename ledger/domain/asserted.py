"""A claim as its assertion records it: the read model's document and the policy's row.

Both are built straight from the validated `ClaimAsserted` event and the claim it relays
(its root: whose statement it belongs to). Building the `ClaimView` model for each new
claim cost more than the rest of an append; the document is what that model would dump,
and a test proves it reads back as the model.
"""

from __future__ import annotations

from ledger.domain.estimate import ClaimView
from ledger.domain.events import ClaimAsserted
from ledger.domain.history import Document, time_json
from ledger.domain.policy import ClaimStatus, PolicyClaim
from ledger.domain.values import as_of_key, microseconds

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


def claim_document(event: ClaimAsserted, position: int, parent: ClaimView | None) -> Document:
    """The `ClaimView` document of a new claim (`parent`: the claim it relays)."""
    document = event.model_dump(mode="json")
    del document["type"], document["corrects"]
    document["position"] = position
    if parent is None:
        document |= {
            "root_claim_id": event.claim_id,
            "root_origin": event.origin,
            "root_published_at": None,
            "root_position": None,
        }
    else:
        document |= {
            "root_claim_id": parent.root_claim_id,
            "root_origin": parent.root_origin,
            "root_published_at": time_json(parent.root_published_at or parent.published_at),
            "root_position": root_position(parent),
        }
    return document | _FRESH


def claim_row(event: ClaimAsserted, position: int, parent: ClaimView | None) -> PolicyClaim:
    """What the policy reads of a new claim (`policy_claim` of its view)."""
    quantity = event.quantity
    published = microseconds(event.published_at)
    if parent is None:
        root_id, root_origin, root_published, root_at = (
            event.claim_id,
            event.origin,
            published,
            position,
        )
    else:
        root_id, root_origin = parent.root_claim_id, parent.root_origin
        root_published = microseconds(parent.root_published_at or parent.published_at)
        root_at = root_position(parent)
    return PolicyClaim(
        event.claim_id,
        event.report_id,
        position,
        root_id,
        root_origin,
        event.as_of,
        as_of_key(event.as_of),
        quantity.low,
        quantity.high,
        quantity.number,
        quantity.hedge,
        published,
        ClaimStatus.ACTIVE,
        None,
        root_published,
        root_at,
    )


def root_position(parent: ClaimView) -> int:
    """The position of the claim at the end of `parent`'s chain of relays."""
    return parent.position if parent.root_position is None else parent.root_position
