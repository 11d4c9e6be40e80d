"""Human output: Rich tables and short texts for estimates, provenance, history and the
rest, written for a reader who is not a programmer. `--json` output lives in `emit`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import typer
from pydantic import BaseModel
from rich import box
from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ledger import VerifyResult
from ledger.domain.estimate import (
    ClaimStatus,
    ClaimUse,
    ClaimView,
    EstimateStatus,
    EstimateSummary,
    FigureEstimate,
)
from ledger.domain.history import EstimateChange
from ledger.domain.model import Figure, Source
from ledger.service.results import CompensationView, ReportView, SourceView

# -- JSON ---------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """`value` as plain JSON data: pydantic models dumped in JSON mode, dataclasses too."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if is_dataclass(value) and not isinstance(value, type):
        return plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def emit(value: Any) -> None:
    """Print `value` as indented JSON on standard output."""
    typer.echo(json.dumps(plain(value), indent=2, ensure_ascii=False))


# -- small formats ------------------------------------------------------------------------

STATUS_STYLE = {
    EstimateStatus.CONSISTENT: "green",
    EstimateStatus.SINGLE_ORIGIN: "cyan",
    EstimateStatus.CONFLICTING: "bold red",
    EstimateStatus.RETRACTED: "magenta",
    EstimateStatus.REFUTED: "magenta",
    EstimateStatus.SUPERSEDED: "magenta",
    EstimateStatus.WITHDRAWN: "magenta",
    EstimateStatus.NO_DATA: "dim",
}

STATUS_MEANING = {
    EstimateStatus.CONSISTENT: (
        "corroborated: independent origins agree at the latest as-of (their ranges overlap)"
    ),
    EstimateStatus.SINGLE_ORIGIN: "one body speaks at the latest as-of; nothing corroborates it",
    EstimateStatus.CONFLICTING: (
        "counted claims (or a nested figure) do not overlap; no best estimate is given"
    ),
    EstimateStatus.RETRACTED: ("their issuers withdrew every claim; the count is unknown, not 0"),
    EstimateStatus.REFUTED: "every claim was shown false; the count is unknown, not 0",
    EstimateStatus.SUPERSEDED: (
        "every claim was replaced, and no replacement stands; the count is unknown, not 0"
    ),
    EstimateStatus.WITHDRAWN: (
        "no claim counts any more (retracted, refuted or replaced); the count is unknown, not 0"
    ),
    EstimateStatus.NO_DATA: "no claim about this figure (at this moment)",
}


def _joined(words: Sequence[str]) -> str:
    """ "low", "low and best", "low, best and high"."""
    return " and ".join(words) if len(words) < 3 else f"{', '.join(words[:-1])} and {words[-1]}"


def number(value: Decimal | int | None, *, open_: str = "—") -> str:
    """A figure with thousands separators; `open_` when there is none."""
    if value is None:
        return open_
    if isinstance(value, Decimal) and value != value.to_integral_value():
        return f"{value:,}"
    return f"{int(value):,}"


def interval(low: Decimal | None, high: Decimal | None) -> str:
    """A range as a reader says it: "5,969 – 5,999", "at least 164", "unknown"."""
    if low is None and high is None:
        return "unknown"
    if high is None:
        return f"at least {number(low)}"
    if low == high:
        return number(low)
    return f"{number(low)} – {number(high)}"


def moment(value: datetime | date | None) -> str:
    """A time as written (with its zone), or a date."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M")
        offset = value.strftime("%z")
        if offset in ("+0000", ""):
            return text + " UTC"
        return f"{text} {offset[:3]}:{offset[3:]}"
    return value.isoformat()


def recorded(value: datetime) -> str:
    """A recorded (transaction) time, in UTC to the second."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def status_text(status: EstimateStatus) -> Text:
    """The status word in its colour."""
    return Text(str(status), style=STATUS_STYLE[status])


