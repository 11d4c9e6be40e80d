"""Who may compensate what: the ledger's rules, checked without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ledger.domain.estimate import ClaimStatus, ClaimView
from ledger.domain.events import (
    ClaimDisputed,
    ClaimRefuted,
    ClaimRetracted,
    ClaimSuperseded,
    Compensation,
)
from ledger.domain.quantity import parse_quantity
from ledger.domain.rules import check_compensation
from ledger.errors import InvalidInputError, InvalidTransitionError, NotEntitledError

BODIES = {
    "kz-health-ministry": "kz-government",
    "kz-information-ministry": "kz-government",
    "kz-interior-ministry": "kz-government",
}
PUBLISHED = datetime(2022, 1, 9, 6, tzinfo=UTC)


def body(source: str) -> str:
    return BODIES.get(source, source)


def claim(
    claim_id: str = "c_164",
    *,
    origin: str = "kz-health-ministry",
    outlet: str = "kz-government-telegram",
    figure: str = "kz/killed",
    as_of: date = date(2022, 1, 9),
    published_at: datetime = PUBLISHED,
    status: ClaimStatus = ClaimStatus.ACTIVE,
    disputed_by: tuple[str, ...] = (),
) -> ClaimView:
    return ClaimView(
        claim_id=claim_id,
        report_id="r",
        figure=figure,
        value="at least 164",
        quantity=parse_quantity("at least 164"),
        as_of=as_of,
        origin=origin,
        outlet=outlet,
        published_at=published_at,
        position=1,
        root_claim_id=claim_id,
        root_origin=origin,
        status=status,
        disputed_by=disputed_by,
    )


def check(event: Compensation, target: ClaimView, replacement: ClaimView | None = None) -> None:
    check_compensation(event, target, replacement, body)


def retraction(by: str) -> ClaimRetracted:
    return ClaimRetracted(claim_id="c_164", by=by, reason="withdrawn")


class TestRetraction:
    @pytest.mark.parametrize(
        "by", ["kz-health-ministry", "kz-information-ministry", "kz-government-telegram"]
    )
    def test_the_issuer_its_body_or_the_outlet_may_retract(self, by: str) -> None:
        """The origin, a source of the same top-level body, or the outlet for its own copy."""
        check(retraction(by), claim())

    def test_anyone_else_is_refused_and_told_to_dispute(self) -> None:
        """An unrelated source cannot retract; the error says to dispute instead."""
        with pytest.raises(NotEntitledError) as caught:
            check(retraction("someone-unrelated"), claim())

        assert caught.value.field == "by"
        assert "a retraction is the issuer's act" in str(caught.value)
        assert "dispute it" in caught.value.instead

    def test_an_outlet_cannot_retract_another_outlet_copy(self) -> None:
        """The NYT may withdraw its own report's copy, not the Telegram channel's."""
        with pytest.raises(NotEntitledError):
            check(retraction("nyt"), claim())


class TestSupersession:
    def test_the_same_body_supersedes_with_a_newer_claim(self) -> None:
        """The Information Ministry replaces the Health Ministry's claim with a later one."""
        newer = claim("c_new", origin="kz-interior-ministry", as_of=date(2022, 1, 10))
        event = ClaimSuperseded(
            claim_id="c_164", by="kz-information-ministry", reason="newer", replacement="c_new"
        )

        check(event, claim(), newer)

    def test_another_body_may_not_supersede(self) -> None:
        """A newspaper cannot supersede a ministry's figure; it is told what to do instead."""
        newer = claim("c_new", origin="kz-interior-ministry", as_of=date(2022, 1, 10))
        event = ClaimSuperseded(claim_id="c_164", by="nyt", reason="newer", replacement="c_new")

        with pytest.raises(NotEntitledError) as caught:
            check(event, claim(), newer)
        assert "record the newer figure as a claim of its own" in caught.value.instead

    @pytest.mark.parametrize(
        ("replacement", "reason"),
        [
            (claim("c_new", as_of=date(2022, 1, 8)), "is older than"),
            (claim("c_new", origin="rferl", as_of=date(2022, 1, 10)), "from the same body"),
            (claim("c_new", figure="kz/injured", as_of=date(2022, 1, 10)), "same figure"),
            (claim("c_new", status=ClaimStatus.RETRACTED), "no longer counts"),
            (claim("c_164"), "cannot supersede itself"),
        ],
    )
    def test_the_replacement_must_be_newer_same_figure_same_body_and_standing(
        self, replacement: ClaimView, reason: str
    ) -> None:
        """A replacement older, of another figure or body, withdrawn, or the claim itself is
        refused, naming the replacement field."""
        event = ClaimSuperseded(
            claim_id="c_164", by="kz-health-ministry", reason="r", replacement=replacement.claim_id
        )

        with pytest.raises(InvalidInputError) as caught:
            check(event, claim(), replacement)
        assert caught.value.field == "replacement"
        assert reason in caught.value.reason


class TestRefutationAndDispute:
    def test_a_refutation_without_evidence_is_refused(self) -> None:
        """A refutation is an editorial judgement: it carries evidence, or it is a dispute."""
        with pytest.raises(InvalidInputError) as caught:
            check(ClaimRefuted(claim_id="c_164", by="ohchr", reason="false", evidence=" "), claim())
        assert caught.value.field == "evidence"

    def test_a_refutation_with_evidence_is_anyone_editorial_call(self) -> None:
        """Any source may refute, with evidence."""
        check(
            ClaimRefuted(claim_id="c_164", by="ohchr", reason="false", evidence="morgue lists"),
            claim(),
        )

    def test_the_same_source_disputing_twice_is_refused(self) -> None:
        """A second dispute by the same source records nothing and says so."""
        disputed = claim(status=ClaimStatus.DISPUTED, disputed_by=("hrw",))

        with pytest.raises(InvalidTransitionError) as caught:
            check(ClaimDisputed(claim_id="c_164", by="hrw", reason="again"), disputed)
        assert "already disputes" in str(caught.value)

    def test_another_source_may_dispute_a_disputed_claim(self) -> None:
        """Disputes from different sources add up."""
        disputed = claim(status=ClaimStatus.DISPUTED, disputed_by=("hrw",))

        check(ClaimDisputed(claim_id="c_164", by="amnesty", reason="also"), disputed)

    def test_nothing_compensates_a_withdrawn_claim(self) -> None:
        """A retracted claim cannot be retracted, disputed or refuted again."""
        with pytest.raises(InvalidTransitionError):
            check(retraction("kz-health-ministry"), claim(status=ClaimStatus.RETRACTED))

    def test_a_compensation_cannot_predate_its_claim(self) -> None:
        """A retraction published before the claim it withdraws is refused."""
        early = ClaimRetracted(
            claim_id="c_164",
            by="kz-health-ministry",
            reason="r",
            published_at=datetime(2022, 1, 8, tzinfo=UTC),
        )

        with pytest.raises(InvalidInputError) as caught:
            check(early, claim())
        assert caught.value.field == "published_at"
