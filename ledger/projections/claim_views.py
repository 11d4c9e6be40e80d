"""A claim read back as its `ClaimView`. The claims table keeps what the policy reads and,
once a claim's standing has changed, its `current` document; what was asserted is not
copied into it: that is the `ClaimAsserted` event's payload, read from the log by the
claim's position (the log's primary key). A claim row is a fifth of the size it was,
and a rebuild writes that much less.
"""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa

from ledger.domain.asserted import Relayed, asserted_document
from ledger.domain.estimate import ClaimView
from ledger.domain.events import ClaimAsserted, upcast
from ledger.domain.policy import ClaimStatus
from ledger.projections import tables as t
from ledger.store.schema import events

_c = t.claims.c
VIEW = (
    _c.current,
    events.c.payload,
    events.c.schema_version,
    _c.claim_id,
    _c.position,
    _c.root_claim_id,
    _c.root_origin,
    _c.root_published_us,
    _c.root_position,
)
"""The columns a `ClaimView` is read from (`claim_view`), in order."""

VIEW_SQL = (
    "SELECT c.current, e.payload, e.schema_version, c.claim_id, c.position, c.root_claim_id, "
    "c.root_origin, c.root_published_us, c.root_position "
    "FROM claims c JOIN events e ON e.position = c.position"
)
"""`VIEW` for the projector's own SQL (`ledger.projections.statements`)."""

_ASSERTED = ClaimAsserted.model_fields["type"].default


def select_views() -> sa.Select[Any]:
    """`SELECT` the `VIEW` columns of claims; add the where and the order."""
    return sa.select(*VIEW).select_from(t.claims.join(events, events.c.position == _c.position))


def claim_view(row: Any) -> ClaimView:
    """A claim as it stands now, from a row of `VIEW` columns."""
    if row[0] is not None:
        return ClaimView.model_validate_json(row[0])
    return asserted_view(row)


def asserted_view(row: Any) -> ClaimView:
    """A claim as it was asserted (its standing then: active), from a row of `VIEW` columns."""
    payload = upcast(_ASSERTED, row[2], orjson.loads(row[1]))
    claim_id, root_claim_id = row[3], row[5]
    parent = None
    if root_claim_id != claim_id:  # a relay: it joins its root's statement
        parent = Relayed(
            payload["derived_from"],
            root_claim_id,
            row[6],
            row[7],
            row[8],
            ClaimStatus.ACTIVE,
            None,
        )
    return ClaimView.model_validate(asserted_document(payload, row[4], parent))
