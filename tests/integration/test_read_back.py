"""What was recorded reads back: a report with its claims, a source with what became of what
it said, a claim's note, and the evidence of every compensating event."""

from __future__ import annotations

from datetime import timedelta

import pytest

import ledger
from ledger import ClaimStatus
from tests.integration.test_ledger_api import FIGURE, PUBLISHED, claim, report, unchanged

HASH = "ab" * 32


@pytest.fixture
def desk(lg: ledger.Ledger) -> ledger.Ledger:
    """A ledger with a ministry (part of a government), a monitor, a wire and one figure."""
    lg.register_source("government", name="Government", kind="government")
    lg.register_source(
        "ministry", name="Ministry", kind="government", parent="government", notes="the press desk"
    )
    lg.register_source("monitor", name="Rights monitor", kind="ngo")
    lg.register_source("wire", name="Wire service", kind="media")
    lg.define_figure(FIGURE, unit="people", kind="cumulative")
    return lg


class TestReport:
    def test_a_report_reads_back_as_filed_with_its_claims(self, desk: ledger.Ledger) -> None:
        """`report` returns every field of the report, its claims and its position."""
        recorded = desk.append_report(
            report(
                claim("at least 10", quote="at least 10 dead", note="from the lead"),
                claim("12", origin="monitor"),
                report_id="wire-1",
                title="Ten dead",
                url="https://example.org/ten",
                channel="web",
                content_hash=HASH,
            )
        )
        found = desk.report("wire-1")
        assert (found.report_id, found.outlet, found.published_at) == ("wire-1", "wire", PUBLISHED)
        assert (found.title, found.url, found.channel, found.content_hash) == (
            "Ten dead",
            "https://example.org/ten",
            "web",
            HASH,
        )
        assert found.position == recorded.first_position
        assert [c.claim_id for c in found.claims] == [c.claim_id for c in recorded.claims]
        assert (found.claims[0].quote, found.claims[0].note) == (
            "at least 10 dead",
            "from the lead",
        )

    def test_a_reports_claims_show_where_they_stand_now(self, desk: ledger.Ledger) -> None:
        """A claim retracted after the report was filed reads back as retracted."""
        recorded = desk.append_report(report(claim("5"), report_id="wire-1"))
        desk.retract(recorded.claims[0].claim_id, by="ministry", reason="error", evidence="memo")
        standing = desk.report("wire-1").claims[0]
        assert standing.status is ClaimStatus.RETRACTED
        assert (standing.status_by, standing.status_evidence) == ("ministry", "memo")

    def test_an_unknown_report_suggests_the_nearest_id(self, desk: ledger.Ledger) -> None:
        """A mistyped report id is refused with the nearest filed id."""
        desk.append_report(report(claim("5"), report_id="wire-2022-01-09"))
        with pytest.raises(ledger.UnknownReportError) as raised:
            desk.report("wire-2022-01-90")
        assert raised.value.suggestion == "wire-2022-01-09"
        assert "did you mean 'wire-2022-01-09'" in str(raised.value)

    def test_the_report_view_serialises_to_json(self, desk: ledger.Ledger) -> None:
        """A report view is a pydantic model that dumps to JSON with its claims."""
        desk.append_report(report(claim("5", note="checked"), report_id="wire-1"))
        text = desk.report("wire-1").model_dump_json()
        assert '"report_id":"wire-1"' in text
        assert '"note":"checked"' in text


