"""The picture: a figure's low / best / high as a step chart over time, every claim a
marker labelled with its origin, retractions marked, conflicts shaded.

Two time axes: publication (the estimate as known at each moment a report or a
compensating event was published — "as known on", from the read model) and recorded (the
estimate after each change the ledger recorded — its history). matplotlib is an optional
extra, imported only here, with the Agg (file-only) canvas.
"""

from __future__ import annotations

import math
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
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox, Transform

Axis = Literal["published", "recorded"]
Scale = Literal["linear", "log"]
LOG_SPAN = 10  # a log scale when the largest positive value is more than this × the smallest
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
    scale: Scale


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


def choose_scale(line: Timeline, wanted: Scale | None = None) -> Scale:
    """The y scale: `wanted` if given, else log when the positive values span more than a
    factor of `LOG_SPAN`. A log scale needs a positive value; without one it is linear."""
    positive = [value for value in _values(line) if value > 0]
    if not positive:
        return "linear"
    if wanted is not None:
        return wanted
    return "log" if max(positive) > LOG_SPAN * min(positive) else "linear"


@dataclass(frozen=True)
class _Frame:
    """The y axis: its scale and limits. On a log scale a value at or below zero (the
    floor of "up to N" or "fewer than N") is drawn on the bottom edge."""

    scale: Scale
    bottom: float
    top: float

    def y(self, value: Decimal | float | None) -> float:
        if value is None:
            return float("nan")
        return max(float(value), self.bottom) if self.scale == "log" else float(value)


def draw(line: Timeline, scale: Scale | None = None) -> MplFigure:
    """The matplotlib figure for a timeline (not saved). `scale` forces the y scale;
    by default `choose_scale` picks it. Every claim label lies inside the plot area and
    overlaps no other label (see `_place_labels`)."""
    try:
        from matplotlib import dates as mdates
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure as MplFigure
    except ImportError as error:  # the optional extra is missing
        raise UserError(MISSING_EXTRA) from error

    figure = MplFigure(figsize=(10, 5.6), dpi=110, layout="constrained")
    canvas = FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    frame = _y_frame(line, choose_scale(line, scale))
    start, end = line.start, line.end
    if frame.scale == "log":
        ax.set_yscale("log")
    for index, (left, right) in enumerate(line.conflicts):
        ax.axvspan(_x(left), _x(right), color=_CONFLICT, alpha=0.10, lw=0, gid=f"conflict-{index}")
        late = left > start + (end - start) / 2  # noted from its right end, to stay inside
        ax.annotate(
            "claims conflict:\nno best estimate",
            (_x(right if late else left), frame.bottom),
            xytext=(-4 if late else 4, 4),
            textcoords="offset points",
            color=_CONFLICT,
            fontsize=9,
            ha="right" if late else "left",
            va="bottom",
            gid=f"note-conflict-{index}",
        )
    ax.set_xlim(_x(start), _x(end))
    ax.set_ylim(frame.bottom, frame.top)
    if line.steps:
        _draw_steps(ax, line, frame, end)
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
    _draw_withdrawals(ax, line, frame)
    labels = _draw_marks(ax, figure, line, frame)
    _y_ticks(ax, frame)
    # matplotlib.dates has no type hints: its constructors are untyped calls
    locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.grid(True, axis="y", which="major", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    axis_name = "publication time (UTC)" if line.axis == "published" else "recorded time (UTC)"
    scale_note = " · log scale" if frame.scale == "log" else ""
    ax.set_xlabel(
        f"{axis_name}{scale_note}\n"
        "line: best estimate · band: low–high range (hatched: no upper bound) · "
        "dots: claims by origin, bars their ranges · ×: not counted",
        fontsize=9,
    )
    ax.set_ylabel(line.unit)
    ax.set_title(line.figure, loc="left", fontsize=12, fontweight="bold")
    # Lay the figure out once, then keep it fixed: labels are placed by their measured
    # extents inside the axes, which must not move afterwards.
    # (FigureCanvasAgg's methods carry no type hints: untyped calls)
    canvas.draw()  # type: ignore[no-untyped-call]
    figure.set_layout_engine("none")
    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]
    _place_labels(ax, renderer, labels, line, frame, px=figure.dpi / 72)
    return figure


def _y_ticks(ax: Axes, frame: _Frame) -> None:
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


def _draw_steps(ax: Axes, line: Timeline, frame: _Frame, end: datetime) -> None:
    def values(attribute: str) -> list[float]:
        floats = [frame.y(getattr(step, attribute)) for step in line.steps]
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
        frame.top,
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


