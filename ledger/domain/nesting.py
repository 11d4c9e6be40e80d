"""Nested figures, recomputed together: which headlines a batch of events changes.

A cumulative figure's children bound it from below (their lows are its floors) and its
parent bounds it from above (a child's low above the parent's high is a conflict). A
batch recomputes the figures its events touched, deepest first; a figure whose low (or
as-of) moved passes the change up to its parent, and a figure whose high (or as-of) moved
has its children weighed again against it. A parent's high never depends on its
children, so there is no cycle. Each figure gets one new headline, naming every event of
the batch that reached it.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from ledger.domain.estimate import EstimateSummary
from ledger.domain.model import Figure, FigureKind
from ledger.domain.policy import NO_NESTING, FigureBound, Nesting

T = TypeVar("T")


class Figures(Protocol):
    """The figures as they stood before the batch."""

    def figure(self, key: str) -> Figure | None: ...

    def children(self, key: str) -> list[str]:
        """The figures defined with `key` as their parent."""
        ...

    def summary(self, key: str) -> EstimateSummary | None:
        """A figure's stored headline (None: never computed)."""
        ...


@dataclass(frozen=True)
class Recomputed(Generic[T]):
    """A figure's new headline, the one it replaces, and the events behind the change."""

    figure: str
    before: EstimateSummary | None
    after: EstimateSummary
    causes: list[T]


Headline = Callable[[str, Nesting], EstimateSummary]
"""A figure key and its nesting → its headline from its own claims."""


def recompute(
    touched: Mapping[str, list[T]],
    figures: Figures,
    headline: Headline,
    position: Callable[[T], int],
) -> list[Recomputed[T]]:
    """The new headline of every figure the batch `touched` (figure → its causes, in log
    order) and of the nested figures the changes reach."""
    causes = {key: list(events) for key, events in touched.items()}
    before: dict[str, EstimateSummary | None] = {}
    fresh: dict[str, EstimateSummary] = {}

    def merged(first: Sequence[T], second: Sequence[T]) -> list[T]:
        found = {position(cause): cause for cause in (*first, *second)}
        return [found[at] for at in sorted(found)]

    def compute(key: str) -> EstimateSummary:
        return headline(key, nesting_of(_need(figures, key), figures, fresh))

    pending = [(-_depth(figures, key), key) for key in causes]  # deepest first
    heapq.heapify(pending)
    while pending:
        depth, key = heapq.heappop(pending)
        before[key] = figures.summary(key)
        fresh[key] = after = compute(key)
        figure = _need(figures, key)
        parent = figures.figure(figure.parent) if figure.parent else None
        if parent is not None and nests(figure, parent) and moved(before[key], after, "low"):
            if parent.figure not in causes:
                heapq.heappush(pending, (depth + 1, parent.figure))
            causes[parent.figure] = merged(causes.get(parent.figure, []), causes[key])
    for key in [k for k in fresh if moved(before[k], fresh[k], "high")]:
        parent = _need(figures, key)
        for child in figures.children(key):
            if not nests(figures.figure(child), parent):
                continue
            if child not in fresh:
                old = figures.summary(child)
                if old is None or old.low is None:
                    continue  # nothing of its own to weigh against the new ceiling
                before[child] = old
            causes[child] = merged(causes.get(child, []), causes[key])
            fresh[child] = compute(child)
    return [Recomputed(key, before[key], after, causes[key]) for key, after in fresh.items()]


def nesting_of(
    figure: Figure, figures: Figures, fresh: Mapping[str, EstimateSummary] | None = None
) -> Nesting:
    """Its children's lows (floors) and its parent's high (a ceiling), as just recomputed
    (`fresh`) or else as stored."""
    if figure.kind is not FigureKind.CUMULATIVE:
        return NO_NESTING
    fresh = fresh or {}

    def bound(other: str, which: str) -> FigureBound | None:
        found = fresh.get(other) or figures.summary(other)
        return found.bound(other, which) if found is not None else None

    floors = [
        found
        for child in figures.children(figure.figure)
        if nests(figures.figure(child), figure) and (found := bound(child, "low")) is not None
    ]
    parent = figures.figure(figure.parent) if figure.parent else None
    ceiling = bound(parent.figure, "high") if parent and nests(figure, parent) else None
    return Nesting(tuple(floors), ceiling)


def nests(child: Figure | None, parent: Figure | None) -> bool:
    """Whether a child's low bounds its parent: both cumulative, in the same unit."""
    return (
        child is not None
        and parent is not None
        and child.kind is parent.kind is FigureKind.CUMULATIVE
        and child.unit == parent.unit
    )


def moved(before: EstimateSummary | None, after: EstimateSummary, which: str) -> bool:
    """Whether a figure's `low` or `high` (or its as-of) changed: what a nested figure reads."""
    old = (getattr(before, which), before.as_of) if before is not None else (None, None)
    return old != (getattr(after, which), after.as_of)


def _depth(figures: Figures, key: str) -> int:
    """How many parents a figure has above it."""
    depth, figure = 0, figures.figure(key)
    while figure is not None and figure.parent is not None:
        depth, figure = depth + 1, figures.figure(figure.parent)
    return depth


def _need(figures: Figures, key: str) -> Figure:
    found = figures.figure(key)
    assert found is not None, f"figure {key} was touched but is not defined"
    return found
