"""The estimation policy: low / best / high, status and provenance from a figure's claims.

Claims are built by hand here (not parsed) so each test states its intervals outright; the
founding-case tests mirror the two January 2022 articles in seeds/ (see seeds/README.md).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from random import Random

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ledger.domain.estimate import (
    POLICY_VERSION,
    ClaimStatus,
    ClaimView,
    EstimateStatus,
    EstimateSummary,
    FigureBound,
    FigureEstimate,
    FigureInfo,
    Nesting,
    estimate_figure,
    policy_claim,
    summarize_figure,
)
from ledger.domain.model import FigureKind
from ledger.domain.quantity import Hedge, Quantity
from ledger.domain.values import as_of_key
from tests.strategies import (
    claim_quantities,
    figure_claims,
    figure_infos,
    independence_maps,
    settle_withdrawals,
)

JAN_7 = date(2022, 1, 7)
JAN_9 = date(2022, 1, 9)
MORNING = datetime(2022, 1, 9, 9, tzinfo=UTC)
EVENING = datetime(2022, 1, 9, 21, tzinfo=UTC)

DETAINED = FigureInfo(
    figure="kz-unrest-2022/detained/kazakhstan", unit="people", kind=FigureKind.CUMULATIVE
)
KILLED = FigureInfo(
    figure="kz-unrest-2022/killed/kazakhstan", unit="people", kind=FigureKind.CUMULATIVE
)
INJURED = FigureInfo(
    figure="kz-unrest-2022/injured/kazakhstan", unit="people", kind=FigureKind.CUMULATIVE
)
TROOPS = FigureInfo(
    figure="kz-unrest-2022/csto-troops/kazakhstan", unit="troops", kind=FigureKind.LEVEL
)

KZ = dict.fromkeys(
    (
        "kz-interior-ministry",
        "kz-government-officials",
        "kz-authorities",
        "kz-health-ministry",
        "kz-information-ministry",
        "kz-defense-ministry",
    ),
    "kz-government",
)

_positions = itertools.count(100)  # after the founding-case claims' explicit positions


def q(
    low: int,
    high: int | None = None,
    number: int | None = None,
    hedge: Hedge = Hedge.AT_LEAST,
    lexicon_version: str = "2026.11-1",
) -> Quantity:
    """A quantity with its interval given outright (no parsing)."""
    return Quantity(
        text=f"{hedge} {number}",
        hedge=hedge,
        number=None if number is None else Decimal(number),
        low=Decimal(low),
        high=None if high is None else Decimal(high),
        lexicon_version=lexicon_version,
    )


def claim(
    claim_id: str,
    quantity: Quantity,
    *,
    origin: str = "rferl",
    outlet: str = "rferl",
    report_id: str = "r_rferl",
    as_of: date | datetime = JAN_9,
    published_at: datetime = MORNING,
    relays: ClaimView | None = None,
    position: int | None = None,
    status: ClaimStatus = ClaimStatus.ACTIVE,
    status_by: str | None = None,
    status_reason: str | None = None,
    disputed_by: tuple[str, ...] = (),
    withdrawn_via: str | None = None,
) -> ClaimView:
    """A claim view; `relays` makes it a relay of that claim (derived_from and its root)."""
    return ClaimView(
        claim_id=claim_id,
        report_id=report_id,
        figure="kz-unrest-2022/test",
        value=quantity.text,
        quantity=quantity,
        as_of=as_of,
        origin=origin,
        outlet=outlet,
        published_at=published_at,
        derived_from=relays.claim_id if relays else None,
        position=next(_positions) if position is None else position,
        root_claim_id=relays.root_claim_id if relays else claim_id,
        root_origin=relays.root_origin if relays else origin,
        status=status,
        status_by=status_by,
        status_reason=status_reason,
        disputed_by=disputed_by,
        withdrawn_via=withdrawn_via,
    )


def retracted(view: ClaimView, by: str = "kz-information-ministry", why: str = "") -> ClaimView:
    """`view` after its issuer withdrew it."""
    return view.model_copy(
        update={"status": ClaimStatus.RETRACTED, "status_by": by, "status_reason": why or None}
    )


def estimate(
    figure: FigureInfo, *claims: ClaimView, independence: dict[str, str] | None = None
) -> FigureEstimate:
    return estimate_figure(figure, claims, independence or {})


def numbers(result: FigureEstimate) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    return result.low, result.best, result.high


def reasons(result: FigureEstimate, *, counted: bool) -> dict[str, str]:
    uses = result.provenance.used if counted else result.provenance.excluded
    return {use.claim_id: use.reason for use in uses}


# The founding case: the figures of seeds/README.md.
rfe_5969 = claim(
    "c_rfe_5969",
    q(5969, None, 5969),
    origin="kz-interior-ministry",
    report_id="r_rferl",
    position=1,
)
rfe_6000 = claim(
    "c_rfe_6000",
    q(5400, 5999, 6000, Hedge.NEARLY),
    origin="kz-authorities",
    report_id="r_rferl",
    relays=rfe_5969,
    position=2,
)
nyt_5800 = claim(
    "c_nyt_5800",
    q(5800, None, 5800),
    origin="kz-government-officials",
    outlet="nyt",
    report_id="r_nyt",
    position=3,
)
nyt_6000 = claim(
    "c_nyt_6000",
    q(5400, 5999, 6000, Hedge.NEARLY),
    origin="kz-government-officials",
    outlet="nyt",
    report_id="r_nyt",
    relays=nyt_5800,
    position=4,
)
TECHNICAL_ERROR = "the message had been published after a technical error"
health_164 = claim(
    "c_nyt_164",
    q(164, None, 164),
    origin="kz-health-ministry",
    outlet="nyt",
    report_id="r_nyt",
    position=5,
)
site_164 = claim(
    "c_rfe_164", q(164, None, 164), origin="unnamed-news-website", report_id="r_rferl", position=6
)
dozens = claim(
    "c_nyt_dozens",
    q(24, 99, None, Hedge.VAGUE),
    origin="earlier-reports",
    outlet="nyt",
    report_id="r_nyt",
    as_of=JAN_7,
    position=7,
)
troops_3000 = claim(
    "c_rfe_troops", q(3001, None, 3000, Hedge.MORE_THAN), origin="rferl", position=8
)
troops_2500 = claim(
    "c_nyt_troops",
    q(2450, 2550, 2500, Hedge.AROUND),
    origin="ru-defense-ministry",
    outlet="nyt",
    report_id="r_nyt",
    position=9,
)
injured_2000 = claim(
    "c_nyt_injured",
    q(2001, None, 2000, Hedge.MORE_THAN),
    origin="kz-government-officials",
    outlet="nyt",
    report_id="r_nyt",
    position=10,
)


class TestFoundingCase:
    def test_detained_intersects_to_the_interior_ministry_floor(self) -> None:
        """Four detained claims give low 5,969, best 5,969 and high 5,999 from one body."""
        result = estimate(DETAINED, rfe_5969, rfe_6000, nyt_5800, nyt_6000, independence=KZ)

        assert numbers(result) == (Decimal(5969), Decimal(5969), Decimal(5999))
        assert result.status is EstimateStatus.SINGLE_ORIGIN

    def test_detained_has_fewer_origins_than_reports(self) -> None:
        """The detained figure reads "4 claims in 2 reports, 1 independent origin"."""
        result = estimate(DETAINED, nyt_6000, rfe_5969, nyt_5800, rfe_6000, independence=KZ)

        assert result.provenance.summary == "4 claims in 2 reports, 1 independent origin"
        assert result.provenance.origins == ("kz-government",)
        assert result.provenance.statement_origins == (
            "kz-government-officials",
            "kz-interior-ministry",
        )
        assert result.provenance.derivation == (
            ("c_rfe_6000", "c_rfe_5969"),
            ("c_nyt_6000", "c_nyt_5800"),
        )

    def test_killed_after_the_retraction_rests_on_what_remains(self) -> None:
        """Retracting the Health Ministry's 164 leaves the website's floor and the dozens."""
        result = estimate(
            KILLED, retracted(health_164, why=TECHNICAL_ERROR), site_164, dozens, independence=KZ
        )

        assert numbers(result) == (Decimal(164), Decimal(164), None)
        assert reasons(result, counted=False) == {
            "c_nyt_164": f"retracted by kz-information-ministry: {TECHNICAL_ERROR}"
        }
        assert (
            "earlier report, compatible: floor only"
            in (reasons(result, counted=True)["c_nyt_dozens"])
        )

    def test_killed_after_the_retraction_is_not_corroborated_by_the_dozens(self) -> None:
        """The website's 164 stands alone: the earlier "dozens" supports the floor only."""
        result = estimate(
            KILLED, retracted(health_164, why=TECHNICAL_ERROR), site_164, dozens, independence=KZ
        )

        assert result.status is EstimateStatus.SINGLE_ORIGIN
        assert result.provenance.origins == ("unnamed-news-website",)
        assert result.provenance.earlier_origins == ("earlier-reports",)
        assert result.provenance.summary == (
            "2 claims in 2 reports, 1 independent origin (+1 earlier, compatible)"
        )

    def test_killed_with_only_the_health_ministry_retracted_is_null(self) -> None:
        """When the only claim is retracted the estimate is retracted, with null, not 0."""
        result = estimate(KILLED, retracted(health_164, why=TECHNICAL_ERROR), independence=KZ)

        assert result.status is EstimateStatus.RETRACTED
        assert numbers(result) == (None, None, None)
        assert [use.claim_id for use in result.provenance.excluded] == ["c_nyt_164"]

    def test_csto_troops_conflict_and_name_both_claims(self) -> None:
        """More than 3,000 against around 2,500: conflicting, envelope [2,450, ∞), no best."""
        result = estimate(TROOPS, troops_3000, troops_2500)

        assert result.status is EstimateStatus.CONFLICTING
        assert numbers(result) == (Decimal(2450), None, None)
        assert result.provenance.conflict == ("c_rfe_troops", "c_nyt_troops")
        assert all("in conflict" in use.flags for use in result.provenance.used)

    def test_injured_more_than_reads_as_its_floor(self) -> None:
        """ "More than 2,000" gives best 2,001: the stated 2,000 lies outside [2,001, ∞)."""
        result = estimate(INJURED, injured_2000, independence=KZ)

        assert numbers(result) == (Decimal(2001), Decimal(2001), None)
        assert result.status is EstimateStatus.SINGLE_ORIGIN


