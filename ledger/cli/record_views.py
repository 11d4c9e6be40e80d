"""What the ledger holds, as recorded: sources, figures, the claims of a figure with
where each stands now, a report and its claims, a source and what became of what it
said, and the compensating events it issued."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ledger.cli.render import interval, moment, new_listing, new_table, number, status_text
from ledger.domain.estimate import ClaimStatus, ClaimView, EstimateSummary
from ledger.domain.model import Figure, Source
from ledger.service.results import CompensationView, ReportView, SourceView


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