@dataclass(frozen=True)
class _Label:
    """A claim label to place: its text, colour, and the marker it names."""

    mark: Mark
    text: str
    colour: str
    anchor: Transform  # data coordinates, shifted sideways like its marker


def _draw_marks(ax: Axes, figure: MplFigure, line: Timeline, frame: _Frame) -> list[_Label]:
    """One marker per claim with a bar for its range; the labels naming their origins are
    returned, to be placed once the layout is fixed.

    Claims on the same point sit side by side."""
    colours: dict[str, str] = {}
    for mark in line.marks:
        colours.setdefault(mark.origin, _PALETTE[len(colours) % len(_PALETTE)])
    together: dict[tuple[datetime, Decimal], int] = defaultdict(int)
    labels: list[_Label] = []
    for mark in line.marks:
        colour = colours[mark.origin] if mark.counted else _WITHDRAWN
        rank = together[(mark.at, mark.point)]
        together[(mark.at, mark.point)] += 1
        offset = _offset(ax, figure, rank * 8)
        ax.vlines(
            _x(mark.at),
            frame.y(mark.low),
            frame.y(mark.high) if mark.high is not None else frame.top,
            colors=colour,
            lw=1.5,
            alpha=0.5 if mark.counted else 0.3,
            transform=offset,
            linestyles="solid" if mark.high is not None else "dotted",
        )
        ax.plot(
            [_x(mark.at)],
            [frame.y(mark.point)],
            marker="o" if mark.counted else "X",
            markersize=8,
            markerfacecolor=colour if mark.counted else "white",
            markeredgecolor=colour,
            linestyle="none",
            transform=offset,
            zorder=5,
            gid=f"claim-{mark.claim_id}",
        )
        labels.append(_Label(mark, _label_text(mark), colour, offset))
    return labels


def _label_text(mark: Mark) -> str:
    if mark.counted:
        note = ""
    elif mark.status in (ClaimStatus.ACTIVE, ClaimStatus.DISPUTED):
        note = " (rests on a withdrawn claim)"
    else:
        note = f" ({mark.status})"
    return f"{mark.origin}: {mark.value}{note}"


_GAP = 3.0  # points between a label and what it avoids
_MARKER = 5.0  # points from a marker's centre to its edge, and a little more
_NEAR = 6  # label heights a label may move up or down beside its marker


def _place_labels(
    ax: Axes,
    renderer: RendererBase,
    labels: list[_Label],
    line: Timeline,
    frame: _Frame,
    *,
    px: float,
) -> None:
    """Place each label beside its marker, inside the plot area, overlapping no other
    label and no other text in the axes (the estimate box, conflict and withdrawal notes).

    Positions are measured in display pixels once the layout is fixed. Beside the marker
    (right, then left, then higher or lower, nearest first) a place that also keeps clear
    of markers and of the best-estimate line is preferred; failing any place near its
    marker, the nearest free place in the plot area gets the label and a thin leader line.
    When no place is free at all the label is left out rather than drawn over another.
    Identical labels of markers within a label's reach (relays of one claim, published
    close together) are written once, at the first, counted: "ministry: 912 ×3".
    `px`: display pixels per point."""
    area = ax.get_window_extent(renderer)
    taken = [_extent(text, renderer) for text in ax.texts]  # placed before: notes, box
    clutter = _clutter(ax, line, frame, px)
    pad = (_PAD + 1.0) * px
    for label, mx, my, count in _grouped(ax, renderer, labels, frame):
        text = label.text if count == 1 else f"{label.text} ×{count}"
        probe = ax.annotate(text, (0.5, 0.5), xycoords="axes fraction", fontsize=8)
        size = probe.get_window_extent(renderer)
        probe.remove()
        width, height = float(size.width) + 2 * pad, float(size.height) + 2 * pad
        near = _near(mx, my, width, height, px, prefer_left=mx > area.x0 + area.width / 2)
        chosen = _free(near, width, height, area, taken + clutter) or _free(
            near, width, height, area, taken
        )
        leader = chosen is None
        if chosen is None:
            chosen = _free(_anywhere(area, width, height, mx, my), width, height, area, taken)
        if chosen is None:
            continue  # nowhere free: left out rather than drawn over another label
        taken.append(chosen)
        ax.annotate(
            text,
            (_x(label.mark.at), frame.y(label.mark.point)),
            xycoords=label.anchor,
            xytext=((chosen.x0 + pad - mx) / px, (chosen.y0 + pad - my) / px),
            textcoords="offset points",
            ha="left",
            va="bottom",
            fontsize=8,
            color=label.colour,
            bbox={
                "boxstyle": f"square,pad={_PAD / 8}",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.75,
            },
            arrowprops=(
                {
                    "arrowstyle": "-",
                    "color": label.colour,
                    "lw": 0.6,
                    "alpha": 0.7,
                    "shrinkA": 0,
                    "shrinkB": _MARKER,
                }
                if leader
                else None
            ),
            gid=f"label-{label.mark.claim_id}",
            zorder=6,
        )


