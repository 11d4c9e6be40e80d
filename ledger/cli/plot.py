"""The picture: a figure's low / best / high as a step chart over time, every claim a
marker labelled with its origin, retractions marked, conflicts shaded.

Two time axes: publication (the estimate as known at each moment a report or a
compensating event was published — "as known on", from the read model) and recorded (the
estimate after each change the ledger recorded — its history). matplotlib is an optional
extra, imported only here, with the Agg (file-only) canvas.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ledger.cli.app import UserError
from ledger.domain.estimate import ClaimStatus, EstimateStatus
from ledger.domain.events import Event
from ledger.errors import InvalidInputError
from ledger.service.ledger import Ledger
from ledger.service.mapper import from_stored
from ledger.store.record import StoredEvent

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.transforms import Transform

Axis = Literal["published", "recorded"]
MISSING_EXTRA = (
    "plotting needs matplotlib, an optional extra: pip install 'claim-ledger[plot]' "
    "(the README's commands install it)"
)
WITHDRAWALS = {ClaimStatus.RETRACTED: "retracted", ClaimStatus.REFUTED: "refuted"}


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


@dataclass(frozen=True)
class Picture:
    """What was drawn, and where it was saved."""

    file: str
    figure: str
    axis: Axis
    steps: int
    claims: int
    withdrawals: int
    conflicts: int
    x_range: tuple[datetime, datetime]
    y_range: tuple[float, float]


# -- the data -----------------------------------------------------------------------------


def timeline(lg: Ledger, figure: str, axis: Axis = "published") -> Timeline:
    """The steps, claim marks and withdrawals of `figure` on the chosen time axis."""
    if axis not in ("published", "recorded"):
        raise InvalidInputError("--axis", "must be 'published' or 'recorded'")
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


# -- the drawing --------------------------------------------------------------------------

_BAND = "#4c72b0"
_CONFLICT = "#d62728"
_WITHDRAWN = "#7f7f7f"
_PALETTE = [
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#666666",
    "#1f78b4",
    "#b15928",
]


def draw(line: Timeline) -> MplFigure:
    """The matplotlib figure for a timeline (not saved)."""
    try:
        from matplotlib import dates as mdates
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure as MplFigure
    except ImportError as error:  # the optional extra is missing
        raise UserError(MISSING_EXTRA) from error

    figure = MplFigure(figsize=(10, 5.6), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    top, bottom = _y_limits(line)
    start, end = line.start, line.end
    middle = start + (end - start) / 2

    for index, (left, right) in enumerate(line.conflicts):
        ax.axvspan(_x(left), _x(right), color=_CONFLICT, alpha=0.10, lw=0, gid=f"conflict-{index}")
        ax.annotate(
            "claims conflict:\nno best estimate",
            (_x(left), bottom),
            xytext=(4, 4),
            textcoords="offset points",
            color=_CONFLICT,
            fontsize=9,
            va="bottom",
        )
    ax.set_xlim(_x(start), _x(end))
    ax.set_ylim(bottom, top)
    if line.steps:
        _draw_steps(ax, line, top, end)
    if not line.marks:
        ax.text(
            0.5,
            0.5,
            "no claim recorded for this figure",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color=_WITHDRAWN,
        )
    _draw_withdrawals(ax, line, bottom)
    _draw_marks(ax, figure, line, top, middle)
    ax.yaxis.set_major_formatter(lambda value, _: f"{value:,.0f}")
    # matplotlib.dates has no type hints: its constructors are untyped calls
    locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.grid(True, axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    axis_name = "publication time (UTC)" if line.axis == "published" else "recorded time (UTC)"
    ax.set_xlabel(
        f"{axis_name}\n"
        "line: best estimate · band: low–high range (hatched: no upper bound) · "
        "dots: claims by origin, bars their ranges · ×: not counted",
        fontsize=9,
    )
    ax.set_ylabel(line.unit)
    ax.set_title(line.figure, loc="left", fontsize=12, fontweight="bold")
    return figure


def _draw_steps(ax: Axes, line: Timeline, top: float, end: datetime) -> None:
    def values(attribute: str) -> list[float]:
        found = [getattr(step, attribute) for step in line.steps]
        floats = [float(v) if v is not None else float("nan") for v in found]
        return floats + floats[-1:]  # the last step runs to the right edge

    xs = [_x(s.at) for s in line.steps] + [_x(end)]
    lows, bests, highs = values("low"), values("best"), values("high")
    opens = [s.low is not None and s.high is None for s in line.steps]
    opens += opens[-1:]
    closed = [not is_open for is_open in opens]
    ax.fill_between(
        xs,
        lows,
        highs,
        where=closed,
        step="post",
        color=_BAND,
        alpha=0.18,
        lw=0,
        gid="estimate-range",
    )
    ax.fill_between(
        xs,
        lows,
        top,
        where=opens,
        step="post",
        facecolor=_BAND,
        alpha=0.08,
        edgecolor=_BAND,
        hatch="//",
        lw=0,
        gid="estimate-open",
    )
    ax.step(xs, lows, where="post", color=_BAND, lw=1, alpha=0.8, gid="estimate-low")
    ax.step(xs, highs, where="post", color=_BAND, lw=1, alpha=0.8, gid="estimate-high")
    ax.step(xs, bests, where="post", color=_BAND, lw=2.4, gid="estimate-best", zorder=4)
    last = line.steps[-1]
    if last.best is not None:
        label = f"best {last.best:,} {line.unit}"
    elif last.status is EstimateStatus.CONFLICTING:
        label = "best withheld"
    else:
        label = "no best estimate"
    from ledger.cli.render import interval

    ax.text(
        0.99,
        0.98,
        f"{label}\nrange {interval(last.low, last.high)}\n{last.status}",
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=9,
        color=_BAND,
        fontweight="bold",
        bbox={"facecolor": "white", "edgecolor": _BAND, "alpha": 0.9},
    )


def _draw_marks(ax: Axes, figure: MplFigure, line: Timeline, top: float, middle: datetime) -> None:
    """One marker per claim with a bar for its range, and a label naming its origin.

    Claims on the same point sit side by side; labels of claims close together are
    stacked downwards so that none overlaps another (limits must be set before)."""
    colours: dict[str, str] = {}
    for mark in line.marks:
        colours.setdefault(mark.origin, _PALETTE[len(colours) % len(_PALETTE)])
    together: dict[tuple[datetime, Decimal], int] = defaultdict(int)
    labels: list[tuple[Mark, str, int]] = []
    for mark in line.marks:
        colour = colours[mark.origin] if mark.counted else _WITHDRAWN
        rank = together[(mark.at, mark.point)]
        together[(mark.at, mark.point)] += 1
        offset = _offset(ax, figure, rank * 8)
        high = float(mark.high) if mark.high is not None else top
        ax.vlines(
            _x(mark.at),
            float(mark.low),
            high,
            colors=colour,
            lw=1.5,
            alpha=0.5 if mark.counted else 0.3,
            transform=offset,
            linestyles="solid" if mark.high is not None else "dotted",
        )
        ax.plot(
            [_x(mark.at)],
            [float(mark.point)],
            marker="o" if mark.counted else "X",
            markersize=8,
            markerfacecolor=colour if mark.counted else "white",
            markeredgecolor=colour,
            linestyle="none",
            transform=offset,
            zorder=5,
            gid=f"claim-{mark.claim_id}",
        )
        labels.append((mark, colour, rank))
    _place_labels(ax, figure, labels, middle, line)


def _place_labels(
    ax: Axes,
    figure: MplFigure,
    labels: list[tuple[Mark, str, int]],
    middle: datetime,
    line: Timeline,
) -> None:
    points_per_pixel = 72 / figure.dpi

    def where(mark: Mark, value: Decimal | None = None) -> tuple[float, float]:
        y_value = float(mark.point if value is None else value)
        x, y = ax.transData.transform((_x(mark.at), y_value))
        return float(x) * points_per_pixel, float(y) * points_per_pixel

    def best_line(mark: Mark) -> float | None:
        """Where the best-estimate line is (in points) at the mark's time, if drawn."""
        steps = [step for step in line.steps if step.at <= mark.at] or list(line.steps[:1])
        best = steps[-1].best if steps else None
        return None if best is None else where(mark, best)[1]

    placed: list[tuple[float, float, float]] = []  # (left, right, top) of placed labels, pt
    for mark, colour, rank in sorted(labels, key=lambda item: -where(item[0])[1]):
        if mark.counted:
            note = ""
        elif mark.status in (ClaimStatus.ACTIVE, ClaimStatus.DISPUTED):
            note = " (rests on a withdrawn claim)"
        else:
            note = f" ({mark.status})"
        text = f"{mark.origin}: {mark.value}{note}"
        left = mark.at > middle
        x, y = where(mark)
        shift = -8 if left else 8 + rank * 8
        width = len(text) * 4.6  # 8-point text, roughly
        span = (x + shift - width, x + shift) if left else (x + shift, x + shift + width)
        wanted = y - 4
        best = best_line(mark)
        if best is not None and wanted - 11 < best + 2 and wanted > best - 2:
            wanted = best - 4  # keep the text off the best-estimate line
        moved = True
        while moved:  # below every label it would overlap, until none is in the way
            moved = False
            for other_left, other_right, other_top in placed:
                overlaps = span[0] < other_right and other_left < span[1]
                if overlaps and other_top - 11 < wanted < other_top + 11:
                    wanted, moved = other_top - 11, True
        placed.append((span[0], span[1], wanted))
        ax.annotate(
            text,
            (_x(mark.at), float(mark.point)),
            xytext=(shift, wanted - y),
            textcoords="offset points",
            ha="right" if left else "left",
            va="top",
            fontsize=8,
            color=colour,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 0.6},
        )


