"""The picture: a figure's low / best / high as a step chart over time, every claim a
marker labelled with its origin, retractions marked, conflicts shaded.

What it shows comes from `ledger.service.timeline` (the publication or the recorded time
axis); this module draws it and saves it, with the scale of `plot_scale` and the labels
placed by `plot_labels`. matplotlib is an optional extra, imported only by these modules,
with the Agg (file-only) canvas.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.cli.app import UserError
from ledger.cli.plot_labels import Label, label_text, place_labels
from ledger.cli.plot_scale import Frame, Scale, choose_scale, x_of, y_frame, y_ticks
from ledger.domain.estimate import EstimateStatus
from ledger.errors import InvalidInputError
from ledger.service.ledger import Ledger
from ledger.service.timeline import Axis, Timeline, timeline

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.transforms import Transform

__all__ = ["MISSING_EXTRA", "Picture", "Scale", "choose_scale", "draw", "save"]

MISSING_EXTRA = (
    "plotting needs matplotlib, an optional extra: pip install 'claim-ledger[plot]' "
    "(the README's commands install it)"
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


def draw(line: Timeline, scale: Scale | None = None) -> MplFigure:
    """The matplotlib figure for a timeline (not saved). `scale` forces the y scale;
    by default `choose_scale` picks it. Every claim label lies inside the plot area and
    overlaps no other label (see `ledger.cli.plot_labels`)."""
    try:
        from matplotlib import dates as mdates
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure as MplFigure
    except ImportError as error:  # the optional extra is missing
        raise UserError(MISSING_EXTRA) from error

    figure = MplFigure(figsize=(10, 5.6), dpi=110, layout="constrained")
    canvas = FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    frame = y_frame(line, choose_scale(line, scale))
    start, end = line.start, line.end
    if frame.scale == "log":
        ax.set_yscale("log")
    for index, (left, right) in enumerate(line.conflicts):
        ax.axvspan(
            x_of(left), x_of(right), color=_CONFLICT, alpha=0.10, lw=0, gid=f"conflict-{index}"
        )
        late = left > start + (end - start) / 2  # noted from its right end, to stay inside
        ax.annotate(
            "claims conflict:\nno best estimate",
            (x_of(right if late else left), frame.bottom),
            xytext=(-4 if late else 4, 4),
            textcoords="offset points",
            color=_CONFLICT,
            fontsize=9,
            ha="right" if late else "left",
            va="bottom",
            gid=f"note-conflict-{index}",
        )
    ax.set_xlim(x_of(start), x_of(end))
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
    y_ticks(ax, frame)
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
    place_labels(ax, renderer, labels, line, frame, px=figure.dpi / 72)
    return figure


def _draw_steps(ax: Axes, line: Timeline, frame: Frame, end: datetime) -> None:
    def values(attribute: str) -> list[float]:
        floats = [frame.y(getattr(step, attribute)) for step in line.steps]
        return floats + floats[-1:]  # the last step runs to the right edge

    xs = [x_of(s.at) for s in line.steps] + [x_of(end)]
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


def _draw_marks(ax: Axes, figure: MplFigure, line: Timeline, frame: Frame) -> list[Label]:
    """One marker per claim with a bar for its range; the labels naming their origins are
    returned, to be placed once the layout is fixed.

    Claims on the same point sit side by side."""
    colours: dict[str, str] = {}
    for mark in line.marks:
        colours.setdefault(mark.origin, _PALETTE[len(colours) % len(_PALETTE)])
    together: dict[tuple[datetime, Decimal], int] = defaultdict(int)
    labels: list[Label] = []
    for mark in line.marks:
        colour = colours[mark.origin] if mark.counted else _WITHDRAWN
        rank = together[(mark.at, mark.point)]
        together[(mark.at, mark.point)] += 1
        offset = _offset(ax, figure, rank * 8)
        ax.vlines(
            x_of(mark.at),
            frame.y(mark.low),
            frame.y(mark.high) if mark.high is not None else frame.top,
            colors=colour,
            lw=1.5,
            alpha=0.5 if mark.counted else 0.3,
            transform=offset,
            linestyles="solid" if mark.high is not None else "dotted",
        )
        ax.plot(
            [x_of(mark.at)],
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
        labels.append(Label(mark, label_text(mark), colour, offset))
    return labels


def _draw_withdrawals(ax: Axes, line: Timeline, frame: Frame) -> None:
    for mark in line.withdrawals:
        ax.axvline(
            x_of(mark.at),
            color=_WITHDRAWN,
            ls="--",
            lw=1,
            gid=f"withdrawal-{mark.claim_id}",
        )
        text = f"{mark.claim_id} {mark.verb}" + (f" by {mark.by}" if mark.by else "")
        ax.annotate(
            text,
            (x_of(mark.at), frame.bottom),
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
