"""Claim labels on the picture: each beside its marker, inside the plot area, overlapping
no other label and no other text, placed once the layout is fixed (see `place_labels`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ledger.cli.plot_scale import Frame, x_of
from ledger.domain.estimate import ClaimStatus
from ledger.service.timeline import Mark, Timeline

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox, Transform


@dataclass(frozen=True)
class Label:
    """A claim label to place: its text, colour, and the marker it names."""

    mark: Mark
    text: str
    colour: str
    anchor: Transform  # data coordinates, shifted sideways like its marker


def label_text(mark: Mark) -> str:
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


def place_labels(
    ax: Axes,
    renderer: RendererBase,
    labels: list[Label],
    line: Timeline,
    frame: Frame,
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
            (x_of(label.mark.at), frame.y(label.mark.point)),
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

    label: Label
    x: float  # the first marker, display pixels
    y: float
    reach: tuple[float, float]  # the label's width and height, display pixels
    count: int = 1


def _grouped(
    ax: Axes, renderer: RendererBase, labels: list[Label], frame: Frame
) -> list[tuple[Label, float, float, int]]:
    """The labels in time order with their markers' display positions; a label equal to
    an earlier one whose marker is within one label's width and height is counted there
    instead of written again."""
    groups: list[_Group] = []
    for label in sorted(labels, key=lambda item: (item.mark.at, item.mark.point)):
        point = (x_of(label.mark.at), frame.y(label.mark.point))
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


def _clutter(ax: Axes, line: Timeline, frame: Frame, px: float) -> list[Bbox]:
    """What a label had better not cover: every marker, and the best-estimate line."""
    from matplotlib.transforms import Bbox

    boxes = []
    reach = _MARKER * px
    for mark in line.marks:
        x, y = ax.transData.transform((x_of(mark.at), frame.y(mark.point)))
        boxes.append(Bbox.from_extents(x - reach, y - reach, x + reach, y + reach))
    ends = [step.at for step in line.steps[1:]] + [line.end]
    before: Decimal | None = None
    for step, end in zip(line.steps, ends, strict=False):  # no steps: no line
        if step.best is None:
            before = None
            continue
        (x0, y), (x1, _) = ax.transData.transform(
            [(x_of(step.at), frame.y(step.best)), (x_of(end), frame.y(step.best))]
        )
        boxes.append(Bbox.from_extents(x0, y - 2 * px, x1, y + 2 * px))
        if before is not None:  # the riser from the step before
            (_, y0) = ax.transData.transform((x_of(step.at), frame.y(before)))
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