class TestCountedClaims:
    def test_a_retracted_claim_is_excluded_with_who_and_why(self) -> None:
        """A retraction excludes the claim, naming who withdrew it and the reason."""
        result = estimate(KILLED, retracted(health_164, why=TECHNICAL_ERROR), site_164)

        assert reasons(result, counted=False)["c_nyt_164"] == (
            f"retracted by kz-information-ministry: {TECHNICAL_ERROR}"
        )

    def test_a_relay_of_a_withdrawn_claim_rests_on_it(self) -> None:
        """A relay of a retracted claim is excluded as resting on that withdrawn claim."""
        origin = retracted(claim("c_a", q(164, None, 164), origin="kz-health-ministry"))
        relay = claim("c_b", q(164, None, 164), relays=origin, withdrawn_via="c_a")

        result = estimate(KILLED, origin, relay)

        assert reasons(result, counted=False)["c_b"] == (
            "rests on withdrawn claim c_a (retracted by kz-information-ministry)"
        )
        assert result.status is EstimateStatus.RETRACTED

    def test_a_disputed_claim_counts_and_is_flagged(self) -> None:
        """A disputed claim still counts, flagged with who disputes it."""
        disputed = claim(
            "c_a", q(164, None, 164), status=ClaimStatus.DISPUTED, disputed_by=("hrw",)
        )

        result = estimate(KILLED, disputed)

        assert result.low == Decimal(164)
        assert result.provenance.used[0].flags == ("disputed by hrw",)
        assert result.provenance.used[0].sets == ("low", "best")

    def test_a_superseded_claim_says_who_superseded_it(self) -> None:
        """A superseded claim is excluded with who superseded it and why."""
        old = claim(
            "c_old",
            q(100, None, 100),
            status=ClaimStatus.SUPERSEDED,
            status_by="rferl",
            status_reason="newer figure (replaced by c_new)",
        )

        result = estimate(KILLED, old, claim("c_new", q(164, None, 164)))

        assert reasons(result, counted=False)["c_old"] == (
            "superseded by rferl: newer figure (replaced by c_new)"
        )
        assert result.low == Decimal(164)

    def test_a_refuted_claim_is_excluded(self) -> None:
        """A refuted claim stops counting, with who refuted it and why."""
        refuted = claim(
            "c_a",
            q(500, None, 500),
            status=ClaimStatus.REFUTED,
            status_by="un-ohchr",
            status_reason="morgue records",
        )

        result = estimate(KILLED, refuted, site_164)

        assert reasons(result, counted=False)["c_a"] == "refuted by un-ohchr: morgue records"
        assert result.low == Decimal(164)

    def test_a_corrected_claim_is_our_extraction_error(self) -> None:
        """A corrected claim is excluded as an extraction error, never as a retraction."""
        wrong = claim(
            "c_a",
            q(1640, None, 1640),
            status=ClaimStatus.CORRECTED,
            status_by="editor",
            status_reason="extra digit (replaced by c_b)",
        )

        result = estimate(KILLED, wrong, claim("c_b", q(164, None, 164)))

        assert reasons(result, counted=False)["c_a"] == (
            "corrected (extraction error) by editor: extra digit (replaced by c_b)"
        )