def plural(count: int, word: str) -> str:
    """ "1 claim", "2 claims"."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def support(summary: EstimateSummary) -> str:
    """ "4 claims in 2 reports, 1 origin", and the earlier bodies whose floors agree."""
    earlier = f" (+{summary.earlier} earlier, compatible)" if summary.earlier else ""
    return (
        f"{plural(summary.claims, 'claim')} in {plural(summary.reports, 'report')}, "
        f"{plural(summary.origins, 'origin')}{earlier}"
    )


def setters(summary: EstimateSummary) -> str:
    """Who set each number: "low rferl-killed-164, best rferl-killed-164"."""
    return ", ".join(
        f"{field} {by}"
        for field, by in (
            ("low", summary.low_by),
            ("best", summary.best_by),
            ("high", summary.high_by),
        )
        if by is not None
    )


def new_table(*columns: str, title: str | None = None, keep: tuple[int, ...] = ()) -> Table:
    """A plain table whose cells wrap (never cut: ids and reasons must stay readable);
    the columns numbered in `keep` do not wrap at all."""
    table = Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        header_style="bold",
    )
    for index, column in enumerate(columns):
        table.add_column(column, overflow="fold", no_wrap=index in keep)
    return table


def new_listing() -> Table:
    """Two columns, no borders: a marker or number, and a body that wraps under itself."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    return grid


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
        marks = [*use.flags, *(["sets " + _joined(use.sets)] if use.sets else [])]
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


# -- listings -----------------------------------------------------------------------------


def sources_table(sources: Sequence[Source]) -> Table:
    """Every registered source."""
    table = new_table("source", "name", "kind", "part of", "notes", keep=(0, 2))
    for source in sources:
        table.add_row(
            source.source_id, source.name, str(source.kind), source.parent or "", source.notes or ""
        )
    return table


def figures_table(figures: Sequence[Figure], estimates: dict[str, EstimateSummary]) -> Table:
    """Every figure, with its unit, kind and current estimate's headline."""
    table = new_table("figure", "best", "range", "status", keep=(1, 2, 3))
    for figure in figures:
        estimate = estimates.get(figure.figure)
        name = Text(figure.figure)
        name.append(f"\n{figure.unit}, {figure.kind}", style="dim")
        table.add_row(
            name,
            number(estimate.best) if estimate else "—",
            interval(estimate.low, estimate.high) if estimate else "",
            status_text(estimate.status) if estimate else "",
        )
    return table


def claims_table(claims: Sequence[ClaimView], *, with_figure: bool = False) -> RenderableType:
    """Every claim of a figure (or of a report, a source: `with_figure`): what was said, by
    whom, via whom, the quote and our note, and where it stands — with the evidence of
    every compensating event."""
    listing = new_listing()
    for claim in claims:
        listing.add_row(Text(f"#{claim.position}", style="bold"), claim_body(claim, with_figure))
    if not claims:
        return Text("no claim recorded", style="dim")
    return listing


def claim_body(claim: ClaimView, with_figure: bool = False) -> Text:
    """One claim, as `claims_table` lists it."""
    body = Text()
    if with_figure:
        body.append(f"{claim.figure}\n")
    body.append(f"“{claim.value}”", style="bold")
    span = interval(claim.quantity.low, claim.quantity.high)
    if span != claim.value:
        body.append(f" ({span})")
    body.append(f" from {claim.origin}, via {claim.outlet}")
    body.append(f"  [{claim.claim_id}]", style="dim")
    body.append(
        f"\npublished {moment(claim.published_at)} · as of {moment(claim.as_of)} · "
        f"report {claim.report_id}",
        style="dim",
    )
    if claim.derived_from:
        body.append(f"\nrelays {claim.derived_from}", style="dim")
    if claim.quote:
        body.append(f"\nquote: “{claim.quote}”", style="italic")
    if claim.note:
        body.append(f"\nnote: {claim.note}", style="dim")
    counts = claim.status.counts and claim.withdrawn_via is None
    for line in standing_lines(claim):
        body.append(f"\n{line}", style="green" if counts else "yellow")
    return body


def standing_lines(claim: ClaimView) -> list[str]:
    """Where a claim stands, in words: its status with who, why and the evidence, then any
    dispute not already said, each with its evidence or "no evidence given"."""
    standing = str(claim.status)
    if claim.status_by:
        standing += f" by {claim.status_by}"
    if claim.status_reason:
        standing += f": {claim.status_reason}"
    standing += _evidence(claim.status_evidence, claim.status is ClaimStatus.DISPUTED)
    if claim.withdrawn_via:
        standing += f"; rests on withdrawn claim {claim.withdrawn_via}"
    lines = [standing]
    for dispute in claim.disputes:
        if dispute.position != claim.status_position:
            lines.append(
                f"also disputed by {dispute.by}: {dispute.reason}"
                + _evidence(dispute.evidence, dispute=True)
            )
    return lines