_PAD = 1.5  # points of white around a label's text


@dataclass
class _Group:
    """Equal labels of markers close together, written once at the first marker."""

    label: _Label
    x: float  # the first marker, display pixels
    y: float
    reach: tuple[float, float]  # the label's width and height, display pixels
    count: int = 1


def _grouped(
    ax: Axes, renderer: RendererBase, labels: list[_Label], frame: _Frame
) -> list[tuple[_Label, float, float, int]]:
    """The labels in time order with their markers' display positions; a label equal to
    an earlier one whose marker is within one label's width and height is counted there
    instead of written again."""
    groups: list[_Group] = []
    for label in sorted(labels, key=lambda item: (item.mark.at, item.mark.point)):
        point = (_x(label.mark.at), frame.y(label.mark.point))
        mx, my = (float(value) for value in label.anchor.transform(point))
        near = (
            group
            for group in groups
            if group.label.text == label.text
            and abs(mx - group.x) < group.reach[0]
            and abs(my - group.y) < group.reach[1]
        )
        found = next(near, None)
        if found is not None:
            found.count += 1
            continue
        probe = ax.annotate(label.text, (0.5, 0.5), xycoords="axes fraction", fontsize=8)
        size = probe.get_window_extent(renderer)
        probe.remove()
        groups.append(_Group(label, mx, my, (float(size.width), float(size.height))))
    return [(group.label, group.x, group.y, group.count) for group in groups]


def _free(
    corners: list[tuple[float, float]], width: float, height: float, area: Bbox, avoid: list[Bbox]
) -> Bbox | None:
    """The first box of that size, at one of these lower-left corners, inside the area and
    overlapping nothing to avoid."""
    from matplotlib.transforms import Bbox

    for x0, y0 in corners:
        box = Bbox.from_bounds(x0, y0, width, height)
        if _inside(box, area) and not any(_overlap(box, other) for other in avoid):
            return box
    return None


def _near(
    mx: float, my: float, width: float, height: float, px: float, *, prefer_left: bool
) -> list[tuple[float, float]]:
    """Lower-left corners for a label beside a marker, nearest first: level with it on
    its preferred side, then the other, then a line higher or lower at a time."""
    right = mx + (_MARKER + _GAP) * px
    left = mx - (_MARKER + _GAP) * px - width
    sides = (left, right) if prefer_left else (right, left)
    step = height + _GAP * px
    corners: list[tuple[float, float]] = []
    for rank in range(_NEAR + 1):
        for dy in (0.0,) if rank == 0 else (rank * step, -rank * step):
            corners += [(x0, my - height / 2 + dy) for x0 in sides]
        if rank == 1:  # straight above or below the marker
            for dy in (my + (_MARKER + _GAP) * px, my - (_MARKER + _GAP) * px - height):
                corners.append((mx - width / 2, dy))
    return corners