class TestStatements:
    def test_relays_collapse_onto_their_origin(self) -> None:
        """A relay and its origin form one statement, counted once."""
        result = estimate(DETAINED, rfe_5969, rfe_6000)

        assert result.provenance.statement_origins == ("kz-interior-ministry",)
        assert reasons(result, counted=True) == {
            "c_rfe_5969": "counted",
            "c_rfe_6000": "relay of c_rfe_5969, collapsed onto kz-interior-ministry",
        }

    def test_claims_of_one_statement_intersect(self) -> None:
        """Claims sharing an origin and an as-of narrow each other."""
        result = estimate(DETAINED, rfe_5969, rfe_6000)

        assert (result.low, result.high) == (Decimal(5969), Decimal(5999))

    def test_an_origin_earlier_statement_is_superseded(self) -> None:
        """Only an origin's latest as-of counts; its earlier claims are excluded."""
        early = claim("c_early", q(300, 400, None, Hedge.BETWEEN), as_of=JAN_7)
        late = claim("c_late", q(164, None, 164))

        result = estimate(KILLED, early, late)

        assert reasons(result, counted=False) == {
            "c_early": "superseded by the origin's later statement (as of 2022-01-09)"
        }
        assert result.low == Decimal(164)

    def test_a_relay_contradicting_what_it_relays_is_a_conflict(self) -> None:
        """A relay that does not overlap the claim it relays is a conflict in the record."""
        first = claim("c_a", q(10, 20, None, Hedge.BETWEEN))
        second = claim("c_b", q(30, 40, None, Hedge.BETWEEN), relays=first)

        result = estimate(KILLED, first, second)

        assert result.status is EstimateStatus.CONFLICTING
        assert result.provenance.conflict == ("c_b", "c_a")
        assert numbers(result) == (Decimal(10), None, Decimal(40))


class TestCumulativeAndLevel:
    def test_a_cumulative_earlier_statement_keeps_only_its_floor(self) -> None:
        """On a cumulative figure an earlier as-of raises the floor but sets no ceiling."""
        earlier = claim(
            "c_a", q(290, 310, 300, Hedge.AROUND), origin="earlier-reports", as_of=JAN_7
        )

        result = estimate(KILLED, earlier, site_164)

        assert numbers(result) == (Decimal(290), Decimal(290), None)
        assert reasons(result, counted=True)["c_a"].startswith(
            "counted; earlier report, compatible: floor only"
        )

    def test_a_cumulative_earlier_ceiling_does_not_conflict(self) -> None:
        """An earlier "up to 50" does not contradict a later "at least 164" of a cumulative."""
        earlier = claim("c_a", q(0, 50, 50, Hedge.UP_TO), origin="earlier-reports", as_of=JAN_7)

        result = estimate(KILLED, earlier, site_164)

        assert result.status is EstimateStatus.SINGLE_ORIGIN
        assert numbers(result) == (Decimal(164), Decimal(164), None)

    def test_a_level_earlier_statement_is_stale(self) -> None:
        """On a level figure an earlier as-of is excluded: the level may have moved."""
        earlier = claim(
            "c_a", q(2450, 2550, 2500, Hedge.AROUND), origin="ru-defense-ministry", as_of=JAN_7
        )

        result = estimate(TROOPS, earlier, troops_3000)

        assert result.status is EstimateStatus.SINGLE_ORIGIN
        assert numbers(result) == (Decimal(3001), Decimal(3001), None)
        assert reasons(result, counted=False) == {"c_a": "stale: a later as-of exists (2022-01-09)"}

    def test_the_estimate_is_as_of_the_latest_statement(self) -> None:
        """The estimate's as-of is the latest as-of among the counted statements."""
        result = estimate(KILLED, dozens, site_164)

        assert result.as_of == JAN_9


