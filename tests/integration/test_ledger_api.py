"""The Python API: recording reports and compensating events, and refusing bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import structlog
from pydantic import ValidationError

import ledger
from ledger import Claim, ClaimStatus, EstimateStatus, Report

FIGURE = "test-event/killed/capital"
PUBLISHED = datetime(2022, 1, 9, 12, tzinfo=UTC)


def report(*claims: Claim, published_at: datetime = PUBLISHED, **fields: Any) -> Report:
    return Report(outlet="wire", published_at=published_at, claims=list(claims), **fields)


def claim(value: str, origin: str = "ministry", **fields: Any) -> Claim:
    fields.setdefault("as_of", date(2022, 1, 9))
    return Claim(figure=FIGURE, value=value, origin=origin, **fields)


@pytest.fixture
def book(api: ledger.Ledger) -> ledger.Ledger:
    """A ledger with a ministry, a monitor, a wire service and one figure: through the
    Python API, and through HTTP (`api`)."""
    return _book(api)


@pytest.fixture
def local_book(lg: ledger.Ledger) -> ledger.Ledger:
    """The same, through the Python API only (for what only a local ledger has)."""
    return _book(lg)


def _book(lg: ledger.Ledger) -> ledger.Ledger:
    lg.register_source("government", name="Government", kind="government")
    lg.register_source("ministry", name="Ministry", kind="government", parent="government")
    lg.register_source("monitor", name="Rights monitor", kind="ngo")
    lg.register_source("wire", name="Wire service", kind="media")
    lg.define_figure(FIGURE, unit="people", kind="cumulative")
    return lg


def unchanged(lg: ledger.Ledger, action: Callable[[], object], error: type[Exception]) -> Exception:
    """Run `action`, expect `error`, and check nothing was appended and the chain verifies."""
    head = lg.head()
    with pytest.raises(error) as raised:
        action()
    assert lg.head() == head
    assert lg.verify().ok
    return raised.value


class TestAppendReport:
    def test_a_report_and_its_claims_are_recorded_atomically(self, book: ledger.Ledger) -> None:
        """Appending a report records the report and each claim, with positions."""
        recorded = book.append_report(report(claim("at least 10"), claim("12", origin="monitor")))
        assert len(recorded.claims) == 2
        assert recorded.last_position - recorded.first_position == 2
        assert recorded.claims[0].quantity.low == 10
        estimate = book.estimate(FIGURE)
        assert (estimate.low, estimate.best, estimate.high) == (12, 12, 12)
        assert estimate.status is EstimateStatus.CONSISTENT

    def test_results_serialise_to_json(self, book: ledger.Ledger) -> None:
        """Results are pydantic models that print and serialise to JSON."""
        book.append_report(report(claim("around 2,500")))
        estimate = book.estimate(FIGURE)
        assert '"low":2450' in estimate.model_dump_json()
        assert "2450" in str(estimate)

    def test_a_batch_of_reports_is_all_or_nothing(self, book: ledger.Ledger) -> None:
        """If one report in a batch is bad, none of them is recorded."""
        good = report(claim("5"))
        bad = report(
            Claim(figure="test-event/unknown", value="3", as_of=date(2022, 1, 9), origin="ministry")
        )
        unchanged(book, lambda: book.append_reports([good, bad]), ledger.UnknownFigureError)

    def test_an_empty_batch_records_nothing(self, book: ledger.Ledger) -> None:
        """Appending no reports is not an error: nothing is recorded, nothing returned."""
        head = book.head()
        assert book.append_reports([]) == []
        assert book.head() == head

    def test_the_same_report_id_twice_is_refused(self, book: ledger.Ledger) -> None:
        """A report id can be used once."""
        book.append_report(report(claim("5"), report_id="r-1"))
        unchanged(
            book,
            lambda: book.append_report(report(claim("6"), report_id="r-1")),
            ledger.AlreadyExistsError,
        )


class TestBadInput:
    def test_unknown_origin_is_named(self, book: ledger.Ledger) -> None:
        """A claim from an unregistered origin names the origin field."""
        error = unchanged(
            book,
            lambda: book.append_report(report(claim("5", origin="nobody"))),
            ledger.UnknownSourceError,
        )
        assert "origin" in str(error)

    def test_unknown_figure_suggests_the_nearest(self, book: ledger.Ledger) -> None:
        """A mistyped figure key is refused with the nearest known key."""
        typo = Claim(
            figure="test-event/kiled/capital", value="5", as_of=date(2022, 1, 9), origin="ministry"
        )
        error = unchanged(book, lambda: book.append_report(report(typo)), ledger.UnknownFigureError)
        assert isinstance(error, ledger.UnknownFigureError)
        assert error.suggestion == FIGURE

    def test_an_unparseable_value_is_quoted_never_guessed(self, book: ledger.Ledger) -> None:
        """A value the lexicon cannot read raises an error naming the field and quoting it."""
        error = unchanged(
            book,
            lambda: book.append_report(report(claim("a great many"))),
            ledger.QuantityParseError,
        )
        assert "claims[0].value" in str(error)
        assert "a great many" in str(error)

    def test_a_negative_count_is_refused(self, book: ledger.Ledger) -> None:
        """A negative number is not a count."""
        unchanged(book, lambda: book.append_report(report(claim("-5"))), ledger.QuantityParseError)

    def test_an_as_of_after_publication_is_refused(self, book: ledger.Ledger) -> None:
        """A report cannot count the future: as-of later than publication is refused."""
        late = claim("5", as_of=date(2022, 1, 10))
        error = unchanged(book, lambda: book.append_report(report(late)), ledger.InvalidInputError)
        assert "as_of" in str(error)

    def test_a_naive_publication_time_is_refused(self) -> None:
        """Naive datetimes are ambiguous: a report needs a time zone."""
        with pytest.raises(ValidationError, match="time zone"):
            report(claim("5"), published_at=datetime(2022, 1, 9, 12))

    def test_a_claim_without_a_figure_is_refused(self) -> None:
        """Every claim names its figure."""
        with pytest.raises(ValidationError, match="figure"):
            Claim(value="5", as_of=date(2022, 1, 9), origin="ministry")  # type: ignore[call-arg]

    def test_a_unit_mismatch_is_refused(self, book: ledger.Ledger) -> None:
        """A value in tenge cannot count people."""
        error = unchanged(
            book,
            lambda: book.append_report(report(claim("90,000 tenge"))),
            ledger.InvalidInputError,
        )
        assert "KZT" in str(error)

    def test_a_publication_time_in_the_future_is_refused(self, book: ledger.Ledger) -> None:
        """A report published later than now (beyond the clock skew) is a typo, refused."""
        typo = datetime.now(UTC).replace(year=2081)
        error = unchanged(
            book,
            lambda: book.append_report(report(claim("5"), published_at=typo)),
            ledger.InvalidInputError,
        )
        assert isinstance(error, ledger.InvalidInputError)
        assert error.field == "published_at"
        assert "in the future" in error.reason

    def test_a_publication_time_within_the_clock_skew_is_accepted(
        self, book: ledger.Ledger
    ) -> None:
        """A clock a minute ahead of the ledger's is tolerated (CLOCK_SKEW is 5 minutes)."""
        ahead = datetime.now(UTC) + timedelta(minutes=1)
        book.append_report(report(claim("5"), published_at=ahead))
        assert book.estimate(FIGURE).best == 5

    def test_a_compensation_published_in_the_future_is_refused(self, book: ledger.Ledger) -> None:
        """A retraction dated after now is refused naming `published_at`."""
        claim_id = book.append_report(report(claim("5"))).claims[0].claim_id
        later = datetime.now(UTC) + timedelta(hours=1)
        error = unchanged(
            book,
            lambda: book.retract(claim_id, by="ministry", reason="x", published_at=later),
            ledger.InvalidInputError,
        )
        assert "published_at" in str(error)

    def test_a_blank_quote_is_refused_and_none_is_fine(self, book: ledger.Ledger) -> None:
        """A quote is optional, but an empty one given explicitly is a mistake."""
        with pytest.raises(ValidationError, match="quote"):
            claim("5", quote="  ")
        recorded = book.append_report(report(claim("5")))
        assert book.claim(recorded.claims[0].claim_id).quote == ""

    def test_a_correction_keeps_a_claim_without_a_quote(self, book: ledger.Ledger) -> None:
        """Correcting a claim recorded without a quote does not trip over the missing quote."""
        claim_id = book.append_report(report(claim("5"))).claims[0].claim_id
        fixed = book.correct(claim_id, value="6", reason="typo")
        assert book.claim(fixed.claim_id).quote == ""

    def test_a_correction_must_give_a_reason(self, book: ledger.Ledger) -> None:
        """Like a retraction or a dispute, a correction without a reason is refused."""
        claim_id = book.append_report(report(claim("5"))).claims[0].claim_id
        error = unchanged(
            book, lambda: book.correct(claim_id, value="6", reason=""), ledger.InvalidInputError
        )
        assert "reason" in str(error)

    def test_a_mistyped_source_suggests_the_nearest(self, book: ledger.Ledger) -> None:
        """A compensation by a mistyped source names the field and the nearest source id."""
        claim_id = book.append_report(report(claim("5"))).claims[0].claim_id
        error = unchanged(
            book,
            lambda: book.dispute(claim_id, by="monitr", reason="x"),
            ledger.UnknownSourceError,
        )
        assert "(did you mean 'monitor'?)" in str(error)

    def test_registering_a_source_twice_is_refused(self, book: ledger.Ledger) -> None:
        """Source ids are unique."""
        unchanged(
            book,
            lambda: book.register_source("wire", name="Again", kind="media"),
            ledger.AlreadyExistsError,
        )


