"""The founding case: what a journalist must see for the January 2022 Kazakhstan articles."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import ledger
from ledger import ClaimStatus, EstimateStatus

DETAINED = "kz-unrest-2022/detained/kazakhstan"
KILLED = "kz-unrest-2022/killed/kazakhstan"
KILLED_ALMATY = "kz-unrest-2022/killed/almaty"
TROOPS = "kz-unrest-2022/csto-troops/kazakhstan"
INJURED = "kz-unrest-2022/injured/kazakhstan"


def by_id(estimate: ledger.FigureEstimate) -> dict[str, ledger.ClaimUse]:
    provenance = estimate.provenance
    return {use.claim_id: use for use in (*provenance.used, *provenance.excluded)}


class TestDetained:
    def test_low_is_the_interior_ministry_floor_and_high_is_below_six_thousand(
        self, kz: ledger.Ledger
    ) -> None:
        """Detained reads 5,969 (Interior Ministry) to 5,999 ("nearly 6,000"), best 5,969."""
        estimate = kz.estimate(DETAINED)
        assert (estimate.low, estimate.best, estimate.high) == (5969, 5969, 5999)
        assert estimate.status in (EstimateStatus.CONSISTENT, EstimateStatus.SINGLE_ORIGIN)

    def test_several_reports_rest_on_fewer_independent_origins(self, kz: ledger.Ledger) -> None:
        """Four claims in two reports collapse onto one independent origin."""
        provenance = kz.estimate(DETAINED).provenance
        assert len(provenance.used) == 4
        assert len(provenance.reports) == 2
        assert len(provenance.origins) < len(provenance.reports)
        assert ("rferl-detained-nearly-6000", "rferl-detained-5969") in provenance.derivation


class TestKilledAfterTheTelegramRetraction:
    def test_health_ministry_claims_are_retracted_with_the_reason(self, kz: ledger.Ledger) -> None:
        """The Telegram message's 164 and 103 are retracted by the Information Ministry."""
        for claim_id in ("telegram-killed-164", "telegram-killed-almaty-103"):
            claim = kz.claim(claim_id)
            assert claim.status is ClaimStatus.RETRACTED
            assert claim.status_by == "kz-information-ministry"
            assert "technical error" in (claim.status_reason or "")

    def test_relays_of_the_removed_message_rest_on_a_withdrawn_source(
        self, kz: ledger.Ledger
    ) -> None:
        """The NYT's relay of the Health Ministry's figure no longer counts."""
        uses = by_id(kz.estimate(KILLED))
        assert not uses["nyt-killed-164"].counted
        assert "telegram-killed-164" in uses["nyt-killed-164"].reason
        assert not uses["telegram-killed-164"].counted
        assert "technical error" in uses["telegram-killed-164"].reason

    def test_what_remains_counts_with_reduced_support(self, kz: ledger.Ledger) -> None:
        """The unnamed website's "at least 164" still holds the floor, on less support."""
        estimate = kz.estimate(KILLED)
        assert estimate.low == 164
        assert estimate.best == 164
        assert "kz-government" not in estimate.provenance.origins
        almaty = kz.estimate(KILLED_ALMATY)
        assert (almaty.low, almaty.best, almaty.high) == (103, 103, 103)
        assert almaty.provenance.origins == ("unnamed-news-website",)

    def test_the_earlier_dozens_do_not_corroborate_164(self, kz: ledger.Ledger) -> None:
        """After the retraction the website's 164 stands alone: the NYT's earlier "dozens"
        supports its floor as an earlier report, and Almaty's 103 is a floor below it."""
        estimate = kz.estimate(KILLED)
        assert estimate.status is EstimateStatus.SINGLE_ORIGIN
        assert estimate.provenance.origins == ("unnamed-news-website",)
        assert estimate.provenance.earlier_origins == ("earlier-reports",)
        assert [(f.figure, f.low, f.applied) for f in estimate.provenance.floors] == [
            (KILLED_ALMATY, 103, False)
        ]

    def test_history_shows_the_retraction_as_the_cause_of_a_change(self, kz: ledger.Ledger) -> None:
        """The killed figure's history has a change caused by the retraction."""
        changes = kz.history(KILLED)
        retraction = [c for c in changes if c.cause.event.event_type == "ClaimRetracted"]
        assert len(retraction) == 1
        change = retraction[0]
        assert change.cause.by == "kz-information-ministry"
        assert change.before is not None
        assert change.before.origins > change.after.origins
        assert "support" in change.changed

    def test_before_the_retraction_the_health_ministry_counted(self, kz: ledger.Ledger) -> None:
        """As the ledger stood before the retraction, the government was an origin."""
        retraction = next(
            c for c in kz.history(KILLED) if c.cause.event.event_type == "ClaimRetracted"
        )
        before = kz.estimate(KILLED, at_position=retraction.position - 1)
        assert "kz-government" in before.provenance.origins
        assert by_id(before)["telegram-killed-164"].counted


class TestTroops:
    def test_more_than_3000_against_around_2500_is_a_conflict_naming_both(
        self, kz: ledger.Ledger
    ) -> None:
        """RFE/RL's "more than 3,000" and the NYT's "around 2,500" conflict; best withheld."""
        estimate = kz.estimate(TROOPS)
        assert estimate.status is EstimateStatus.CONFLICTING
        assert set(estimate.provenance.conflict) == {
            "rferl-csto-troops-3000",
            "nyt-csto-troops-2500",
        }
        assert estimate.best is None
        assert (estimate.low, estimate.high) == (2450, None)


class TestOtherFigures:
    def test_injured_floor_is_2001(self, kz: ledger.Ledger) -> None:
        """ "More than 2,000" injured means at least 2,001."""
        assert kz.estimate(INJURED).low == 2001

    def test_every_inventory_figure_is_in_the_seeds(self, kz: ledger.Ledger) -> None:
        """All sixteen figures of the seed inventory are claims in the ledger."""
        claims = [c for f in kz.figures() for c in kz.claims(f.figure)]
        values = sorted(c.value for c in claims if not c.report_id.startswith("kz-telegram"))
        assert len(values) == 17  # 16 inventory rows; "90,000 tenge (about $200)" is two
        assert "thousands" in values
        assert "dozens" in values

    def test_the_disputed_confession_still_counts_flagged(self, kz: ledger.Ledger) -> None:
        """A dispute flags the televised confession's figure but keeps it counted."""
        estimate = kz.estimate("kz-unrest-2022/payment-promised-kzt/ruzakhunov")
        use = by_id(estimate)["rferl-payment-kzt"]
        assert use.counted
        assert any("disputed" in flag for flag in use.flags)
        assert estimate.best == Decimal(90000)

    def test_known_on_the_day_before_shows_only_earlier_reports(self, kz: ledger.Ledger) -> None:
        """As known on 8 January 2022, nothing in the seeds had been published yet."""
        estimate = kz.estimate(KILLED, known_on=date(2022, 1, 8))
        assert estimate.status is EstimateStatus.NO_DATA
        assert estimate.best is None

    def test_the_seeded_ledger_verifies_and_replays_identically(self, kz: ledger.Ledger) -> None:
        """After loading, the chain verifies and a rebuild equals the live read model."""
        assert kz.verify().ok
        result = kz.replay()
        assert result.identical, result.differences