class TestCombine:
    def test_low_is_the_highest_floor_and_high_the_lowest_ceiling(self) -> None:
        """Independent statements intersect."""
        a = claim("c_a", q(100, 300, None, Hedge.BETWEEN), origin="a")
        b = claim("c_b", q(150, 250, None, Hedge.BETWEEN), origin="b")
        c = claim("c_c", q(120, None, 120), origin="c")

        result = estimate(KILLED, a, b, c)

        assert (result.low, result.high) == (Decimal(150), Decimal(250))
        assert result.status is EstimateStatus.CONSISTENT

    def test_the_conflict_names_highest_floor_and_lowest_ceiling(self) -> None:
        """Of three statements, the pair named is the highest floor against the lowest ceiling."""
        a = claim("c_a", q(100, 120, None, Hedge.BETWEEN), origin="a")
        b = claim("c_b", q(90, 200, None, Hedge.BETWEEN), origin="b")
        c = claim("c_c", q(150, None, 150), origin="c")

        result = estimate(KILLED, a, b, c)

        assert result.provenance.conflict == ("c_c", "c_a")
        assert numbers(result) == (Decimal(90), None, None)

    def test_a_conflict_envelope_is_closed_when_every_statement_is(self) -> None:
        """The envelope runs from the lowest floor to the highest ceiling."""
        a = claim("c_a", q(10, 20, None, Hedge.BETWEEN), origin="a")
        b = claim("c_b", q(30, 40, None, Hedge.BETWEEN), origin="b")

        result = estimate(TROOPS, a, b)

        assert numbers(result) == (Decimal(10), None, Decimal(40))

    def test_a_conflict_within_one_body_is_still_a_conflict(self) -> None:
        """Two ministries of one government that disagree make the figure conflicting."""
        a = claim("c_a", q(3001, None, 3000, Hedge.MORE_THAN), origin="kz-interior-ministry")
        b = claim("c_b", q(2450, 2550, 2500, Hedge.AROUND), origin="kz-defense-ministry")

        result = estimate(TROOPS, a, b, independence=KZ)

        assert result.status is EstimateStatus.CONFLICTING


class TestBest:
    def test_a_nearly_number_is_not_credible(self) -> None:
        """ "Nearly 6,000" says fewer than 6,000, so 6,000 is never the best point."""
        result = estimate(DETAINED, rfe_6000)

        assert numbers(result) == (Decimal(5400), Decimal(5400), Decimal(5999))

    def test_the_narrowest_claim_gives_the_best_point(self) -> None:
        """The stated number of the most specific claim inside wins, not the floor."""
        span = claim("c_a", q(150, 200, None, Hedge.BETWEEN), origin="a")
        around = claim("c_b", q(170, 190, 180, Hedge.AROUND), origin="b")
        floor = claim("c_c", q(175, None, 175), origin="c")

        result = estimate(KILLED, span, around, floor)

        assert numbers(result) == (Decimal(175), Decimal(180), Decimal(190))

    def test_without_a_stated_number_inside_best_is_low(self) -> None:
        """Vague words state no number; the best is then the low."""
        result = estimate(KILLED, claim("c_a", q(24, 99, None, Hedge.VAGUE)))

        assert numbers(result) == (Decimal(24), Decimal(24), Decimal(99))

    def test_an_up_to_number_is_a_ceiling_not_a_point(self) -> None:
        """ "Up to 200" bounds the count; it is never taken as the best point."""
        up_to = claim("c_a", q(0, 200, 200, Hedge.UP_TO), origin="a")

        result = estimate(KILLED, up_to, site_164)

        assert numbers(result) == (Decimal(164), Decimal(164), Decimal(200))

    def test_a_tie_goes_to_the_number_more_bodies_state(self) -> None:
        """Equal widths: the number stated by more independent bodies wins."""
        lone = claim("c_a", q(95, 105, 100, Hedge.AROUND), origin="a", published_at=EVENING)
        backed = claim("c_b", q(97, 107, 102, Hedge.AROUND), origin="b")
        seconded = claim("c_c", q(97, 107, 102, Hedge.AROUND), origin="c")

        assert estimate(KILLED, lone, backed, seconded).best == Decimal(102)

    def test_origins_of_one_body_support_a_number_once(self) -> None:
        """Two ministries of one government stating a number are one body behind it."""
        lone = claim("c_a", q(95, 105, 100, Hedge.AROUND), origin="a", published_at=EVENING)
        backed = claim("c_b", q(97, 107, 102, Hedge.AROUND), origin="b")
        seconded = claim("c_c", q(97, 107, 102, Hedge.AROUND), origin="c")

        result = estimate(KILLED, lone, backed, seconded, independence={"b": "g", "c": "g"})

        assert result.best == Decimal(100)

    def test_a_relay_adds_no_support(self) -> None:
        """A relay collapses onto its origin, so it does not make its number better backed."""
        lone = claim("c_a", q(95, 105, 100, Hedge.AROUND), origin="a", published_at=EVENING)
        backed = claim("c_b", q(97, 107, 102, Hedge.AROUND), origin="b")
        echo = claim("c_c", q(97, 107, 102, Hedge.AROUND), origin="c", relays=backed)

        assert estimate(KILLED, lone, backed, echo).best == Decimal(100)

    def test_a_tie_goes_to_the_latest_published(self) -> None:
        """Equal widths and support: the later publication wins."""
        evening = claim("c_a", q(95, 105, 100, Hedge.AROUND), origin="a", published_at=EVENING)
        morning = claim("c_b", q(97, 107, 102, Hedge.AROUND), origin="b", published_at=MORNING)

        assert estimate(KILLED, morning, evening).best == Decimal(100)

    def test_a_full_tie_goes_to_the_lowest_position(self) -> None:
        """Equal in everything else: the claim recorded first wins."""
        first = claim("c_a", q(95, 105, 100, Hedge.AROUND), origin="a", position=2)
        second = claim("c_b", q(97, 107, 102, Hedge.AROUND), origin="b", position=1)

        assert estimate(KILLED, first, second).best == Decimal(102)

    def test_a_floor_only_number_is_not_a_candidate(self) -> None:
        """An earlier as-of's point describes an earlier time; only its floor counts."""
        earlier = claim("c_a", q(95, 105, 100, Hedge.AROUND), origin="a", as_of=JAN_7)
        later = claim("c_b", q(90, None, 90), origin="b")

        assert numbers(estimate(KILLED, earlier, later)) == (Decimal(95), Decimal(95), None)


