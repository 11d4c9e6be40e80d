"""Estimates a journalist can trust, through the public API on every backend: an origin
updating itself, who may withdraw what, corroboration, nested figures, and a history that
names every cause."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import ledger
from ledger import Claim, EstimateStatus, Report

QUAKE = "quake-2023/killed/turkey"
HATAY = "quake-2023/killed/hatay"
MARIA = "maria-2017/killed/puerto-rico"
FEB_6 = date(2023, 2, 6)


def at(hour: int, day: int = 6) -> datetime:
    return datetime(2023, 2, day, hour, tzinfo=UTC)


@pytest.fixture
def quake(api: ledger.Ledger) -> ledger.Ledger:
    """A disaster ledger: an agency of a government, a ministry of it, a wire, a monitor;
    through the Python API and through HTTP."""
    return _quake(api)


@pytest.fixture
def local_quake(lg: ledger.Ledger) -> ledger.Ledger:
    """The same, through the Python API only."""
    return _quake(lg)


def _quake(lg: ledger.Ledger) -> ledger.Ledger:
    lg.register_source("tr-government", name="Government of Türkiye", kind="government")
    lg.register_source("afad", name="AFAD", kind="government", parent="tr-government")
    lg.register_source(
        "tr-health", name="Health Ministry", kind="government", parent="tr-government"
    )
    lg.register_source("wire", name="A wire service", kind="media")
    lg.register_source("monitor", name="A monitoring NGO", kind="ngo")
    lg.define_figure(QUAKE, kind="cumulative")
    lg.define_figure(HATAY, kind="cumulative", parent=QUAKE)
    return lg


def report(
    lg: ledger.Ledger, value: str, *, hour: int, origin: str = "afad", figure: str = QUAKE
) -> str:
    """One report by the wire of one claim; returns the claim id."""
    recorded = lg.append_report(
        Report(
            outlet="wire",
            published_at=at(hour),
            claims=[Claim(figure=figure, value=value, as_of=FEB_6, origin=origin)],
        )
    )
    return recorded.claims[0].claim_id


class TestAnOriginUpdatingItself:
    def test_a_toll_rising_through_the_day_is_never_a_conflict(self, quake: ledger.Ledger) -> None:
        """912 at 06:00, then 2,379 at 18:00, from one agency: best 2,379, single-origin."""
        report(quake, "912", hour=6)
        report(quake, "2,379", hour=18)

        estimate = quake.estimate(QUAKE)

        assert (estimate.low, estimate.best, estimate.high) == (2379, 2379, 2379)
        assert estimate.status is EstimateStatus.SINGLE_ORIGIN
        assert [use.reason for use in estimate.provenance.excluded] == [
            "superseded by the origin's later statement (as of 2023-02-06)"
        ]

    def test_a_wire_repeating_the_morning_figure_does_not_make_it_the_latest(
        self, quake: ledger.Ledger
    ) -> None:
        """An evening relay of the 06:00 figure takes the time of the claim it relays."""
        morning = report(quake, "912", hour=6)
        report(quake, "2,379", hour=18)
        quake.append_report(
            Report(
                outlet="wire",
                published_at=at(21),
                claims=[
                    Claim(
                        figure=QUAKE, value="912", as_of=FEB_6, origin="wire", derived_from=morning
                    )
                ],
            )
        )

        assert quake.estimate(QUAKE).best == 2379


class TestWhoMayWithdrawWhat:
    def test_an_unrelated_source_cannot_retract_and_nothing_is_appended(
        self, quake: ledger.Ledger
    ) -> None:
        """retract(by=someone unrelated) is refused with what to do instead; the ledger holds."""
        claim_id = report(quake, "912", hour=6)
        head = quake.head()

        with pytest.raises(ledger.NotEntitledError) as caught:
            quake.retract(claim_id, by="monitor", reason="we doubt it")

        assert "dispute" in caught.value.instead
        assert quake.head() == head
        assert quake.estimate(QUAKE).best == 912
        assert quake.verify().ok

    def test_a_ministry_of_the_same_government_may_retract(self, quake: ledger.Ledger) -> None:
        """The Health Ministry withdrawing AFAD's post: one top-level body, allowed."""
        claim_id = report(quake, "912", hour=6)

        quake.retract(claim_id, by="tr-health", reason="published in error")

        assert quake.estimate(QUAKE).status is EstimateStatus.RETRACTED

    def test_a_dispute_twice_by_one_source_is_refused(self, quake: ledger.Ledger) -> None:
        """The monitor disputes once; a second dispute records nothing and says so."""
        claim_id = report(quake, "912", hour=6)
        quake.dispute(claim_id, by="monitor", reason="undercount")
        head = quake.head()

        with pytest.raises(ledger.InvalidTransitionError, match="already disputes"):
            quake.dispute(claim_id, by="monitor", reason="undercount, again")
        assert quake.head() == head

    def test_a_refutation_needs_evidence(self, quake: ledger.Ledger) -> None:
        """refute() without evidence is refused, naming the field."""
        claim_id = report(quake, "912", hour=6)

        with pytest.raises(ledger.InvalidInputError) as caught:
            quake.refute(claim_id, by="monitor", reason="false")
        assert caught.value.field == "evidence"


class TestCorroboration:
    def test_independent_origins_at_the_latest_as_of_corroborate(
        self, quake: ledger.Ledger
    ) -> None:
        """AFAD and the monitor both at 2,379 as of 6 Feb: consistent, 2 origins."""
        report(quake, "2,379", hour=18)
        report(quake, "at least 2,300", hour=19, origin="monitor")

        estimate = quake.estimate(QUAKE)

        assert estimate.status is EstimateStatus.CONSISTENT
        assert estimate.provenance.origins == ("monitor", "tr-government")