def _evidence(evidence: str | None, dispute: bool = False) -> str:
    """ " — evidence: …", or for a dispute without any " — no evidence given"."""
    if evidence:
        return f" — evidence: {evidence}"
    return " — no evidence given" if dispute else ""


def report_view(report: ReportView) -> RenderableType:
    """A report as recorded, and its claims with where each stands now."""
    parts: list[RenderableType] = [Text(report.title or "(no title)", style="bold underline")]
    facts = Text()
    facts.append(f"report {report.report_id} · {report.outlet}")
    if report.channel:
        facts.append(f" ({report.channel})")
    facts.append(f" · published {moment(report.published_at)}")
    parts.append(facts)
    if report.url:
        parts.append(Text(report.url, style="underline"))
    detail = f"recorded at position {report.position}"
    if report.content_hash:
        detail += f" · content sha256 {report.content_hash}"
    parts.append(Text(detail, style="dim"))
    parts.append(Text(f"Claims ({len(report.claims)})", style="bold"))
    parts.append(claims_table(report.claims, with_figure=True))
    return Group(*parts)


def source_view(found: SourceView) -> RenderableType:
    """A source, the claims it originated and carried, and the compensations it issued."""
    source = found.source
    title = Text(source.source_id, style="bold underline")
    title.append(f"  {source.name} ({source.kind})", style="bold")
    parts: list[RenderableType] = [title]
    if source.parent:
        parts.append(Text(f"part of {source.parent}", style="dim"))
    if source.notes:
        parts.append(Text(source.notes, style="dim"))
    sections = (
        ("Originated", found.originated, "no claim comes from it"),
        ("Carried as outlet", found.carried, "it published no report"),
    )
    for heading, claims, empty in sections:
        parts.append(Text(f"{heading} ({len(claims)})", style="bold"))
        parts.append(claims_table(claims, with_figure=True) if claims else Text(empty, style="dim"))
    parts.append(Text(f"Compensations issued ({len(found.compensations)})", style="bold"))
    if found.compensations:
        listing = new_listing()
        for compensation in found.compensations:
            listing.add_row(
                Text(f"#{compensation.position}", style="bold"), compensation_body(compensation)
            )
        parts.append(listing)
    else:
        parts.append(Text("none", style="dim"))
    return Group(*parts)


def compensation_body(compensation: CompensationView) -> Text:
    """ "ClaimRetracted claim X (figure) · published …" and why, with the evidence."""
    body = Text()
    body.append(compensation.type, style="bold")
    body.append(f" claim {compensation.claim_id}  ({compensation.figure})")
    body.append(f" · published {moment(compensation.published_at)}", style="dim")
    why = compensation.reason
    if compensation.replacement:
        why += f" (replaced by {compensation.replacement})"
    why += _evidence(compensation.evidence, compensation.type == "ClaimDisputed")
    body.append(f"\n{why}")
    return body


CHAIN_PROBLEMS = ("content changed", "event missing", "order changed", "duplicated")


def verify_text(result: VerifyResult) -> Text:
    """The chain is intact (and each further check that held, one line each), or the first
    problem found."""
    if result.ok:
        text = Text.assemble(
            ("✓ hash chain intact", "bold green"),
            f": {plural(result.count, 'event')}, head #{result.head_position} "
            f"{result.head_hash[:16]}…",
        )
        if result.content:
            text.append("\n")
            text.append("✓ every event passes the ledger's rules", "bold green")
        for anchor in result.anchors:
            text.append("\n")
            text.append("✓ anchor holds", "bold green")
            text.append(f": position {anchor.position} has hash {anchor.hash[:16]}…")
        if result.deep:
            text.append("\n")
            text.append("✓ read model equals a rebuild from the log", "bold green")
        return text
    detail = f" — {result.detail}" if result.detail else ""
    if result.problem in CHAIN_PROBLEMS:
        return Text.assemble(
            ("✗ hash chain broken", "bold red"),
            f" at position {result.bad_position}: {result.problem}{detail}",
        )
    where = f" at position {result.bad_position}" if result.bad_position is not None else ""
    return Text.assemble(
        (f"✗ {result.problem}", "bold red"),
        f"{where}{detail}",
        f" (the hash chain itself is intact: {plural(result.count, 'event')})",
    )


def markup(text: str) -> str:
    """Escape user text for Rich markup."""
    return escape(text)