class TestStatus:
    def test_no_claim_is_no_data(self) -> None:
        """A figure nobody reported has no estimate at all."""
        result = estimate(KILLED)

        assert result.status is EstimateStatus.NO_DATA
        assert numbers(result) == (None, None, None)
        assert result.as_of is None

    def test_one_body_is_single_origin(self) -> None:
        """Origins mapped onto one top-level body make a single origin."""
        assert estimate(DETAINED, rfe_5969, nyt_5800, independence=KZ).status is (
            EstimateStatus.SINGLE_ORIGIN
        )

    def test_a_source_missing_from_the_map_is_its_own_body(self) -> None:
        """Without a parent, each origin is independent, so two make a consistent figure."""
        result = estimate(DETAINED, rfe_5969, nyt_5800)

        assert result.status is EstimateStatus.CONSISTENT
        assert result.provenance.origins == ("kz-government-officials", "kz-interior-ministry")


class TestProvenance:
    def test_uses_are_sorted_by_position(self) -> None:
        """Used and excluded claims are listed in log order, whatever the input order."""
        result = estimate(
            KILLED, dozens, site_164, retracted(health_164), claim("c_x", q(1)), independence=KZ
        )

        positions = [use.claim_id for use in result.provenance.used]
        assert positions == ["c_rfe_164", "c_nyt_dozens", "c_x"]

    def test_lexicon_versions_cover_every_claim(self) -> None:
        """The lexicon versions include those of excluded claims."""
        old = retracted(claim("c_a", q(1, lexicon_version="2026.10-1")))

        result = estimate(KILLED, old, claim("c_b", q(2)))

        assert result.provenance.lexicon_versions == ("2026.10-1", "2026.11-1")
        assert result.provenance.policy_version == POLICY_VERSION

    def test_reports_are_those_of_counted_claims(self) -> None:
        """A report whose claims were all withdrawn is not behind the estimate."""
        result = estimate(KILLED, retracted(health_164), site_164)

        assert result.provenance.reports == ("r_rferl",)

    def test_the_caller_sets_position_and_changed_by(self) -> None:
        """The policy leaves the event bookkeeping to its caller."""
        result = estimate(KILLED, site_164)

        assert (result.position, result.provenance.changed_by) == (0, None)


_NOTHING_COUNTS = (
    EstimateStatus.RETRACTED,
    EstimateStatus.REFUTED,
    EstimateStatus.SUPERSEDED,
    EstimateStatus.WITHDRAWN,
)


def _counted(view: ClaimView) -> bool:
    return view.status.counts and view.withdrawn_via is None


def _retract(claims: Sequence[ClaimView], claim_id: str) -> list[ClaimView]:
    """`claims` after a retraction of `claim_id`, its relays now resting on a withdrawn claim."""
    return settle_withdrawals(
        [retracted(view) if view.claim_id == claim_id else view for view in claims]
    )


def _without(claims: Sequence[ClaimView], claim_id: str) -> list[ClaimView]:
    """`claims` as if `claim_id` and every relay resting on it had never been asserted."""
    gone = {claim_id}
    for view in claims:  # relays come after what they relay
        if view.derived_from in gone:
            gone.add(view.claim_id)
    return [view for view in claims if view.claim_id not in gone]


