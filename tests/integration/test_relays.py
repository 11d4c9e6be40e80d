"""Relays collapse onto their root origin, whatever origin the relaying report states —
on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import ledger
from ledger import Claim, EstimateStatus, Report

FIGURE = "test-event/killed/capital"


class TestRelayWithAStatedOrigin:
    def test_a_relay_stating_an_independent_origin_still_rests_on_the_relayed_one(
        self, lg: ledger.Ledger
    ) -> None:
        """An outlet relays body A's claim but names independent body B as its origin:
        the relay's root is A's claim, and the estimate counts one independent origin."""
        lg.register_source("body-a", name="Ministry A", kind="government")
        lg.register_source("body-b", name="Monitor B", kind="ngo")
        lg.register_source("wire", name="Wire service", kind="media")
        lg.register_source("daily", name="The Daily", kind="media")
        lg.define_figure(FIGURE, unit="people", kind="cumulative")
        said = Claim(
            figure=FIGURE,
            value="at least 40",
            as_of=date(2022, 1, 9),
            origin="body-a",
            claim_id="a-40",
        )
        relayed = Claim(
            figure=FIGURE,
            value="at least 40",
            as_of=date(2022, 1, 9),
            origin="body-b",
            derived_from="a-40",
            claim_id="daily-40",
        )
        lg.append_report(
            Report(outlet="wire", published_at=datetime(2022, 1, 9, 12, tzinfo=UTC), claims=[said])
        )
        lg.append_report(
            Report(
                outlet="daily", published_at=datetime(2022, 1, 9, 15, tzinfo=UTC), claims=[relayed]
            )
        )

        relay = lg.claim("daily-40")
        assert relay.origin == "body-b"  # what the report stated is kept as written
        assert (relay.root_origin, relay.root_claim_id) == ("body-a", "a-40")

        estimate = lg.estimate(FIGURE)
        assert estimate.provenance.origins == ("body-a",)
        assert estimate.provenance.derivation == (("daily-40", "a-40"),)
        assert estimate.status is EstimateStatus.SINGLE_ORIGIN
        assert estimate.provenance.summary.endswith("1 independent origin")
        assert {use.claim_id for use in estimate.provenance.used} == {"a-40", "daily-40"}
