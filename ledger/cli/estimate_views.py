"""Estimates as a reader wants them: the headline, the claims counted and not counted
and why, conflicts and floors, a summary of many figures, and the history of changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ledger.cli.render import (
    STATUS_MEANING,
    interval,
    joined,
    moment,
    new_listing,
    new_table,
    number,
    recorded,
    setters,
    status_text,
    support,
)
from ledger.domain.estimate import ClaimUse, EstimateStatus, EstimateSummary, FigureEstimate
from ledger.domain.history import EstimateChange
from ledger.domain.model import Figure

# -- estimates ----------------------------------------------------------------------------


def headline(estimate: FigureEstimate) -> Text:
    """ "best 5,969 people (range 5,969 – 5,999) · single-origin"."""
    unit = estimate.unit
    text = Text()
    if estimate.best is not None:
        text.append(f"best {number(estimate.best)} {unit}", style="bold")
    elif estimate.status is EstimateStatus.CONFLICTING:
        text.append("best withheld", style="bold red")
    else:
        text.append("best unknown", style="bold")
    if estimate.low is not None or estimate.high is not None:
        span = interval(estimate.low, estimate.high)
        if estimate.low == estimate.high:
            text.append("  (exact: low = high)")
        elif estimate.status is EstimateStatus.CONFLICTING:
            text.append(f"  (the claims span {span})")
        else:
            text.append(f"  (range {span})")
    text.append("  · ")
    text.append_text(status_text(estimate.status))
    return text


def estimate_view(
    estimate: FigureEstimate,
    figure: Figure | None = None,
    *,
    moment_text: str | None = None,
) -> RenderableType:
    """A figure's estimate with everything behind it: claims used and excluded (each with
    its reason), reports versus independent origins, the conflict, the last change."""
    provenance = estimate.provenance
    title = Text(estimate.figure, style="bold underline")
    if moment_text:
        title.append(f"  {moment_text}", style="italic")
    parts: list[RenderableType] = [title]
    if figure is not None and figure.description:
        parts.append(Text(figure.description, style="dim"))
    parts.append(headline(estimate))
    meaning = STATUS_MEANING[estimate.status]
    facts = [meaning]
    if provenance.used:
        facts.append(provenance.summary)
    if estimate.as_of is not None:
        facts.append(f"as of {moment(estimate.as_of)}")
    parts.append(Text(" · ".join(facts), style="dim"))
    if provenance.conflict:
        parts.append(_conflict(estimate))
    if provenance.figure_conflicts:
        parts.append(
            Text(
                "Conflict with nested figure: "
                + ", ".join(provenance.figure_conflicts)
                + " (a part's floor above the whole's high)",
                style="bold red",
            )
        )
    if provenance.floors:
        parts.append(_floors(estimate))
    if provenance.used:
        parts.append(_uses(provenance.used, "Counted"))
    if provenance.excluded:
        parts.append(_uses(provenance.excluded, "Not counted"))
    if provenance.changed_by is not None:
        ref = provenance.changed_by
        parts.append(
            Text(
                f"last changed by event #{ref.position} ({ref.event_type}), "
                f"recorded {recorded(ref.recorded_at)}; ledger position {estimate.position}",
                style="dim",
            )
        )
    return Group(*parts)


def _floors(estimate: FigureEstimate) -> Text:
    """The nested figures whose lows are floors for this one."""
    text = Text("Floors from nested figures", style="bold")
    for floor in estimate.provenance.floors:
        text.append(
            f"\n{'●' if floor.applied else '○'} floor from {floor.figure}: "
            f"{number(floor.low)} {estimate.unit} as of {moment(floor.as_of)} — {floor.reason}"
        )
    return text


def _conflict(estimate: FigureEstimate) -> Text:
    uses = {use.claim_id: use for use in estimate.provenance.used}
    sides = []
    for claim_id in estimate.provenance.conflict:
        use = uses.get(claim_id)
        if use is None:
            sides.append(claim_id)
        else:
            sides.append(f"“{use.value}” ({use.origin}, via {use.outlet})")
    text = Text("Conflict: ", style="bold red")
    text.append(" versus ".join(sides))
    return text


def _uses(uses: Sequence[ClaimUse], title: str) -> RenderableType:
    listing = new_listing()
    for use in uses:
        body = Text()
        body.append(f"“{use.value}”", style="bold")
        if interval(use.low, use.high) != use.value:
            body.append(f" ({interval(use.low, use.high)})")
        body.append(f" from {use.origin}, via {use.outlet}, published {moment(use.published_at)}")
        body.append(f"  [{use.claim_id}]", style="dim")
        marks = [*use.flags, *(["sets " + joined(use.sets)] if use.sets else [])]
        why = use.reason + (f" ({'; '.join(marks)})" if marks else "")
        body.append(f"\n{why}", style="green" if use.counted else "yellow")
        if use.evidence:
            body.append(f"\nevidence: {'; '.join(use.evidence)}", style="dim")
        listing.add_row(
            Text("●" if use.counted else "✗", style="green" if use.counted else "yellow"), body
        )
    return Group(Text(f"{title} ({len(uses)})", style="bold"), listing)


def estimates_summary(estimates: Iterable[FigureEstimate]) -> Table:
    """One line per figure: best, range, status, support."""
    table = new_table("figure", "best", "range", "status", "support", keep=(1, 2, 3, 4))
    table.caption = "support: claims / reports / independent origins behind the estimate"
    table.caption_justify = "left"
    for estimate in estimates:
        summary = EstimateSummary.of(estimate)
        table.add_row(
            estimate.figure,
            number(estimate.best),
            interval(estimate.low, estimate.high),
            status_text(estimate.status),
            f"{summary.claims} / {summary.reports} / {summary.origins}",
        )
    return table


# -- history ------------------------------------------------------------------------------


def _state(summary: EstimateSummary | None) -> str:
    if summary is None:
        return "—"
    best = number(summary.best, open_="none")
    return f"best {best}, range {interval(summary.low, summary.high)}, {summary.status}"


def change_text(change: EstimateChange) -> str:
    """What changed, before → after, field by field."""
    before, after = change.before, change.after
    if before is None:
        return ""
    lines = []
    for field in ("low", "best", "high"):
        if field in change.changed:
            old, new = getattr(before, field), getattr(after, field)
            open_ = "open" if field == "high" else "none"
            lines.append(f"{field} {number(old, open_=open_)} → {number(new, open_=open_)}")
    if "status" in change.changed:
        lines.append(f"status {before.status} → {after.status}")
    if "support" in change.changed:
        lines.append(f"support {support(before)} → {support(after)}")
    if "conflict" in change.changed:
        lines.append(f"conflict: {', '.join(after.conflict) or 'resolved'}")
    return "; ".join(lines) or (
        "low, best, high, status and support unchanged (flags, reasons, or a nested figure's floor)"
    )


def history_table(changes: Sequence[EstimateChange], title: str | None = None) -> RenderableType:
    """Every change of an estimate: which event, when, who and why, what changed."""
    listing = new_listing()
    for change in changes:
        cause = change.cause
        body = Text()
        body.append(" + ".join(dict.fromkeys(c.event.event_type for c in change.causes)), "bold")
        body.append(f" · recorded {recorded(change.recorded_at)}", style="dim")
        if cause.published_at is not None:
            body.append(f" · published {moment(cause.published_at)}", style="dim")
        for each in change.causes:
            mark = f"#{each.event.position} " if len(change.causes) > 1 else ""
            body.append(f"\n{mark}{each.description}")
        if change.before is not None:
            body.append(f"\n{change_text(change)}", style="cyan")
        body.append(f"\nnow: {_state(change.after)}")
        if by := setters(change.after):
            body.append(f"\nset by: {by}", style="dim")
        listing.add_row(Text(f"#{change.position}", style="bold"), body)
        listing.add_row("", "")
    parts: list[RenderableType] = [listing]
    if title:
        parts.insert(0, Text(title, style="bold"))
    if not changes:
        parts.append(Text("no change recorded", style="dim"))
    return Group(*parts)
