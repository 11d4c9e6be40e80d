"""What changed in a figure's estimate between two moments, and which events did it.

`compare` and `claim_differences` are pure (two estimates in, data out); `figure_diff`
reads their inputs from a ledger.

A moment is a ledger position, a recorded time (the ledger as it stood then), or a date
("as known on": reports published by the end of that day, UTC). Positions and recorded
times can be compared with each other; dates only with dates. Both estimates come from
the read model (no replay). The events are the figure's history entries in between: by
position for positions and recorded times, by publication time (recorded time when an
event carries none) for dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ledger.domain.estimate import ClaimUse, EstimateSummary, FigureEstimate
from ledger.domain.history import EstimateChange, changed_fields
from ledger.domain.values import end_of
from ledger.errors import InvalidInputError
from ledger.service.ledger import Ledger

__all__ = [
    "ClaimDifference",
    "FigureDiff",
    "Moment",
    "claim_differences",
    "compare",
    "estimate_at",
    "figure_diff",
]


@dataclass(frozen=True)
class Moment:
    """A point a diff compares: a position, a recorded time, or "as known on" a date;
    `text` is the moment as the caller wrote it."""

    kind: Literal["position", "recorded", "known_on"]
    text: str
    position: int | None = None
    recorded: datetime | None = None
    known_on: date | None = None

    def describe(self) -> str:
        """The moment in words."""
        match self.kind:
            case "position":
                return f"after position {self.position}"
            case "recorded":
                return f"as recorded before {self.text}"
            case _:
                return f"as known on {self.text} (reports published by the end of that day, UTC)"


class ClaimDifference(BaseModel):
    """A claim whose standing in the estimate, or whose flags (disputed by …, in
    conflict), differ between the two moments."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    claim_id: str
    value: str
    origin: str
    outlet: str
    before: str | None  # None: not yet known at the first moment
    after: str | None
    flags_before: tuple[str, ...] = ()
    flags_after: tuple[str, ...] = ()


class FigureDiff(BaseModel):
    """Two estimates of one figure, what differs, and the events between them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    figure: str
    start: str
    end: str
    before: EstimateSummary
    after: EstimateSummary
    changed: tuple[str, ...]
    claims: tuple[ClaimDifference, ...]
    events: tuple[EstimateChange, ...]


def estimate_at(lg: Ledger, figure: str, moment: Moment) -> FigureEstimate:
    """The estimate of `figure` at `moment`, from the read model."""
    match moment.kind:
        case "position":
            return lg.estimate(figure, at_position=moment.position)
        case "recorded":
            return lg.estimate(figure, recorded_before=moment.recorded)
        case _:
            return lg.estimate(figure, known_on=moment.known_on)


def figure_diff(
    lg: Ledger,
    figure: str,
    start: Moment,
    end: Moment,
    *,
    fields: tuple[str, str] = ("start", "end"),
) -> FigureDiff:
    """The difference in `figure`'s estimate from `start` to `end`, read from `lg`.
    `fields` names the two moments in errors (the CLI's `--from` and `--to`)."""
    start_field, end_field = fields
    if (start.kind == "known_on") != (end.kind == "known_on"):
        raise InvalidInputError(
            end_field,
            "compare a date with a date, or positions and recorded times with each other "
            "(a date means 'as known on', by publication time)",
        )
    before, after = estimate_at(lg, figure, start), estimate_at(lg, figure, end)
    history = lg.history(figure)
    if start.kind == "known_on":
        assert start.known_on is not None
        assert end.known_on is not None
        low, high = end_of(start.known_on), end_of(end.known_on)
        if low > high:
            raise InvalidInputError(start_field, f"must not be later than {end_field}")
        events = [c for c in history if low < _published(c) <= high]
    else:
        if before.position > after.position:
            raise InvalidInputError(start_field, f"must not be later than {end_field}")
        events = [c for c in history if before.position < c.position <= after.position]
    return compare(before, after, events, start=start.describe(), end=end.describe())


def compare(
    before: FigureEstimate,
    after: FigureEstimate,
    events: Sequence[EstimateChange],
    *,
    start: str,
    end: str,
) -> FigureDiff:
    """Two estimates of one figure compared: what differs in the headline, which claims
    changed standing or flags, and the events in between (given). Pure: no ledger."""
    summary_before, summary_after = EstimateSummary.of(before), EstimateSummary.of(after)
    changed = (
        () if summary_before == summary_after else changed_fields(summary_before, summary_after)
    )
    return FigureDiff(
        figure=after.figure,
        start=start,
        end=end,
        before=summary_before,
        after=summary_after,
        changed=changed,
        claims=claim_differences(before, after),
        events=tuple(events),
    )


def _published(change: EstimateChange) -> datetime:
    return change.cause.published_at or change.recorded_at


def _standing(use: ClaimUse) -> str:
    if use.counted:
        return use.reason if use.reason.startswith("counted") else f"counted: {use.reason}"
    return f"not counted: {use.reason}"


def claim_differences(before: FigureEstimate, after: FigureEstimate) -> tuple[ClaimDifference, ...]:
    """The claims whose standing (counted or not, and why) or whose flags (a new dispute,
    a conflict) differ between two estimates of a figure: those of the later estimate
    first, in its order, then those it no longer holds."""

    def uses(estimate: FigureEstimate) -> dict[str, ClaimUse]:
        provenance = estimate.provenance
        return {use.claim_id: use for use in (*provenance.used, *provenance.excluded)}

    old, new = uses(before), uses(after)
    differences = []
    for claim_id in [*new, *(c for c in old if c not in new)]:
        was, now = old.get(claim_id), new.get(claim_id)
        first = was or now
        assert first is not None
        standing_before = _standing(was) if was else None
        standing_after = _standing(now) if now else None
        flags_before = was.flags if was else ()
        flags_after = now.flags if now else ()
        if (standing_before, flags_before) != (standing_after, flags_after):
            differences.append(
                ClaimDifference(
                    claim_id=claim_id,
                    value=first.value,
                    origin=first.origin,
                    outlet=first.outlet,
                    before=standing_before,
                    after=standing_after,
                    flags_before=flags_before,
                    flags_after=flags_after,
                )
            )
    return tuple(differences)