class TestInvariants:
    @given(figure_infos(), figure_claims(), independence_maps())
    def test_low_best_high_are_ordered(
        self, figure: FigureInfo, claims: list[ClaimView], independence: dict[str, str]
    ) -> None:
        """Always low ≤ best ≤ high, wherever they are present — whatever points with
        intervals (Hedge.ESTIMATE) and other hedges the claims state."""
        result = estimate_figure(figure, claims, independence)

        if result.best is not None:
            assert result.low is not None
            assert result.low <= result.best
            assert result.high is None or result.best <= result.high
        if result.low is not None and result.high is not None:
            assert result.low <= result.high

    @given(figure_infos(), figure_claims(), independence_maps())
    def test_no_counted_claim_means_null_never_zero(
        self, figure: FigureInfo, claims: list[ClaimView], independence: dict[str, str]
    ) -> None:
        """When no claim counts, low, best and high are all null and nothing is used."""
        result = estimate_figure(figure, claims, independence)

        if not any(_counted(view) for view in claims):
            assert numbers(result) == (None, None, None)
            assert result.provenance.used == ()
            assert result.status in (*_NOTHING_COUNTS, EstimateStatus.NO_DATA)
        else:
            assert result.low is not None

    @given(figure_infos(), figure_claims(), independence_maps())
    def test_best_is_a_stated_number_or_low(
        self, figure: FigureInfo, claims: list[ClaimView], independence: dict[str, str]
    ) -> None:
        """The best is the stated number of a counted claim, or the low: never an average."""
        result = estimate_figure(figure, claims, independence)
        stated = {view.quantity.number for view in claims if _counted(view)}

        assert result.best is None or result.best == result.low or result.best in stated
        if result.status is not EstimateStatus.CONFLICTING and result.low is not None:
            assert result.best is not None

    @given(figure_infos(), figure_claims(), independence_maps(), st.randoms())
    def test_the_order_of_claims_does_not_matter(
        self,
        figure: FigureInfo,
        claims: list[ClaimView],
        independence: dict[str, str],
        rng: Random,
    ) -> None:
        """The estimate is the same whatever order the claims arrive in."""
        shuffled = list(claims)
        rng.shuffle(shuffled)

        assert estimate_figure(figure, shuffled, independence) == estimate_figure(
            figure, claims, independence
        )

    @given(figure_infos(), figure_claims(), independence_maps())
    def test_the_summary_is_the_full_estimate_headline(
        self, figure: FigureInfo, claims: list[ClaimView], independence: dict[str, str]
    ) -> None:
        """Recomputing from the policy's columns alone gives the headline of the full
        estimate: the projection stores the one and readers see the other."""
        full = estimate_figure(figure, claims, independence)
        columns = [policy_claim(view) for view in claims]

        assert summarize_figure(figure.kind, columns, independence) == EstimateSummary.of(full)

    @given(figure_infos(), figure_claims(), independence_maps())
    def test_every_claim_is_used_or_excluded_once(
        self, figure: FigureInfo, claims: list[ClaimView], independence: dict[str, str]
    ) -> None:
        """Each claim appears exactly once in the provenance; only counted claims are used."""
        result = estimate_figure(figure, claims, independence)
        used = [use.claim_id for use in result.provenance.used]
        excluded = [use.claim_id for use in result.provenance.excluded]

        assert sorted(used + excluded) == sorted(view.claim_id for view in claims)
        counted = {view.claim_id for view in claims if _counted(view)}
        assert set(used) <= counted
        assert all(use.reason for use in result.provenance.excluded)

    @given(figure_infos(), figure_claims(min_size=1), independence_maps(), st.data())
    def test_a_retraction_is_no_evidence_of_a_lower_number(
        self,
        figure: FigureInfo,
        claims: list[ClaimView],
        independence: dict[str, str],
        data: st.DataObject,
    ) -> None:
        """Retracting a claim gives the numbers of never having had it and its relays."""
        target = data.draw(st.sampled_from([view.claim_id for view in claims]))

        after = estimate_figure(figure, _retract(claims, target), independence)
        never = estimate_figure(figure, _without(claims, target), independence)

        assert numbers(after) == numbers(never)
        if never.status not in (*_NOTHING_COUNTS, EstimateStatus.NO_DATA):
            assert after.status is never.status

    @given(figure_infos(), figure_claims(), independence_maps(), st.data())
    def test_a_withdrawn_claim_interval_is_never_used(
        self,
        figure: FigureInfo,
        claims: list[ClaimView],
        independence: dict[str, str],
        data: st.DataObject,
    ) -> None:
        """Whatever a claim that no longer counts said, the estimate does not move."""
        rewritten = [
            view
            if _counted(view)
            else view.model_copy(update={"quantity": data.draw(claim_quantities())})
            for view in claims
        ]
        before = estimate_figure(figure, claims, independence)
        after = estimate_figure(figure, rewritten, independence)

        assert (numbers(after), after.status) == (numbers(before), before.status)

    # Small random records often conflict or have nothing left counting; the property is
    # about agreeing ones, so most draws are set aside.
    @settings(suppress_health_check=[HealthCheck.filter_too_much])
    @given(figure_infos(), figure_claims(one_as_of=True), independence_maps(), st.data())
    def test_retracting_never_lowers_the_ceiling_of_an_agreeing_record(
        self,
        figure: FigureInfo,
        claims: list[ClaimView],
        independence: dict[str, str],
        data: st.DataObject,
    ) -> None:
        """With one as-of, one statement per origin and no conflict, a retraction only
        widens [low, high] (an origin's earlier statement would count again in its place)."""
        first: dict[str, str] = {}  # origin → its one statement (root claim) kept
        for view in claims:
            if _counted(view):
                first.setdefault(view.root_origin, view.root_claim_id)
        claims = [v for v in claims if not _counted(v) or first[v.root_origin] == v.root_claim_id]
        before = estimate_figure(figure, claims, independence)
        live = [view.claim_id for view in claims if _counted(view)]
        assume(before.status is not EstimateStatus.CONFLICTING and live)
        target = data.draw(st.sampled_from(live))

        after = estimate_figure(figure, _retract(claims, target), independence)

        assume(after.status not in _NOTHING_COUNTS)
        assert before.low is not None
        assert after.low is not None
        assert after.low <= before.low
        assert after.high is None or (before.high is not None and after.high >= before.high)


# -- An origin updating itself, corroboration, point estimates, nested figures ---------------

FEB_6_MORNING = datetime(2023, 2, 6, 6, tzinfo=UTC)
FEB_6_EVENING = datetime(2023, 2, 6, 18, tzinfo=UTC)
FEB_6 = date(2023, 2, 6)
QUAKE = FigureInfo(figure="quake-2023/killed/turkey", unit="people", kind=FigureKind.CUMULATIVE)


def exact(n: int) -> Quantity:
    return q(n, n, n, Hedge.EXACT)


