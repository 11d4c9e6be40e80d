"""A figure over time, as data for a picture: the steps of its estimate, every claim as a
mark, every withdrawal (a retraction, a refutation), on one of two time axes.

Publication (`"published"`): the estimate as known at each moment a report or a
compensating event was published — "as known on", from the read model. Recorded
(`"recorded"`): the estimate after each change the ledger recorded — its history. The
events behind each step are read back from the log, one position at a time, to place
them on the axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from ledger.domain.estimate import ClaimStatus, EstimateStatus
from ledger.domain.events import Event
from ledger.errors import InvalidInputError
from ledger.service.ledger import Ledger
from ledger.service.mapper import from_stored
from ledger.store.record import StoredEvent

__all__ = ["AXES", "WITHDRAWALS", "Axis", "Mark", "Step", "Timeline", "Withdrawal", "timeline"]

Axis = Literal["published", "recorded"]
AXES: tuple[Axis, ...] = ("published", "recorded")
WITHDRAWALS = {ClaimStatus.RETRACTED: "retracted", ClaimStatus.REFUTED: "refuted"}
"""The statuses that withdraw a claim, and the verb a picture notes them with."""


@dataclass(frozen=True)
class Step:
    """The estimate from `at` until the next step."""

    at: datetime
    low: Decimal | None
    best: Decimal | None
    high: Decimal | None
    status: EstimateStatus


@dataclass(frozen=True)
class Mark:
    """One claim: when, what it says (a point and its range), who it comes from."""

    claim_id: str
    origin: str
    outlet: str
    value: str
    at: datetime
    low: Decimal
    point: Decimal
    high: Decimal | None
    status: ClaimStatus
    counted: bool


@dataclass(frozen=True)
class Withdrawal:
    """A claim withdrawn by its issuer (retracted) or shown false (refuted)."""

    claim_id: str
    at: datetime
    by: str | None
    verb: str


@dataclass(frozen=True)
class Timeline:
    """Everything the picture shows, as data (tests check it without reading pixels)."""

    figure: str
    unit: str
    axis: Axis
    steps: tuple[Step, ...]
    marks: tuple[Mark, ...]
    withdrawals: tuple[Withdrawal, ...]

    @property
    def conflicts(self) -> list[tuple[datetime, datetime]]:
        """The spans during which the claims conflicted."""
        spans: list[tuple[datetime, datetime]] = []
        if not self.steps:
            return spans
        ends = [s.at for s in self.steps[1:]] + [self.end]
        for step, end in zip(self.steps, ends, strict=True):
            if step.status is EstimateStatus.CONFLICTING:
                if spans and spans[-1][1] == step.at:
                    spans[-1] = (spans[-1][0], end)
                else:
                    spans.append((step.at, end))
        return spans

    @property
    def start(self) -> datetime:
        """The left edge of the picture."""
        times = [s.at for s in self.steps] + [m.at for m in self.marks]
        return min(times) - self._margin if times else datetime.now().astimezone()

    @property
    def end(self) -> datetime:
        """The right edge of the picture."""
        times = (
            [s.at for s in self.steps]
            + [m.at for m in self.marks]
            + [w.at for w in self.withdrawals]
        )
        return max(times) + self._margin if times else datetime.now().astimezone()

    @property
    def _margin(self) -> timedelta:
        times = [s.at for s in self.steps] + [m.at for m in self.marks]
        if not times:
            return timedelta(hours=1)
        width = max(times) - min(times)
        return max(
            width * 0.12,
            timedelta(hours=1) if self.axis == "published" else timedelta(milliseconds=50),
        )


def timeline(lg: Ledger, figure: str, axis: Axis = "published") -> Timeline:
    """The steps, claim marks and withdrawals of `figure` on the chosen time axis."""
    if axis not in AXES:
        raise InvalidInputError("axis", "must be 'published' or 'recorded'")
    current = lg.estimate(figure)
    claims = lg.claims(figure)
    history = lg.history(figure)
    cache: dict[int, tuple[StoredEvent, Event]] = {}

    def event_at(position: int) -> tuple[StoredEvent, Event]:
        if position not in cache:
            stored = next(iter(lg.store.read_all(position - 1, batch_size=1)))
            cache[position] = (stored, from_stored(stored))
        return cache[position]

    def published(position: int) -> datetime:
        stored, event = event_at(position)
        return getattr(event, "published_at", None) or stored.recorded_at

    def time_of(position: int) -> datetime:
        return published(position) if axis == "published" else event_at(position)[0].recorded_at

    marks = []
    for claim in claims:
        quantity = claim.quantity
        point = quantity.number if quantity.number is not None else quantity.low
        marks.append(
            Mark(
                claim_id=claim.claim_id,
                origin=claim.origin,
                outlet=claim.outlet,
                value=claim.value,
                at=claim.published_at if axis == "published" else time_of(claim.position),
                low=quantity.low,
                point=point,
                high=quantity.high,
                status=claim.status,
                counted=claim.status.counts and claim.withdrawn_via is None,
            )
        )
    withdrawals = [
        Withdrawal(
            claim_id=claim.claim_id,
            at=time_of(claim.status_position),
            by=claim.status_by,
            verb=WITHDRAWALS[claim.status],
        )
        for claim in claims
        if claim.status in WITHDRAWALS and claim.status_position is not None
    ]
    if axis == "recorded":
        steps = [
            Step(c.recorded_at, c.after.low, c.after.best, c.after.high, c.after.status)
            for c in history
            if c.before is not None
        ]
    else:
        moments = sorted(
            {m.at for m in marks}
            | {w.at for w in withdrawals}
            | {c.cause.published_at for c in history if c.cause.published_at is not None}
        )
        steps = []
        for moment in moments:
            estimate = lg.estimate(figure, known_on=moment)
            steps.append(Step(moment, estimate.low, estimate.best, estimate.high, estimate.status))
    return Timeline(
        figure=figure,
        unit=current.unit,
        axis=axis,
        steps=tuple(_dedupe(steps)),
        marks=tuple(marks),
        withdrawals=tuple(withdrawals),
    )


def _dedupe(steps: list[Step]) -> list[Step]:
    """Drop steps that repeat the one before (same low/best/high/status)."""
    kept: list[Step] = []
    for step in steps:
        if kept and (kept[-1].low, kept[-1].best, kept[-1].high, kept[-1].status) == (
            step.low,
            step.best,
            step.high,
            step.status,
        ):
            continue
        kept.append(step)
    return kept
