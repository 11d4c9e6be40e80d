"""The best point inside a figure's interval: the policy's last step (docs/estimation.md).

Among the points the latest statements state inside [low, high]: the most specific (the
narrowest own interval), then the one more independent bodies state, then the latest
published; low, and whoever set it, when no stated point lies inside.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from ledger.domain.quantity import Hedge

if TYPE_CHECKING:
    from ledger.domain.policy import Combined, PolicyClaim, Statement

# Hedges whose stated number is the writer's value, a floor the count reaches, or a study's
# point estimate inside its interval. "Up to N" and "fewer than N" state a ceiling: taking
# it as the best point would be the least conservative reading, so they are never candidates.
POINT_HEDGES = frozenset(
    {
        Hedge.EXACT,
        Hedge.ROUND,
        Hedge.AROUND,
        Hedge.AT_LEAST,
        Hedge.MORE_THAN,
        Hedge.NEARLY,
        Hedge.ESTIMATE,
    }
)


def best_point(
    statements: Sequence[Statement], combined: Combined, body: Callable[[str], str]
) -> tuple[Decimal, str | None]:
    """The best point and the claim that states it: among the points of the statements at
    the latest as-of that lie inside [low, high], the most specific (narrowest own
    interval), then the one most independent bodies state, then the latest published.
    Low (and whoever set it) when no point lies inside."""
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
        return combined.low, combined.low_by
    claim, best = min(
        candidates,
        key=lambda cn: (
            _width(cn[0]),
            -len(support[cn[1]]),
            -cn[0].published_us,
            cn[0].position,
            cn[0].claim_id,
        ),
    )
    return best, claim.claim_id


def _credible_number(claim: PolicyClaim, combined: Combined) -> Decimal | None:
    """The claim's stated point number when it lies inside the combined interval."""
    number = claim.number
    if number is None or claim.hedge not in POINT_HEDGES:
        return None
    inside = combined.low <= number and (combined.high is None or number <= combined.high)
    return number if inside else None


def _width(claim: PolicyClaim) -> tuple[bool, Decimal]:
    """Sortable width of a claim's own interval: open intervals after every finite one."""
    if claim.high is None:
        return True, Decimal(0)
    return False, claim.high - claim.low