class TestSource:
    def test_a_source_reads_back_with_what_it_originated_and_carried(
        self, desk: ledger.Ledger
    ) -> None:
        """`source` lists the claims it originated and those it carried as outlet."""
        recorded = desk.append_report(report(claim("5"), claim("7", origin="monitor")))
        ministry, monitor = (c.claim_id for c in recorded.claims)
        found = desk.source("ministry")
        assert found.source.notes == "the press desk"
        assert found.source.parent == "government"
        assert [c.claim_id for c in found.originated] == [ministry]
        assert found.carried == ()
        wire = desk.source("wire")
        assert wire.originated == ()
        assert [c.claim_id for c in wire.carried] == [ministry, monitor]

    def test_a_sources_claims_show_what_became_of_them(self, desk: ledger.Ledger) -> None:
        """A source's claims carry their current standing."""
        claim_id = desk.append_report(report(claim("5"))).claims[0].claim_id
        desk.retract(claim_id, by="ministry", reason="withdrawn")
        assert desk.source("ministry").originated[0].status is ClaimStatus.RETRACTED
        assert desk.source("wire").carried[0].status is ClaimStatus.RETRACTED

    def test_a_source_lists_the_compensations_it_issued(self, desk: ledger.Ledger) -> None:
        """Each compensating event a source issued reads back with its reason and evidence."""
        first, second = (
            c.claim_id for c in desk.append_report(report(claim("5"), claim("at least 4"))).claims
        )
        when = PUBLISHED + timedelta(hours=3)
        desk.dispute(first, by="monitor", reason="no morgue records", evidence="our count")
        desk.refute(
            second,
            by="monitor",
            reason="double counted",
            evidence="the hospital's list",
            published_at=when,
        )
        issued = desk.source("monitor").compensations
        assert [(c.type, c.claim_id) for c in issued] == [
            ("ClaimDisputed", first),
            ("ClaimRefuted", second),
        ]
        assert (issued[0].reason, issued[0].evidence, issued[0].figure) == (
            "no morgue records",
            "our count",
            FIGURE,
        )
        assert (issued[1].evidence, issued[1].published_at) == ("the hospital's list", when)
        assert desk.source("ministry").compensations == ()

    def test_an_unknown_source_suggests_the_nearest_id(self, desk: ledger.Ledger) -> None:
        """A mistyped source id is refused with the nearest registered id."""
        with pytest.raises(ledger.UnknownSourceError) as raised:
            desk.source("minstry")
        assert raised.value.suggestion == "ministry"

    def test_a_claim_from_a_mistyped_origin_suggests_the_source(self, desk: ledger.Ledger) -> None:
        """Appending a claim whose origin is mistyped names the field and the nearest source."""
        error = unchanged(
            desk,
            lambda: desk.append_report(report(claim("5", origin="minstry"))),
            ledger.UnknownSourceError,
        )
        assert isinstance(error, ledger.UnknownSourceError)
        assert (error.field, error.suggestion) == ("origin", "ministry")


class TestEvidence:
    def test_a_disputes_evidence_is_kept_and_told_from_a_bare_dispute(
        self, desk: ledger.Ledger
    ) -> None:
        """Each dispute reads back with its author, reason, evidence (or none) and position."""
        claim_id = desk.append_report(report(claim("5"))).claims[0].claim_id
        first = desk.dispute(claim_id, by="monitor", reason="no records", evidence="morgue list")
        second = desk.dispute(claim_id, by="wire", reason="doubtful")
        found = desk.claim(claim_id)
        assert [(d.by, d.reason, d.evidence, d.position) for d in found.disputes] == [
            ("monitor", "no records", "morgue list", first.position),
            ("wire", "doubtful", None, second.position),
        ]
        assert found.disputed_by == ("monitor", "wire")
        assert found.status_evidence == "morgue list"

    def test_a_withdrawals_evidence_is_its_standings_evidence(self, desk: ledger.Ledger) -> None:
        """A retraction's evidence reads back on the claim with who withdrew it and why."""
        claim_id = desk.append_report(report(claim("5"))).claims[0].claim_id
        desk.dispute(claim_id, by="monitor", reason="no records")
        desk.retract(claim_id, by="ministry", reason="error", evidence="the deleted post")
        found = desk.claim(claim_id)
        assert (found.status, found.status_evidence) == (ClaimStatus.RETRACTED, "the deleted post")
        assert found.disputed_by == ("monitor",)

    def test_the_estimate_names_the_evidence_behind_a_claims_standing(
        self, desk: ledger.Ledger
    ) -> None:
        """A counted, disputed claim and an excluded, refuted one carry their evidence."""
        kept, refuted = (
            c.claim_id
            for c in desk.append_report(
                report(claim("at least 5"), claim("at least 3", origin="monitor"))
            ).claims
        )
        desk.dispute(kept, by="monitor", reason="no records", evidence="morgue list")
        desk.refute(refuted, by="wire", reason="misread", evidence="the original table")
        provenance = desk.estimate(FIGURE).provenance
        assert provenance.used[0].evidence == ("morgue list",)
        assert provenance.excluded[0].evidence == ("the original table",)

    def test_evidence_and_notes_survive_a_replay(self, desk: ledger.Ledger) -> None:
        """Notes, evidence and disputes are rebuilt by replay exactly as kept live."""
        claim_id = desk.append_report(report(claim("5", note="n"))).claims[0].claim_id
        desk.dispute(claim_id, by="monitor", reason="r", evidence="e")
        before = desk.claim(claim_id)
        assert desk.replay().identical
        assert desk.claim(claim_id) == before
