"""The incremental headline: a figure's state, evolved event by event, gives the headline
the policy gives over every claim — for arbitrary sequences of claims, relays and changes
of standing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.estimate import summarize_figure
from ledger.domain.fold import FigureState
from ledger.domain.model import Figure, FigureKind
from ledger.domain.policy import ClaimStatus, PolicyClaim
from ledger.domain.quantity import Hedge
from ledger.domain.values import as_of_key, microseconds

ORIGINS = ("ministry", "health", "ngo", "agency")
BODIES = {"ministry": "government", "health": "government", "ngo": "ngo", "agency": "agency"}
START = datetime(2022, 1, 5, tzinfo=UTC)

# One step: assert a claim (origin, day, published hour, relay of an earlier claim, numbers),
# or change the standing of an earlier claim.
asserting = st.tuples(
    st.just("assert"),
    st.sampled_from(ORIGINS),
    st.integers(0, 3),  # as-of day
    st.integers(0, 30),  # hours after the day's start it is published
    st.one_of(st.none(), st.integers(0, 200)),  # relay of the n-th earlier claim
    st.integers(1, 60),  # low
    st.one_of(st.none(), st.integers(0, 40)),  # high - low (None: open)
    st.sampled_from([Hedge.EXACT, Hedge.AT_LEAST, Hedge.AROUND, Hedge.UP_TO, Hedge.ESTIMATE]),
)
changing = st.tuples(
    st.just("change"),
    st.integers(0, 200),  # the n-th earlier claim
    st.sampled_from(
        [
            ClaimStatus.RETRACTED,
            ClaimStatus.SUPERSEDED,
            ClaimStatus.REFUTED,
            ClaimStatus.CORRECTED,
            ClaimStatus.DISPUTED,
        ]
    ),
)


def _claim(
    step: tuple, claims: list[PolicyClaim], position: int, parents: dict[str, str]
) -> PolicyClaim:
    _, origin, day, hours, relay, low, width, hedge = step
    as_of = date(2022, 1, 5) + timedelta(days=day)
    published = datetime.combine(as_of, datetime.min.time(), tzinfo=UTC) + timedelta(hours=hours)
    high = None if width is None else Decimal(low + width)
    number = Decimal(low) if hedge is not Hedge.UP_TO else high
    claim_id = f"c{position}"
    own = PolicyClaim(
        claim_id=claim_id,
        report_id=f"r{position // 2}",
        position=position,
        root_claim_id=claim_id,
        root_origin=origin,
        as_of=as_of,
        as_of_key=as_of_key(as_of),
        low=Decimal(low),
        high=high,
        number=number,
        hedge=hedge,
        published_us=microseconds(published),
        status=ClaimStatus.ACTIVE,
        withdrawn_via=None,
        root_published_us=microseconds(published),
        root_position=position,
    )
    if relay is None or not claims:
        return own
    parent = claims[relay % len(claims)]
    parents[claim_id] = parent.claim_id
    via = parent.withdrawn_via or (None if parent.status.counts else parent.claim_id)
    if parent.status is ClaimStatus.SUPERSEDED:
        via = parent.withdrawn_via  # a superseded claim's relays stand
    return replace(
        own,
        root_claim_id=parent.root_claim_id,
        root_origin=parent.root_origin,
        root_published_us=parent.root_published_us,
        root_position=parent.root_position,
        withdrawn_via=via,
    )


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(FigureKind),
    steps=st.lists(st.one_of(asserting, asserting, changing), min_size=1, max_size=40),
)
def test_the_incremental_headline_equals_the_policy_over_every_claim(
    kind: FigureKind, steps: list[tuple]
) -> None:
    figure = Figure(figure="kz/killed", unit="people", kind=kind)
    state = FigureState(figure)
    claims: list[PolicyClaim] = []
    parents: dict[str, str] = {}  # relay → the claim it relays

    class Reload:
        def origin_claims(self, key: str, origin: str) -> list[PolicyClaim]:
            assert key == figure.figure
            return [claim for claim in claims if claim.root_origin == origin]

        def statement_claims(self, key: str, root_claim_id: str) -> list[PolicyClaim]:
            assert key == figure.figure
            return [claim for claim in claims if claim.root_claim_id == root_claim_id]

    reload = Reload()

    for position, step in enumerate(steps, start=1):
        if step[0] == "assert":
            claim = _claim(step, claims, position, parents)
            claims.append(claim)
            state.asserted(claim)
        elif claims:
            _, which, status = step
            target = claims[which % len(claims)]
            if not target.status.counts:
                continue  # the rules refuse compensating a withdrawn claim
            _change(state, claims, parents, target, status)
        expected = summarize_figure(kind, claims, BODIES)
        assert state.headline(reload, BODIES.__getitem__) == expected


def _change(
    state: FigureState,
    claims: list[PolicyClaim],
    parents: dict[str, str],
    target: PolicyClaim,
    status: ClaimStatus,
) -> None:
    """`target` takes `status`; a retracted, refuted or corrected claim withdraws its relays
    (and theirs), as the projection does."""
    _replace(state, claims, target, replace(target, status=status))
    if status in (ClaimStatus.RETRACTED, ClaimStatus.REFUTED, ClaimStatus.CORRECTED):
        pending = [target.claim_id]
        while pending:
            relayed = pending.pop()
            for claim in [c for c in claims if parents.get(c.claim_id) == relayed]:
                if claim.withdrawn_via is None:
                    _replace(state, claims, claim, replace(claim, withdrawn_via=target.claim_id))
                pending.append(claim.claim_id)


def _replace(
    state: FigureState, claims: list[PolicyClaim], before: PolicyClaim, after: PolicyClaim
) -> None:
    claims[claims.index(before)] = after
    state.changed(before, after)


def test_a_state_loaded_from_its_claims_gives_the_same_headline() -> None:
    figure = Figure(figure="kz/killed", unit="people", kind=FigureKind.CUMULATIVE)
    claims: list[PolicyClaim] = []
    for position, step in enumerate(
        [
            ("assert", "ministry", 0, 1, None, 10, None, Hedge.AT_LEAST),
            ("assert", "ngo", 1, 2, None, 12, 8, Hedge.AROUND),
            ("assert", "agency", 1, 3, 1, 12, 8, Hedge.AROUND),
        ],
        start=1,
    ):
        claims.append(_claim(step, claims, position, {}))
    state = FigureState.of(figure, claims, None)
    assert state.headline(Nothing(), BODIES.__getitem__) == summarize_figure(
        figure.kind, claims, BODIES
    )


class Nothing:
    """A state loaded from every claim never asks for more."""

    def origin_claims(self, key: str, origin: str) -> list[PolicyClaim]:
        raise AssertionError("not asked")

    def statement_claims(self, key: str, root_claim_id: str) -> list[PolicyClaim]:
        raise AssertionError("not asked")