class TestCompensatingEvents:
    def test_a_retraction_keeps_the_claim_and_stops_it_counting(self, book: ledger.Ledger) -> None:
        """A retracted claim stays on record; when nothing counts, best is null, never 0."""
        recorded = book.append_report(report(claim("at least 164")))
        book.retract(
            recorded.claims[0].claim_id,
            by="ministry",
            reason="technical error",
            published_at=PUBLISHED + timedelta(hours=2),
        )
        estimate = book.estimate(FIGURE)
        assert estimate.status is EstimateStatus.RETRACTED
        assert (estimate.low, estimate.best, estimate.high) == (None, None, None)
        assert book.claims(FIGURE)[0].status is ClaimStatus.RETRACTED

    def test_retracting_twice_is_refused(self, book: ledger.Ledger) -> None:
        """A claim can be withdrawn once."""
        claim_id = book.append_report(report(claim("5"))).claims[0].claim_id
        book.retract(claim_id, by="ministry", reason="error")
        error = unchanged(
            book,
            lambda: book.retract(claim_id, by="ministry", reason="again"),
            ledger.InvalidTransitionError,
        )
        assert "already retracted" in str(error)

    def test_retracting_a_retraction_is_refused(self, book: ledger.Ledger) -> None:
        """A compensating event is not a claim and cannot itself be retracted."""
        claim_id = book.append_report(report(claim("5"))).claims[0].claim_id
        retraction = book.retract(claim_id, by="ministry", reason="error")
        unchanged(
            book,
            lambda: book.retract(retraction.event_id, by="ministry", reason="undo"),
            ledger.InvalidTransitionError,
        )

    def test_unknown_claim_or_source_in_a_retraction_is_named(self, book: ledger.Ledger) -> None:
        """Retracting an unknown claim, or by an unknown source, names the field."""
        claim_id = book.append_report(report(claim("5"))).claims[0].claim_id
        unchanged(
            book,
            lambda: book.retract("c_missing", by="ministry", reason="x"),
            ledger.UnknownClaimError,
        )
        error = unchanged(
            book, lambda: book.retract(claim_id, by="ghost", reason="x"), ledger.UnknownSourceError
        )
        assert "by" in str(error)

    def test_a_retraction_must_give_a_reason(self, book: ledger.Ledger) -> None:
        """A compensating event without a reason is refused."""
        claim_id = book.append_report(report(claim("5"))).claims[0].claim_id
        unchanged(
            book,
            lambda: book.retract(claim_id, by="ministry", reason=" "),
            ledger.InvalidInputError,
        )

    def test_retract_report_withdraws_all_its_claims(self, book: ledger.Ledger) -> None:
        """Retracting a report withdraws each of its claims in one transaction."""
        recorded = book.append_report(report(claim("5"), claim("at least 4")))
        events = book.retract_report(recorded.report_id, by="ministry", reason="removed")
        assert len(events) == 2
        assert all(c.status is ClaimStatus.RETRACTED for c in book.claims(FIGURE))

    def test_a_dispute_flags_but_still_counts(self, book: ledger.Ledger) -> None:
        """A disputed claim still counts, flagged with who disputes it."""
        claim_id = book.append_report(report(claim("5"))).claims[0].claim_id
        book.dispute(claim_id, by="monitor", reason="no morgue records")
        estimate = book.estimate(FIGURE)
        assert estimate.best == 5
        assert estimate.provenance.used[0].flags

    def test_supersede_needs_the_same_origin_and_figure(self, book: ledger.Ledger) -> None:
        """A newer figure from the same origin supersedes the old one; another origin cannot."""
        old = book.append_report(report(claim("at least 5"))).claims[0].claim_id
        other = book.append_report(report(claim("7", origin="monitor"))).claims[0].claim_id
        unchanged(
            book,
            lambda: book.supersede(old, replacement=other, by="ministry"),
            ledger.InvalidInputError,
        )
        newer = book.append_report(report(claim("at least 9"))).claims[0].claim_id
        book.supersede(old, replacement=newer, by="ministry")
        assert book.claim(old).status is ClaimStatus.SUPERSEDED

    def test_a_correction_replaces_our_extraction_and_is_not_a_retraction(
        self, book: ledger.Ledger
    ) -> None:
        """Correcting our own mistake marks the claim corrected and records the fixed value."""
        claim_id = book.append_report(report(claim("at least 61"))).claims[0].claim_id
        fixed = book.correct(claim_id, value="at least 16", reason="typo in extraction")
        assert book.claim(claim_id).status is ClaimStatus.CORRECTED
        assert book.estimate(FIGURE).low == 16
        assert book.claim(fixed.claim_id).status is ClaimStatus.ACTIVE


