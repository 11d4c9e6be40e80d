"""Who may compensate what: the ledger's rules for compensating events, as pure checks.

Each check takes the event, the claim it names as it stands now, and `body` (a source's
top-level body), and raises a typed error that says what the caller can do instead:

* a **retraction** is the issuer's act: the claim's origin, a source of the same top-level
  body (the Information Ministry withdrawing the Health Ministry's post), or the outlet
  for its own report's copy;
* a **supersession** comes from the same body, and its replacement is a claim of the same
  figure from that body, still counted, and not older than the claim it replaces;
* a **refutation** is an editorial judgement and carries its evidence;
* a **dispute** is anyone's, once per source and claim.
"""

from __future__ import annotations

from collections.abc import Callable

from ledger.domain.estimate import ClaimView
from ledger.domain.events import (
    ClaimCorrected,
    ClaimDisputed,
    ClaimRefuted,
    ClaimRetracted,
    ClaimSuperseded,
    Compensation,
)
from ledger.domain.values import as_of_key
from ledger.errors import InvalidInputError, InvalidTransitionError, NotEntitledError

Body = Callable[[str], str]
"""A source id → its top-level body (itself when it has no parent)."""


def check_compensation(
    event: Compensation, target: ClaimView, replacement: ClaimView | None, body: Body
) -> None:
    """Refuse `event` against `target` unless the rules allow it (nothing is appended)."""
    if not target.status.counts:
        raise InvalidTransitionError(
            "claim_id", f"claim {target.claim_id} is already {target.status.value}"
        )
    if event.published_at is not None and event.published_at < target.published_at:
        raise InvalidInputError(
            "published_at",
            f"{event.published_at.isoformat()} is before the claim was published "
            f"({target.published_at.isoformat()})",
        )
    match event:
        case ClaimRetracted():
            _check_issuer(event, target, body)
        case ClaimSuperseded():
            _check_supersession(event, target, replacement, body)
        case ClaimRefuted():
            if not (event.evidence or "").strip():
                raise InvalidInputError(
                    "evidence",
                    "a refutation is an editorial judgement and must carry its evidence "
                    "(a document, a URL, a count); without evidence, dispute the claim",
                )
        case ClaimDisputed():
            if event.by in target.disputed_by:
                raise InvalidTransitionError(
                    "by",
                    f"{event.by} already disputes claim {target.claim_id}: nothing recorded; "
                    "to show it false, refute it with evidence",
                )
        case ClaimCorrected():
            pass


def _check_issuer(event: ClaimRetracted, target: ClaimView, body: Body) -> None:
    by, origin = event.by, target.origin
    if by in (origin, target.outlet) or body(by) == body(origin):
        return
    issuer = body(origin)
    same_body = f", a source of its body {issuer}" if issuer != origin else ""
    raise NotEntitledError(
        "by",
        f"{by} may not retract claim {target.claim_id}: a retraction is the issuer's act — "
        f"its origin {origin}{same_body}, or the outlet {target.outlet} for its own copy",
        f"to question the figure, dispute it (by={by!r}); with evidence that it is false, "
        "refute it",
    )


def _check_supersession(
    event: ClaimSuperseded, target: ClaimView, replacement: ClaimView | None, body: Body
) -> None:
    issuer = body(target.origin)
    if body(event.by) != issuer:
        raise NotEntitledError(
            "by",
            f"{event.by} may not supersede claim {target.claim_id}: a supersession comes from "
            f"the body that made the claim ({issuer})",
            "record the newer figure as a claim of its own (an origin's later statement "
            "supersedes its earlier one by itself), or dispute the claim",
        )
    assert replacement is not None  # the caller looked it up, or refused it as unknown
    if replacement.claim_id == target.claim_id:
        raise InvalidInputError("replacement", "a claim cannot supersede itself")
    if replacement.figure != target.figure or body(replacement.origin) != issuer:
        raise InvalidInputError(
            "replacement",
            f"must be a claim of the same figure from the same body ({target.figure}, {issuer})",
        )
    if not replacement.status.counts or replacement.withdrawn_via is not None:
        raise InvalidInputError(
            "replacement",
            f"claim {replacement.claim_id} no longer counts ({replacement.status.value}); "
            "a claim is superseded by one that stands",
        )
    if _age(replacement) < _age(target):
        raise InvalidInputError(
            "replacement",
            f"claim {replacement.claim_id} (as of {replacement.as_of.isoformat()}) is older "
            f"than claim {target.claim_id} (as of {target.as_of.isoformat()}); a claim is "
            "superseded by a newer one",
        )


def _age(claim: ClaimView) -> tuple[object, ...]:
    """How recent a claim is: its as-of, then when it was published."""
    return as_of_key(claim.as_of), claim.published_at