class TestAnOriginUpdatingItself:
    def test_a_same_day_update_supersedes_the_morning_figure(self) -> None:
        """912 at 06:00 then 2,379 at 18:00, both as of 6 Feb: the evening figure is the
        agency's word, not a conflict."""
        morning = claim("c_912", exact(912), origin="afad", as_of=FEB_6, published_at=FEB_6_MORNING)
        evening = claim(
            "c_2379", exact(2379), origin="afad", as_of=FEB_6, published_at=FEB_6_EVENING
        )

        result = estimate(QUAKE, evening, morning)

        assert result.status is EstimateStatus.SINGLE_ORIGIN
        assert numbers(result) == (Decimal(2379), Decimal(2379), Decimal(2379))
        assert reasons(result, counted=False) == {
            "c_912": "superseded by the origin's later statement (as of 2023-02-06)"
        }

    def test_a_toll_revised_the_same_day_reads_the_revision(self) -> None:
        """A government toll of 16 revised to 34 on one day reads 34."""
        first = claim("c_16", exact(16), origin="gov", as_of=FEB_6, published_at=FEB_6_MORNING)
        second = claim("c_34", exact(34), origin="gov", as_of=FEB_6, published_at=FEB_6_EVENING)

        assert numbers(estimate(QUAKE, first, second)) == (Decimal(34), Decimal(34), Decimal(34))

    def test_a_relay_takes_the_time_of_the_claim_it_relays(self) -> None:
        """A wire repeating the morning's 912 in the evening does not make 912 the latest."""
        morning = claim("c_912", exact(912), origin="afad", as_of=FEB_6, published_at=FEB_6_MORNING)
        evening = claim(
            "c_2379", exact(2379), origin="afad", as_of=FEB_6, published_at=FEB_6_EVENING
        )
        wire = claim(
            "c_wire",
            exact(912),
            origin="wire",
            outlet="wire",
            as_of=FEB_6,
            published_at=datetime(2023, 2, 6, 20, tzinfo=UTC),
            relays=morning,
        ).model_copy(update={"root_published_at": FEB_6_MORNING, "root_position": morning.position})

        result = estimate(QUAKE, morning, evening, wire)

        assert result.best == Decimal(2379)
        assert set(reasons(result, counted=False)) == {"c_912", "c_wire"}

    def test_an_as_of_with_a_time_of_day_orders_statements(self) -> None:
        """As of 06:00 and as of 18:00 on one day: the later as-of is the latest word."""
        early = claim(
            "c_a", exact(912), origin="afad", as_of=FEB_6_MORNING, published_at=FEB_6_EVENING
        )
        late = claim(
            "c_b", exact(2379), origin="afad", as_of=FEB_6_EVENING, published_at=FEB_6_EVENING
        )

        assert estimate(QUAKE, late, early).best == Decimal(2379)

    def test_same_moment_statements_are_ordered_by_position(self) -> None:
        """Two claims of one origin published at the same instant: the later recorded wins."""
        first = claim("c_a", exact(100), origin="afad", position=1)
        second = claim("c_b", exact(120), origin="afad", position=2)

        assert estimate(QUAKE, second, first).best == Decimal(120)

    @given(st.data(), figure_infos())
    def test_the_estimate_is_that_of_the_latest_statement_alone(
        self, data: st.DataObject, figure: FigureInfo
    ) -> None:
        """For any sequence of statements by one origin (with relays of them), the estimate
        is that of its latest statement alone."""
        views: list[ClaimView] = []
        for index in range(data.draw(st.integers(1, 6))):
            relayed = views and data.draw(st.booleans())
            root = data.draw(st.sampled_from(views)) if relayed else None
            hour = data.draw(st.integers(0, 23))
            view = claim(
                f"c{index}",
                data.draw(claim_quantities()),
                origin="afad",
                outlet=data.draw(st.sampled_from(("afad", "wire"))),
                as_of=data.draw(st.sampled_from(_AS_OFS)),
                published_at=datetime(2023, 2, 7, hour, tzinfo=UTC),
                relays=root,
                position=index + 1,
            )
            if root is not None:
                view = view.model_copy(
                    update={
                        "root_published_at": root.root_published_at or root.published_at,
                        "root_position": root.root_position or root.position,
                    }
                )
            views.append(view)

        def order(view: ClaimView) -> tuple[datetime, datetime, int]:
            root = next(v for v in views if v.claim_id == view.root_claim_id)
            latest = max(as_of_key(v.as_of) for v in views if v.root_claim_id == root.claim_id)
            return latest, root.published_at, root.position

        latest = max(views, key=order).root_claim_id
        alone = [v for v in views if v.root_claim_id == latest]

        everything, only = estimate_figure(figure, views, {}), estimate_figure(figure, alone, {})
        assert (numbers(everything), everything.status) == (numbers(only), only.status)


_AS_OFS = (FEB_6, date(2023, 2, 7), FEB_6_MORNING, FEB_6_EVENING)


class TestCorroboration:
    def test_two_origins_agreeing_at_the_latest_as_of_corroborate(self) -> None:
        """Two independent origins overlapping at the latest as-of: consistent, 2 origins."""
        result = estimate(KILLED, site_164, health_164)

        assert result.status is EstimateStatus.CONSISTENT
        assert result.provenance.origins == ("kz-health-ministry", "unnamed-news-website")
        assert result.provenance.earlier_origins == ()

    def test_an_earlier_floor_is_compatible_not_agreement(self) -> None:
        """An earlier "dozens" supports the low of a later 164 but does not confirm it."""
        result = estimate(KILLED, site_164, dozens)

        assert result.status is EstimateStatus.SINGLE_ORIGIN
        assert EstimateSummary.of(result).origins == 1
        assert EstimateSummary.of(result).earlier == 1

    def test_a_figure_whose_every_claim_was_superseded_reads_superseded(self) -> None:
        """Claims all superseded (none retracted) never read "retracted"."""
        old = claim("c_a", exact(100), status=ClaimStatus.SUPERSEDED, status_by="rferl")

        assert estimate(KILLED, old).status is EstimateStatus.SUPERSEDED

    def test_claims_withdrawn_in_different_ways_read_withdrawn(self) -> None:
        """One claim refuted and one retracted: "withdrawn", naming neither alone."""
        refuted = claim("c_a", exact(100), status=ClaimStatus.REFUTED, status_by="ohchr")

        result = estimate(KILLED, refuted, retracted(claim("c_b", exact(120), origin="x")))

        assert result.status is EstimateStatus.WITHDRAWN
        assert numbers(result) == (None, None, None)

    def test_every_claim_refuted_reads_refuted(self) -> None:
        """A figure whose only claim was shown false reads "refuted"."""
        refuted = claim("c_a", exact(100), status=ClaimStatus.REFUTED, status_by="ohchr")

        assert estimate(KILLED, refuted).status is EstimateStatus.REFUTED