class TestQueries:
    def test_estimate_as_of_position_time_and_known_on(self, book: ledger.Ledger) -> None:
        """The three time axes answer what was known at a position, a time and a date."""
        first = book.append_report(report(claim("at least 10")))
        later = PUBLISHED + timedelta(days=2)
        book.append_report(
            report(claim("at least 20", as_of=date(2022, 1, 11)), published_at=later)
        )
        assert book.estimate(FIGURE).low == 20
        assert book.estimate(FIGURE, at_position=first.last_position).low == 10
        assert book.estimate(FIGURE, known_on=date(2022, 1, 10)).low == 10
        assert (
            book.estimate(FIGURE, recorded_before=datetime(2000, 1, 1, tzinfo=UTC)).status
            is EstimateStatus.NO_DATA
        )

    def test_known_on_a_day_ends_at_midnight_utc(self, book: ledger.Ledger) -> None:
        """Known on day D holds reports published by D 23:59:59 UTC, whatever their zone."""
        late = book.append_report(
            report(
                claim("1", as_of=date(2022, 1, 9)),
                published_at=datetime(2022, 1, 9, 23, 59, tzinfo=UTC),
            )
        )
        next_day = book.append_report(
            report(
                claim("2", origin="monitor", as_of=date(2022, 1, 10)),
                published_at=datetime(2022, 1, 10, 0, 30, tzinfo=UTC),
            )
        )
        west = timezone(timedelta(hours=-2))  # 9 January 23:30 there is 10 January 01:30 UTC
        evening_west = book.append_report(
            report(
                claim("3", origin="wire", as_of=date(2022, 1, 9)),
                published_at=datetime(2022, 1, 9, 23, 30, tzinfo=west),
            )
        )

        def known(day: date) -> set[str]:
            used = book.estimate(FIGURE, known_on=day).provenance
            return {use.report_id for use in (*used.used, *used.excluded)}

        assert known(date(2022, 1, 9)) == {late.report_id}
        assert known(date(2022, 1, 10)) == {
            late.report_id,
            next_day.report_id,
            evening_west.report_id,
        }

    def test_only_one_time_axis_at_a_time(self, book: ledger.Ledger) -> None:
        """Asking for two time axes at once is an error, not a silent choice."""
        with pytest.raises(ledger.InvalidInputError):
            book.estimate(FIGURE, at_position=1, known_on=date(2022, 1, 9))

    def test_history_ties_each_change_to_its_event(self, book: ledger.Ledger) -> None:
        """Each history entry names the event that caused it."""
        recorded = book.append_report(report(claim("at least 10")))
        changes = book.history(FIGURE)
        assert changes[-1].cause.event.position == recorded.last_position
        assert changes[-1].after.low == 10

    def test_events_are_decoded_in_order(self, book: ledger.Ledger) -> None:
        """The log reads back as typed domain events, in position order."""
        events = list(book.events())
        assert [e.position for e in events] == list(range(1, len(events) + 1))
        assert events[0].event.type == "SourceRegistered"
        assert events[0].metadata["actor"] == "tester"

    def test_actor_correlation_and_causation_are_recorded(self, local_book: ledger.Ledger) -> None:
        """Each event's metadata names the acting principal and the correlation/causation ids."""
        local_book.acting("alice", correlation_id="req-7", causation_id="tip-3").append_report(
            report(claim("5"))
        )
        metadata = list(local_book.events())[-1].metadata
        assert metadata["actor"] == "alice"
        assert (metadata["correlation_id"], metadata["causation_id"]) == ("req-7", "tip-3")
        assert next(iter(local_book.events())).metadata["actor"] == "tester"

    def test_appends_and_replays_are_logged_with_positions(self, local_book: ledger.Ledger) -> None:
        """Appends log their positions and count; replays log the events rebuilt."""
        with structlog.testing.capture_logs() as logs:
            local_book.append_report(report(claim("5")))
            local_book.replay()
        appended = [e for e in logs if e["event"] == "appended"]
        assert appended
        assert appended[0]["count"] == 2
        assert any(e["event"] == "replayed" and e["identical"] for e in logs)
