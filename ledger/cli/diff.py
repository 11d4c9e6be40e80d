"""`ledger diff` rendered: the two estimates, the claims whose standing or flags changed,
and the events that did it (the comparison is `ledger.service.diff`)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from ledger.cli import estimate_views, render
from ledger.service.diff import FigureDiff


def diff_view(diff: FigureDiff) -> RenderableType:
    """The difference as a reader wants it: the two estimates, the claims, the events."""
    title = Text(diff.figure, style="bold underline")
    span = Text(f"from {diff.start}\n  to {diff.end}", style="italic")
    estimates = render.new_table("", "best", "range", "status", "support")
    for label, summary in (("from", diff.before), ("to", diff.after)):
        estimates.add_row(
            label,
            render.number(summary.best),
            render.interval(summary.low, summary.high),
            render.status_text(summary.status),
            render.support(summary),
        )
    verdict = (
        Text("changed: " + ", ".join(diff.changed), style="bold")
        if diff.changed
        else Text("no change in low, best, high, status or support", style="bold")
    )
    parts: list[RenderableType] = [title, span, estimates, verdict]
    if diff.claims:
        listing = render.new_listing()
        for claim in diff.claims:
            body = Text()
            body.append(f"“{claim.value}”", style="bold")
            body.append(f" from {claim.origin}, via {claim.outlet}")
            body.append(f"  [{claim.claim_id}]", style="dim")
            body.append(f"\nbefore: {_with_flags(claim.before, claim.flags_before)}")
            body.append(
                f"\nafter:  {_with_flags(claim.after, claim.flags_after) or 'not known'}",
                style="cyan",
            )
            listing.add_row(Text("•"), body)
        parts += [Text("Claims whose standing or flags changed", style="bold"), listing]
    if diff.events:
        parts.append(estimate_views.history_table(diff.events, title="Events that did it"))
    else:
        parts.append(Text("no event in between changed this figure", style="dim"))
    return Group(*parts)


def _with_flags(standing: str | None, flags: tuple[str, ...]) -> str:
    """A claim's standing and its flags, in words: "counted [disputed by nyt]"."""
    if standing is None:
        return "not yet known"
    return standing + (f" [{'; '.join(flags)}]" if flags else "")