def _draw_withdrawals(ax: Axes, line: Timeline, bottom: float) -> None:
    for mark in line.withdrawals:
        ax.axvline(
            _x(mark.at),
            color=_WITHDRAWN,
            ls="--",
            lw=1,
            gid=f"withdrawal-{mark.claim_id}",
        )
        text = f"{mark.claim_id} {mark.verb}" + (f" by {mark.by}" if mark.by else "")
        ax.annotate(
            text,
            (_x(mark.at), bottom),
            xytext=(3, 4),
            textcoords="offset points",
            rotation=90,
            ha="left",
            va="bottom",
            fontsize=8,
            color=_WITHDRAWN,
        )


def _offset(ax: Axes, figure: MplFigure, points: float) -> Transform:
    """Data coordinates shifted sideways by `points` (to set coinciding markers apart)."""
    from matplotlib.transforms import offset_copy

    return offset_copy(ax.transData, fig=figure, x=points, y=0, units="points")


def _x(moment: datetime) -> float:
    """A time as matplotlib's date number (days since its epoch, UTC)."""
    from matplotlib import dates as mdates

    return float(mdates.date2num(moment))  # type: ignore[no-untyped-call]  # untyped module


def _y_limits(line: Timeline) -> tuple[float, float]:
    values = [float(m.low) for m in line.marks] + [float(m.point) for m in line.marks]
    values += [float(m.high) for m in line.marks if m.high is not None]
    for step in line.steps:
        values += [float(v) for v in (step.low, step.best, step.high) if v is not None]
    if not values:
        return 1.0, 0.0
    low, high = min(values), max(values)
    span = max(high - low, abs(high) * 0.1, 1.0)
    return high + span * 0.45, max(0.0, low - span * 0.25)


def save(lg: Ledger, figure: str, path: str, axis: Axis = "published") -> Picture:
    """Draw `figure`'s timeline and save it as SVG or PNG (by the file's suffix)."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".svg", ".png"):
        raise InvalidInputError("--output", "the picture must be a .svg or .png file")
    try:
        import matplotlib
    except ImportError as error:
        raise UserError(MISSING_EXTRA) from error
    line = timeline(lg, figure, axis)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "claim-ledger"}):
        drawn = draw(line)
        metadata = {"Date": None} if suffix == ".svg" else {}
        drawn.savefig(path, metadata=metadata)
    ax = drawn.axes[0]
    x_low, x_high = line.start.astimezone(UTC), line.end.astimezone(UTC)
    y_top, y_bottom = ax.get_ylim()
    return Picture(
        file=path,
        figure=figure,
        axis=axis,
        steps=len(line.steps),
        claims=len(line.marks),
        withdrawals=len(line.withdrawals),
        conflicts=len(line.conflicts),
        x_range=(x_low, x_high),
        y_range=(min(y_top, y_bottom), max(y_top, y_bottom)),
    )
