"""The picture's axes: the y scale (linear, or log when the values span more than a
factor of `LOG_SPAN`), its limits and tick labels, and times as matplotlib's date numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from ledger.service.timeline import Timeline

if TYPE_CHECKING:
    from matplotlib.axes import Axes

Scale = Literal["linear", "log"]
LOG_SPAN = 10  # a log scale when the largest positive value is more than this × the smallest


def choose_scale(line: Timeline, wanted: Scale | None = None) -> Scale:
    """The y scale: `wanted` if given, else log when the positive values span more than a
    factor of `LOG_SPAN`. A log scale needs a positive value; without one it is linear."""
    positive = [value for value in values_of(line) if value > 0]
    if not positive:
        return "linear"
    if wanted is not None:
        return wanted
    return "log" if max(positive) > LOG_SPAN * min(positive) else "linear"


@dataclass(frozen=True)
class Frame:
    """The y axis: its scale and limits. On a log scale a value at or below zero (the
    floor of "up to N" or "fewer than N") is drawn on the bottom edge."""

    scale: Scale
    bottom: float
    top: float

    def y(self, value: Decimal | float | None) -> float:
        if value is None:
            return float("nan")
        return max(float(value), self.bottom) if self.scale == "log" else float(value)


def values_of(line: Timeline) -> list[float]:
    """Every value the picture shows: the claims' points and ranges, the estimate's."""
    values = [float(m.low) for m in line.marks] + [float(m.point) for m in line.marks]
    values += [float(m.high) for m in line.marks if m.high is not None]
    for step in line.steps:
        values += [float(v) for v in (step.low, step.best, step.high) if v is not None]
    return values


def y_frame(line: Timeline, scale: Scale) -> Frame:
    """The y limits: every value, with room above for the estimate's box and for labels.
    On a log scale the margins are fractions of the decades spanned, and the bottom sits
    below the smallest positive value (zeros are drawn on it)."""
    values = values_of(line)
    if not values:
        return Frame("linear", 0.0, 1.0)
    if scale == "log":
        positive = [value for value in values if value > 0]
        low, high = math.log10(min(positive)), math.log10(max(positive))
        span = max(high - low, 1.0)
        return Frame("log", 10 ** (low - span * 0.2), 10 ** (high + span * 0.4))
    low, high = min(values), max(values)
    span = max(high - low, abs(high) * 0.1, 1.0)
    return Frame("linear", max(0.0, low - span * 0.25), high + span * 0.45)


def y_ticks(ax: Axes, frame: Frame) -> None:
    """Tick labels as plain numbers with thousands separators (never 10^3 on a log
    scale); on a log scale spanning few decades, 2× and 5× are labelled too."""
    ax.yaxis.set_major_formatter(lambda value, _: _tick(value))
    if frame.scale != "log":
        return
    decades = math.log10(frame.top / frame.bottom)

    def minor(value: float, _: object) -> str:
        leading = round(value / 10 ** math.floor(math.log10(value) + 1e-9))
        return _tick(value) if decades <= 3.5 and leading in (2, 5) else ""

    ax.yaxis.set_minor_formatter(minor)
    ax.grid(True, axis="y", which="minor", alpha=0.12)


def _tick(value: float) -> str:
    return f"{value:,.0f}" if value >= 1 or value == 0 else f"{value:g}"


def x_of(moment: datetime) -> float:
    """A time as matplotlib's date number (days since its epoch, UTC)."""
    from matplotlib import dates as mdates

    return float(mdates.date2num(moment))  # type: ignore[no-untyped-call]  # untyped module