MARIA = FigureInfo(
    figure="maria-2017/killed/puerto-rico", unit="people", kind=FigureKind.CUMULATIVE
)


def with_interval(point: int, low: int, high: int) -> Quantity:
    return q(low, high, point, Hedge.ESTIMATE)


class TestPointEstimates:
    def test_a_study_point_is_the_best_inside_its_interval(self) -> None:
        """ "2,975 (95% CI 2,658–3,290)": the interval is the span, 2,975 the best."""
        gwu = claim("c_gwu", with_interval(2975, 2658, 3290), origin="gwu")

        assert numbers(estimate(MARIA, gwu)) == (Decimal(2658), Decimal(2975), Decimal(3290))

    def test_two_studies_keep_the_combined_interval_and_the_narrower_point(self) -> None:
        """Harvard's 4,645 (793–8,498) and GWU's 2,975 (2,658–3,290): the intervals meet
        in [2,658, 3,290] and the more specific study's point is the best."""
        harvard = claim("c_hsph", with_interval(4645, 793, 8498), origin="harvard")
        gwu = claim("c_gwu", with_interval(2975, 2658, 3290), origin="gwu")

        result = estimate(MARIA, harvard, gwu)

        assert numbers(result) == (Decimal(2658), Decimal(2975), Decimal(3290))
        assert result.status is EstimateStatus.CONSISTENT
        assert result.provenance.best_by == "c_gwu"

    def test_a_point_outside_the_combined_interval_is_not_the_best(self) -> None:
        """A study's point that another's interval rules out is never chosen."""
        wide = claim("c_wide", with_interval(4645, 793, 8498), origin="harvard")
        floor = claim("c_floor", q(3000, None, 3000), origin="gov")

        result = estimate(MARIA, wide, floor)

        assert numbers(result) == (Decimal(3000), Decimal(4645), Decimal(8498))


ALMATY = "kz-unrest-2022/killed/almaty"
KAZAKHSTAN = "kz-unrest-2022/killed/kazakhstan"


class TestNestedFigures:
    def test_a_child_floor_raises_an_open_parent(self) -> None:
        """At least 24 nationwide and 103 in Almaty: the nationwide low is 103, set by Almaty."""
        nesting = Nesting(floors=(FigureBound(ALMATY, Decimal(103), JAN_9),))

        result = estimate_figure(KILLED, [claim("c_a", q(24, None, 24))], {}, nesting)

        assert numbers(result) == (Decimal(103), Decimal(103), None)
        assert result.provenance.low_by == ALMATY
        assert result.provenance.floors[0].reason == "sets low"

    def test_a_child_floor_below_the_low_is_shown_not_applied(self) -> None:
        """Almaty's 103 under a nationwide 164 is listed as a floor that sets nothing."""
        nesting = Nesting(floors=(FigureBound(ALMATY, Decimal(103), JAN_9),))

        result = estimate_figure(KILLED, [site_164], {}, nesting)

        assert result.low == Decimal(164)
        assert [(f.figure, f.applied) for f in result.provenance.floors] == [(ALMATY, False)]

    def test_a_later_child_says_nothing_of_an_earlier_parent(self) -> None:
        """A child's low as of 10 January is no floor for its parent as of 9 January."""
        nesting = Nesting(floors=(FigureBound(ALMATY, Decimal(500), date(2022, 1, 10)),))

        result = estimate_figure(KILLED, [site_164], {}, nesting)

        assert result.low == Decimal(164)
        assert result.provenance.floors[0].reason.startswith("as of 2022-01-10, after")

    def test_a_child_above_its_parent_high_is_a_conflict_between_the_figures(self) -> None:
        """Almaty's 103 against a nationwide "up to 50": conflicting, naming Almaty."""
        nesting = Nesting(floors=(FigureBound(ALMATY, Decimal(103), JAN_9),))

        result = estimate_figure(KILLED, [claim("c_a", q(0, 50, 50, Hedge.UP_TO))], {}, nesting)

        assert result.status is EstimateStatus.CONFLICTING
        assert result.best is None
        assert result.provenance.figure_conflicts == (ALMATY,)

    def test_the_child_is_flagged_too(self) -> None:
        """Seen from Almaty, a parent's high below its low is the same conflict."""
        nesting = Nesting(ceiling=FigureBound(KAZAKHSTAN, Decimal(50), JAN_9))
        almaty = FigureInfo(figure=ALMATY, unit="people", kind=FigureKind.CUMULATIVE)

        result = estimate_figure(almaty, [claim("c_a", exact(103))], {}, nesting)

        assert result.status is EstimateStatus.CONFLICTING
        assert result.provenance.figure_conflicts == (KAZAKHSTAN,)

    def test_level_figures_do_not_nest(self) -> None:
        """Troops deployed go up and down: a part's level is no floor for the whole."""
        nesting = Nesting(floors=(FigureBound("csto/troops/almaty", Decimal(5000), JAN_9),))

        assert estimate_figure(TROOPS, [troops_2500], {}, nesting).low == Decimal(2450)

    @given(figure_infos(), figure_claims(), independence_maps(), st.integers(0, 200))
    def test_the_summary_with_nesting_is_the_full_estimate_headline(
        self,
        figure: FigureInfo,
        claims: list[ClaimView],
        independence: dict[str, str],
        floor: int,
    ) -> None:
        """With a child's floor and a parent's ceiling, the headline the projection stores
        equals the full estimate's."""
        nesting = Nesting(
            floors=(FigureBound("child", Decimal(floor), JAN_9),),
            ceiling=FigureBound("parent", Decimal(floor + 40), JAN_9),
        )
        full = estimate_figure(figure, claims, independence, nesting)
        columns = [policy_claim(view) for view in claims]

        assert summarize_figure(figure.kind, columns, independence, nesting) == (
            EstimateSummary.of(full)
        )