def _anywhere(
    area: Bbox, width: float, height: float, mx: float, my: float
) -> list[tuple[float, float]]:
    """Every lower-left corner on a grid over the plot area, nearest to the marker first."""
    columns = max(int((area.width - width) // (width / 4)), 0) + 1
    rows = max(int((area.height - height) // (height / 2)), 0) + 1
    corners = [
        (area.x0 + column * width / 4, area.y0 + row * height / 2)
        for column in range(columns)
        for row in range(rows)
    ]
    return sorted(
        corners, key=lambda c: (c[0] + width / 2 - mx) ** 2 + (c[1] + height / 2 - my) ** 2
    )


def _clutter(ax: Axes, line: Timeline, frame: _Frame, px: float) -> list[Bbox]:
    """What a label had better not cover: every marker, and the best-estimate line."""
    from matplotlib.transforms import Bbox

    boxes = []
    reach = _MARKER * px
    for mark in line.marks:
        x, y = ax.transData.transform((_x(mark.at), frame.y(mark.point)))
        boxes.append(Bbox.from_extents(x - reach, y - reach, x + reach, y + reach))
    ends = [step.at for step in line.steps[1:]] + [line.end]
    before: Decimal | None = None
    for step, end in zip(line.steps, ends, strict=False):  # no steps: no line
        if step.best is None:
            before = None
            continue
        (x0, y), (x1, _) = ax.transData.transform(
            [(_x(step.at), frame.y(step.best)), (_x(end), frame.y(step.best))]
        )
        boxes.append(Bbox.from_extents(x0, y - 2 * px, x1, y + 2 * px))
        if before is not None:  # the riser from the step before
            (_, y0) = ax.transData.transform((_x(step.at), frame.y(before)))
            boxes.append(Bbox.from_extents(x0 - 2 * px, min(y, y0), x0 + 2 * px, max(y, y0)))
        before = step.best
    return boxes


def _extent(text: Text, renderer: RendererBase) -> Bbox:
    """A text's extent in display pixels, with its box if it has one."""
    from matplotlib.transforms import Bbox

    extent = text.get_window_extent(renderer)
    patch = text.get_bbox_patch()
    return Bbox.union([extent, patch.get_window_extent(renderer)]) if patch else extent


def _inside(box: Bbox, area: Bbox) -> bool:
    return bool(area.x0 <= box.x0 and box.x1 <= area.x1 and area.y0 <= box.y0 and box.y1 <= area.y1)


def _overlap(one: Bbox, other: Bbox) -> bool:
    return bool(one.x0 < other.x1 and other.x0 < one.x1 and one.y0 < other.y1 and other.y0 < one.y1)


def _draw_withdrawals(ax: Axes, line: Timeline, frame: _Frame) -> None:
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
            (_x(mark.at), frame.bottom),
            xytext=(3, 4),
            textcoords="offset points",
            rotation=90,
            ha="left",
            va="bottom",
            fontsize=8,
            color=_WITHDRAWN,
            gid=f"note-withdrawal-{mark.claim_id}",
        )


def _offset(ax: Axes, figure: MplFigure, points: float) -> Transform:
    """Data coordinates shifted sideways by `points` (to set coinciding markers apart)."""
    from matplotlib.transforms import offset_copy

    return offset_copy(ax.transData, fig=figure, x=points, y=0, units="points")


def _x(moment: datetime) -> float:
    """A time as matplotlib's date number (days since its epoch, UTC)."""
    from matplotlib import dates as mdates

    return float(mdates.date2num(moment))  # type: ignore[no-untyped-call]  # untyped module


def _values(line: Timeline) -> list[float]:
    """Every value the picture shows: the claims' points and ranges, the estimate's."""
    values = [float(m.low) for m in line.marks] + [float(m.point) for m in line.marks]
    values += [float(m.high) for m in line.marks if m.high is not None]
    for step in line.steps:
        values += [float(v) for v in (step.low, step.best, step.high) if v is not None]
    return values


def _y_frame(line: Timeline, scale: Scale) -> _Frame:
    """The y limits: every value, with room above for the estimate's box and for labels.
    On a log scale the margins are fractions of the decades spanned, and the bottom sits
    below the smallest positive value (zeros are drawn on it)."""
    values = _values(line)
    if not values:
        return _Frame("linear", 0.0, 1.0)
    if scale == "log":
        positive = [value for value in values if value > 0]
        low, high = math.log10(min(positive)), math.log10(max(positive))
        span = max(high - low, 1.0)
        return _Frame("log", 10 ** (low - span * 0.2), 10 ** (high + span * 0.4))
    low, high = min(values), max(values)
    span = max(high - low, abs(high) * 0.1, 1.0)
    return _Frame("linear", max(0.0, low - span * 0.25), high + span * 0.45)


def save(
    lg: Ledger, figure: str, path: str, axis: Axis = "published", scale: Scale | None = None
) -> Picture:
    """Draw `figure`'s timeline and save it as SVG or PNG (by the file's suffix); `scale`
    forces the y scale (by default log when the values span more than a factor of 10)."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".svg", ".png"):
        raise InvalidInputError("--output", "the picture must be a .svg or .png file")
    try:
        import matplotlib
    except ImportError as error:
        raise UserError(MISSING_EXTRA) from error
    line = timeline(lg, figure, axis)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "claim-ledger"}):
        drawn = draw(line, scale)
        metadata = {"Date": None, "Creator": None} if suffix == ".svg" else {}
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
        scale="log" if ax.get_yscale() == "log" else "linear",
    )