class TestNestedFigures:
    def test_a_part_raises_the_whole_and_the_history_says_so(self, quake: ledger.Ledger) -> None:
        """Hatay's 1,013 is a floor for Türkiye's "at least 900"; the nationwide history
        entry names Hatay's claim, reached through the nested figure."""
        report(quake, "at least 900", hour=6)
        hatay = report(quake, "1,013", hour=7, origin="monitor", figure=HATAY)

        estimate = quake.estimate(QUAKE)
        last = quake.history(QUAKE)[-1]

        assert (estimate.low, estimate.best) == (1013, 1013)
        assert estimate.provenance.low_by == HATAY
        assert [f.figure for f in estimate.provenance.floors] == [HATAY]
        assert [(c.claim_id, c.via) for c in last.causes] == [(hatay, HATAY)]
        assert last.changed == ("low", "best")

    def test_a_part_above_the_whole_is_a_conflict_on_both(self, quake: ledger.Ledger) -> None:
        """Hatay's 1,000 against a nationwide "up to 500": both figures read conflicting."""
        report(quake, "up to 500", hour=6)
        report(quake, "1,000", hour=7, origin="monitor", figure=HATAY)

        whole, part = quake.estimate(QUAKE), quake.estimate(HATAY)

        assert (whole.status, whole.provenance.figure_conflicts) == (
            EstimateStatus.CONFLICTING,
            (HATAY,),
        )
        assert (part.status, part.provenance.figure_conflicts) == (
            EstimateStatus.CONFLICTING,
            (QUAKE,),
        )
        assert quake.summaries()[HATAY].status is EstimateStatus.CONFLICTING

    def test_replay_rebuilds_nested_figures_as_live(self, local_quake: ledger.Ledger) -> None:
        """Floors and figure conflicts rebuilt from the log equal the live read model."""
        report(local_quake, "up to 500", hour=6)
        report(local_quake, "1,000", hour=7, origin="monitor", figure=HATAY)
        report(local_quake, "at least 1,200", hour=9)

        assert local_quake.replay().identical


class TestHistoryNamesEveryCause:
    def test_a_batch_names_each_claim_and_who_set_each_number(self, lg: ledger.Ledger) -> None:
        """A report with two studies' figures names both; best is GWU's 2,975."""
        lg.register_source("gwu", name="George Washington University", kind="other")
        lg.register_source("harvard", name="Harvard T.H. Chan School", kind="other")
        lg.register_source("pr-government", name="Government of Puerto Rico", kind="government")
        lg.define_figure(MARIA, kind="cumulative")
        recorded = lg.append_report(
            Report(
                outlet="pr-government",
                published_at=datetime(2018, 8, 28, 12, tzinfo=UTC),
                claims=[
                    Claim(
                        figure=MARIA,
                        value="4,645 (95% CI 793–8,498)",
                        as_of=date(2017, 12, 31),
                        origin="harvard",
                    ),
                    Claim(
                        figure=MARIA,
                        value="2,975 (2,658 – 3,290)",
                        as_of=date(2017, 12, 31),
                        origin="gwu",
                    ),
                ],
            )
        )
        harvard, gwu = (c.claim_id for c in recorded.claims)

        last = lg.history(MARIA)[-1]

        assert [c.claim_id for c in last.causes] == [harvard, gwu]
        assert (last.after.low, last.after.best, last.after.high) == (2658, 2975, 3290)
        assert (last.after.low_by, last.after.best_by, last.after.high_by) == (gwu, gwu, gwu)

    def test_a_change_of_status_alone_is_an_entry(self, lg: ledger.Ledger) -> None:
        """A second origin confirming the same 164 changes only status and support."""
        lg.register_source("ministry", name="Ministry", kind="government")
        lg.register_source("website", name="Website", kind="media")
        lg.define_figure("kz/killed", kind="cumulative")
        for origin in ("ministry", "website"):
            lg.append_report(
                Report(
                    outlet=origin,
                    published_at=datetime(2022, 1, 9, 12, tzinfo=UTC),
                    claims=[
                        Claim(figure="kz/killed", value="164", as_of="2022-01-09", origin=origin)
                    ],
                )
            )

        changes = lg.history("kz/killed")

        assert [c.changed for c in changes] == [
            ("defined",),
            ("low", "best", "high", "status", "support"),
            ("status", "support"),
        ]
        before = changes[-1].before
        assert before is not None
        assert (before.status, changes[-1].after.status) == (
            EstimateStatus.SINGLE_ORIGIN,
            EstimateStatus.CONSISTENT,
        )


class TestHistoryPages:
    def test_keyset_pages_cover_the_history_once_in_order(self, quake: ledger.Ledger) -> None:
        """Pages of `limit` entries, each starting after the last position of the one
        before, give the whole history, nothing twice and nothing missed."""
        for hour, value in enumerate(("16", "34", "912", "2,379", "2,975"), start=1):
            report(quake, value, hour=hour)
        whole = quake.history(QUAKE)

        pages, after = [], None
        while page := quake.history(QUAKE, after=after, limit=2):
            pages.append(page)
            after = page[-1].position

        assert [len(page) for page in pages] == [2, 2, 2]
        assert [entry for page in pages for entry in page] == whole

    @pytest.mark.parametrize(("after", "limit"), [(-1, None), (None, 0), ("5", None)])
    def test_a_bad_page_is_refused_naming_the_field(
        self, quake: ledger.Ledger, after: object, limit: object
    ) -> None:
        """A negative `after`, a zero `limit` or a string position is an InvalidInputError."""
        with pytest.raises(ledger.InvalidInputError):
            quake.history(QUAKE, after=after, limit=limit)  # type: ignore[arg-type]
