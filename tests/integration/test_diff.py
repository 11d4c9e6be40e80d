"""The figure diff as a service: two estimates of a figure compared, the claims whose
standing or flags changed, and the events in between — read from a ledger, on SQLite and
on PostgreSQL; the comparison itself is a pure function of two estimates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import ledger
from ledger.service.diff import Moment, claim_differences, compare, figure_diff

KILLED = "kz-unrest-2022/killed/kazakhstan"
TROOPS = "kz-unrest-2022/csto-troops/kazakhstan"


def _position(position: int) -> Moment:
    return Moment("position", str(position), position=position)


def _day(day: date) -> Moment:
    return Moment("known_on", day.isoformat(), known_on=day)


class TestFigureDiff:
    def test_a_retraction_is_the_event_between_its_two_positions(self, kz: ledger.Ledger) -> None:
        """From the position before a retraction to the retraction itself, the one event
        listed is the retraction, and the retracted claim stops counting."""
        retraction = next(
            c for c in kz.history(KILLED) if c.cause.event.event_type == "ClaimRetracted"
        )
        diff = figure_diff(
            kz, KILLED, _position(retraction.position - 1), _position(retraction.position)
        )
        assert [e.position for e in diff.events] == [retraction.position]
        assert any(c.after is not None and c.after.startswith("not counted") for c in diff.claims)

    def test_a_second_troops_claim_puts_the_first_in_conflict(self, kz: ledger.Ledger) -> None:
        """When the second troops claim arrives, the first — counted before and after — is
        listed as now "in conflict"."""
        second = kz.history(TROOPS)[-1].position
        diff = figure_diff(kz, TROOPS, _position(second - 1), _position(second))
        first = {c.claim_id: c for c in diff.claims}["rferl-csto-troops-3000"]
        assert first.before == first.after == "counted"
        assert (first.flags_before, first.flags_after) == ((), ("in conflict",))

    def test_dates_select_events_by_publication(self, kz: ledger.Ledger) -> None:
        """Between two dates, every event listed was published after the first day ended
        and by the end of the second."""
        diff = figure_diff(kz, KILLED, _day(date(2022, 1, 8)), _day(date(2022, 1, 9)))
        assert diff.events
        for change in diff.events:
            published = change.cause.published_at or change.recorded_at
            assert datetime(2022, 1, 9, tzinfo=UTC) <= published < datetime(2022, 1, 10, tzinfo=UTC)

    def test_a_date_is_not_compared_with_a_position(self, kz: ledger.Ledger) -> None:
        """A date and a position cannot be compared: the error names the second moment by
        the field name the caller gave."""
        with pytest.raises(ledger.InvalidInputError, match="compare a date with a date") as caught:
            figure_diff(
                kz, KILLED, _day(date(2022, 1, 8)), _position(12), fields=("--from", "--to")
            )
        assert caught.value.field == "--to"

    def test_the_start_must_not_be_later_than_the_end(self, kz: ledger.Ledger) -> None:
        """Moments in the wrong order are refused, naming the start."""
        with pytest.raises(ledger.InvalidInputError) as caught:
            figure_diff(kz, KILLED, _position(20), _position(10))
        assert (caught.value.field, caught.value.reason) == ("start", "must not be later than end")


class TestCompare:
    def test_is_a_function_of_two_estimates(self, kz: ledger.Ledger) -> None:
        """`compare` needs no ledger: the same estimate twice differs in nothing, and its
        claims against an empty estimate are all new."""
        now = kz.estimate(KILLED)
        empty = kz.estimate(KILLED, known_on=datetime(2022, 1, 1, tzinfo=UTC))
        same = compare(now, now, [], start="now", end="now")
        assert (same.changed, same.claims, same.events) == ((), (), ())
        assert same.figure == KILLED
        fresh = claim_differences(empty, now)
        assert {c.claim_id for c in fresh} == {
            u.claim_id for u in (*now.provenance.used, *now.provenance.excluded)
        }
        assert all(c.before is None for c in fresh)
