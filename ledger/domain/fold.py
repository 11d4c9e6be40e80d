"""Evolve: a figure's state, event by event, and its headline from that state.

A figure's headline depends only on each effective origin's latest statement (one claim
and its relays, `ledger.domain.policy`), on its nested figures' bounds, and — when no
claim counts — on the standings of its withdrawn claims. `FigureState` keeps exactly
that: per origin the claims of its latest statement, a count of the withdrawn claims by
standing, and the headline last computed. An event changes a handful of entries, and the
headline is recomputed from the few claims of the latest statements, not from all of
the figure's claims.

Two cases need more than the state holds. A relay that lifts an older statement above
the origin's latest makes that statement the latest, with claims the state never kept:
`headline` asks `Claims.statement_claims` for them. A claim of the latest statement that
stops counting may let another statement be the latest: the origin is marked `stale`, and
`headline` asks `Claims.origin_claims` for all of the origin's claims. A property test
proves the headline equals `summarize_figure` over every claim, for arbitrary sequences
of events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ledger.domain.estimate import EstimateSummary, summary_of
from ledger.domain.model import Figure
from ledger.domain.policy import (
    NO_NESTING,
    ClaimStatus,
    EstimateStatus,
    Nesting,
    PolicyClaim,
    Statement,
    latest_statements,
    statement_order,
    weigh,
    withdrawn_word,
)

NO_DATA = EstimateStatus.NO_DATA


class Claims(Protocol):
    """Where a state finds the claims it does not hold, as they stand."""

    def origin_claims(self, figure: str, origin: str) -> list[PolicyClaim]:
        """Every claim of an effective origin on a figure."""
        ...

    def statement_claims(self, figure: str, root_claim_id: str) -> list[PolicyClaim]:
        """A claim and every claim relaying it, on a figure (a relay may be of another
        figure's claim)."""
        ...


def counts(claim: PolicyClaim) -> bool:
    """Whether a claim counts: its standing counts and it rests on no withdrawn claim."""
    return claim.status.counts and claim.withdrawn_via is None


@dataclass(slots=True)
class Latest:
    """An origin's latest statement: its root claim, its place in the origin's order
    (`statement_order`), and its counted claims by position — None until read, when a
    relay has just lifted a statement the state did not hold."""

    root: str
    order: tuple[datetime, int, int]
    claims: list[PolicyClaim] | None


@dataclass(slots=True)
class FigureState:
    """What a figure's headline is computed from (see the module's docstring)."""

    figure: Figure
    claims: int = 0  # every claim ever asserted
    standings: Counter[ClaimStatus] = field(default_factory=Counter)  # the withdrawn ones
    latest: dict[str, Latest] = field(default_factory=dict)  # effective origin → statement
    stale: set[str] = field(default_factory=set)  # origins to find the latest of again
    summary: EstimateSummary | None = None  # the headline as last computed (and stored)

    @classmethod
    def of(
        cls, figure: Figure, claims: Iterable[PolicyClaim], summary: EstimateSummary | None
    ) -> FigureState:
        """The state of a figure from all its claims, as they stand."""
        state = cls(figure, summary=summary)
        ordered = sorted(claims, key=_by_position)
        state.claims = len(ordered)
        state.standings.update(c.status for c in ordered if not c.status.counts)
        state.latest = _latest(c for c in ordered if counts(c))
        return state

    def asserted(self, claim: PolicyClaim) -> None:
        """A new claim of this figure (the last in position)."""
        self.claims += 1
        if not claim.status.counts:
            self.standings[claim.status] += 1
        origin = claim.root_origin
        if not counts(claim) or origin in self.stale:
            return
        latest = self.latest.get(origin)
        order = _order_of(claim)
        if latest is not None and latest.root == claim.root_claim_id:
            latest.order = max(latest.order, order)
            if latest.claims is not None:
                latest.claims.append(claim)
        elif latest is None or order > latest.order:
            # Its statement is now the origin's latest. A relay's statement may hold
            # claims the state does not: they are read when the headline is computed.
            # (Its order is the relay's own: the statement was older than the latest,
            # so none of its claims is as of later than this relay.)
            own = claim.claim_id == claim.root_claim_id or latest is None
            self.latest[origin] = Latest(claim.root_claim_id, order, [claim] if own else None)

    def changed(self, before: PolicyClaim, after: PolicyClaim) -> None:
        """A claim's standing changed (a compensation, or a withdrawn source)."""
        if before.status != after.status:
            if not before.status.counts:
                self.standings[before.status] -= 1
            if not after.status.counts:
                self.standings[after.status] += 1
        origin = before.root_origin
        latest = self.latest.get(origin)
        if latest is None or latest.root != before.root_claim_id or origin in self.stale:
            return  # not in the origin's latest statement
        if not counts(after):  # the statement shrinks; another may now be the latest
            self.stale.add(origin)
        elif latest.claims is not None:
            latest.claims[:] = [after if c.claim_id == after.claim_id else c for c in latest.claims]

    @property
    def key(self) -> str:
        return self.figure.figure

    def headline(
        self, claims: Claims, body: Callable[[str], str], nesting: Nesting = NO_NESTING
    ) -> EstimateSummary:
        """The policy's headline from the origins' latest statements (`claims` supplies
        those the state does not hold)."""
        for origin in sorted(self.stale):
            found = _latest(
                c for c in claims.origin_claims(self.figure.figure, origin) if counts(c)
            )
            if origin in found:
                self.latest[origin] = found[origin]
            else:
                self.latest.pop(origin, None)
        self.stale.clear()
        for latest in self.latest.values():
            if latest.claims is None:
                latest.claims = [
                    c for c in claims.statement_claims(self.key, latest.root) if counts(c)
                ]
        return self._headline(body, nesting)

    def _headline(self, body: Callable[[str], str], nesting: Nesting) -> EstimateSummary:
        statements = [
            Statement(origin, tuple(latest.claims), latest.order[0])
            for origin, latest in self.latest.items()
            if latest.claims
        ]
        if not statements:
            status = withdrawn_word(self.standings.elements()) if self.claims else NO_DATA
            return EstimateSummary(
                low=None, best=None, high=None, status=status, claims=0, reports=0, origins=0
            )
        independence = {origin: body(origin) for origin in self.latest}
        claims = [claim for statement in statements for claim in statement.claims]
        outcome = weigh(self.figure.kind, claims, statements, [], independence, nesting)
        return summary_of(outcome)


def _by_position(claim: PolicyClaim) -> tuple[int, str]:
    return claim.position, claim.claim_id


def _order_of(claim: PolicyClaim) -> tuple[datetime, int, int]:
    """Where a claim's own statement stands among its origin's (as `statement_order`)."""
    return claim.as_of_key, claim.root_published_us, claim.root_position


def _latest(counted: Iterable[PolicyClaim]) -> dict[str, Latest]:
    """Each origin's latest statement among counted claims."""
    statements, _ = latest_statements(sorted(counted, key=_by_position))
    return {
        s.origin: Latest(s.claims[0].root_claim_id, statement_order(s.claims), list(s.claims))
        for s in statements
    }
