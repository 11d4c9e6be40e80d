"""A figure's timeline as a service: the steps of its estimate, every claim as a mark and
every withdrawal, on the publication or the recorded time axis — read through the ledger,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

import ledger
from ledger.domain.estimate import EstimateStatus
from ledger.service.timeline import timeline

KILLED = "kz-unrest-2022/killed/kazakhstan"
TROOPS = "kz-unrest-2022/csto-troops/kazakhstan"
RETRACTION_PUBLISHED = datetime(2022, 1, 9, 17, 0, tzinfo=UTC)  # 12:00 -05:00


class TestTimeline:
    def test_publication_axis_follows_what_was_known_when(self, kz: ledger.Ledger) -> None:
        """On the publication axis each step is the estimate as known at that time, and
        the retraction sits at its publication time."""
        line = timeline(kz, KILLED, "published")
        assert len(line.marks) == len(kz.claims(KILLED))
        assert [w.at for w in line.withdrawals] == [RETRACTION_PUBLISHED]
        assert line.steps[-1].best == 164
        assert line.steps[-1].status is EstimateStatus.SINGLE_ORIGIN
        assert all(a.at < b.at for a, b in zip(line.steps, line.steps[1:], strict=False))

    def test_recorded_axis_follows_the_history(self, kz: ledger.Ledger) -> None:
        """On the recorded axis the steps are the history's changes of low/best/high/status."""
        line = timeline(kz, TROOPS, "recorded")
        history = kz.history(TROOPS)
        assert [s.status for s in line.steps] == [
            EstimateStatus.SINGLE_ORIGIN,
            EstimateStatus.CONFLICTING,
        ]
        assert line.steps[-1].at == history[-1].recorded_at
        assert len(line.conflicts) == 1

    def test_recorded_axis_places_claims_and_withdrawals_when_recorded(
        self, kz: ledger.Ledger
    ) -> None:
        """On the recorded axis a claim sits at the time its event was recorded, and the
        retraction at the time the retraction was recorded."""
        line = timeline(kz, KILLED, "recorded")
        recorded = {e.position: e.recorded_at for e in kz.events()}
        claims = {c.claim_id: c for c in kz.claims(KILLED)}
        for mark in line.marks:
            assert mark.at == recorded[claims[mark.claim_id].position]
        (withdrawal,) = line.withdrawals
        position = claims[withdrawal.claim_id].status_position
        assert position is not None
        assert (withdrawal.at, withdrawal.verb) == (recorded[position], "retracted")

    def test_steps_never_repeat_the_step_before(self, kz: ledger.Ledger) -> None:
        """Consecutive steps differ in low, best, high or status: a moment that changes
        nothing is not a step."""
        for axis in ("published", "recorded"):
            steps = timeline(kz, KILLED, axis).steps
            shown = [(s.low, s.best, s.high, s.status) for s in steps]
            assert all(a != b for a, b in itertools.pairwise(shown))

    def test_an_unknown_axis_is_refused(self, kz: ledger.Ledger) -> None:
        """Only the publication and the recorded axes exist."""
        with pytest.raises(ledger.InvalidInputError) as caught:
            timeline(kz, KILLED, "sideways")  # type: ignore[arg-type]  # the wrong value on purpose
        assert caught.value.field == "axis"
