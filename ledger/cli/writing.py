"""Commands that append: sources, figures, reports, and the compensating events."""

from __future__ import annotations

import tempfile
import textwrap
from json import dumps
from typing import Annotated, TextIO

import typer

from ledger.cli import render
from ledger.cli.app import app, progress_bar, stdout
from ledger.cli.inputs import check_reports, write_reports
from ledger.cli.options import Db, Json, opened, parse_day, parse_time
from ledger.cli.report_files import open_reports
from ledger.domain.model import FigureKind, SourceKind
from ledger.service.ledger import RecordedEvent, RecordedReport

By = Annotated[
    str,
    typer.Option(
        "--by", metavar="SOURCE", help="The source that says so (a registered source id)."
    ),
]
Reason = Annotated[str, typer.Option("--reason", help="Why, in words a reader can check.")]
Evidence = Annotated[
    str | None,
    typer.Option("--evidence", help="Where it is shown: a quote, a URL, an archive link."),
]
RequiredEvidence = Annotated[
    str,
    typer.Option("--evidence", help="What shows it false: a document, a URL, an archive link."),
]
PublishedAt = Annotated[
    str | None,
    typer.Option(
        "--published-at",
        metavar="TIME",
        help="When it was made public: ISO 8601 with a zone, e.g. 2022-01-09T12:00:00-05:00.",
    ),
]
ClaimArg = Annotated[str, typer.Argument(metavar="CLAIM_ID", help="The claim it is about.")]


@app.command(rich_help_panel="Record")
def append(
    file: Annotated[
        str,
        typer.Argument(
            metavar="FILE|-",
            help="Reports as JSON, YAML or JSON Lines ('-' reads standard input).",
        ),
    ],
    db: Db = None,
    json: Json = False,
) -> None:
    """Record reports and their claims from a JSON, YAML or JSON Lines file.

    The whole file is checked first (its shape, then every source and figure it names);
    the reports are then appended in one transaction, so an error anywhere (named by
    line and field) writes nothing.

    A report: outlet, published_at (with a zone), optional title, url, channel,
    content_hash, report_id, and claims, each with figure, value as written ("at least
    5,969"), as_of, origin, and optionally quote, derived_from, claim_id, note."""
    source = open_reports(file)
    try:
        with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
            with opened(db) as lg, progress_bar() as bar:
                checking = bar.add_task("checking", total=None)
                batch = check_reports(lg, source, lambda done: bar.update(checking, completed=done))
                writing = bar.add_task("writing", total=batch.count)

                def keep(report: RecordedReport) -> None:
                    spool.write(report.model_dump_json() + "\n")

                write_reports(
                    lg,
                    batch,
                    recorded=keep,
                    progress=lambda done: bar.update(writing, completed=done),
                )
            spool.seek(0)
            _show_recorded(spool, json)
    finally:
        source.close()


def _show_recorded(spool: TextIO, json: bool) -> None:
    """Print what was recorded, read back one report at a time from `spool` (written
    during the transaction, shown only once it committed)."""
    reports = (RecordedReport.model_validate_json(line) for line in spool)
    if json:
        first = True
        typer.echo("[", nl=False)
        for report in reports:
            item = dumps(render.plain(report), indent=2, ensure_ascii=False)
            typer.echo(("\n" if first else ",\n") + textwrap.indent(item, "  "), nl=False)
            first = False
        typer.echo("\n]")
        return
    out = stdout()
    count = claims = 0
    lines: list[str] = []
    for report in reports:
        lines.append(
            f"#{report.first_position}–{report.last_position} report "
            f"{render.markup(report.report_id)} ({render.markup(report.outlet)}, published "
            f"{render.moment(report.published_at)})"
        )
        for claim in report.claims:
            span = render.interval(claim.quantity.low, claim.quantity.high)
            lines.append(
                f"  {render.markup(claim.claim_id)}: {render.markup(claim.figure)} "
                f"“{render.markup(claim.value)}” → {span}"
            )
        count, claims = count + 1, claims + len(report.claims)
        if len(lines) >= 500:  # one print per few hundred lines: Rich's cost is per call
            out.print("\n".join(lines), soft_wrap=True)
            lines = []
    lines.append(f"recorded {render.plural(count, 'report')} with {render.plural(claims, 'claim')}")
    out.print("\n".join(lines), soft_wrap=True)


@app.command("register-source", rich_help_panel="Record")
def register_source(
    source_id: Annotated[str, typer.Argument(metavar="SOURCE_ID", help="e.g. kz-health-ministry")],
    name: Annotated[str, typer.Option("--name", help="The source's full name.")],
    kind: Annotated[SourceKind, typer.Option("--kind", help="What sort of actor it is.")],
    parent: Annotated[
        str | None,
        typer.Option(
            "--parent",
            metavar="SOURCE",
            help="The body it belongs to (claims from one body are not independent).",
        ),
    ] = None,
    notes: Annotated[
        str | None, typer.Option("--notes", help="Anything a reader should know.")
    ] = None,
    db: Db = None,
    json: Json = False,
) -> None:
    """Register a source: an actor that asserts or relays figures.

    A ministry, an outlet, a channel, a person. Sources that share a top-level --parent
    are not independent of each other."""
    with opened(db) as lg:
        source = lg.register_source(source_id, name=name, kind=kind, parent=parent, notes=notes)
    if json:
        render.emit(source)
    else:
        stdout().print(f"registered source {render.markup(source.source_id)} ({source.kind})")


@app.command("define-figure", rich_help_panel="Record")
def define_figure(
    figure: Annotated[
        str,
        typer.Argument(
            metavar="FIGURE", help="event/measure/place, e.g. kz-unrest-2022/killed/almaty"
        ),
    ],
    unit: Annotated[str, typer.Option("--unit", help="What is counted.")] = "people",
    kind: Annotated[
        FigureKind,
        typer.Option(
            "--kind", help="cumulative (never decreases with as-of time) or level (up and down)."
        ),
    ] = FigureKind.CUMULATIVE,
    parent: Annotated[
        str | None, typer.Option("--parent", metavar="FIGURE", help="The figure it is part of.")
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", help="What it counts.")
    ] = None,
    db: Db = None,
    json: Json = False,
) -> None:
    """Define a figure: what is counted, its unit, cumulative or level.

    Keys are event/measure/place. Cumulative figures (deaths, detentions) never decrease
    with as-of time; levels (troops deployed) go up and down."""
    with opened(db) as lg:
        defined = lg.define_figure(
            figure, unit=unit, kind=kind, parent=parent, description=description
        )
    if json:
        render.emit(defined)
    else:
        stdout().print(
            f"defined figure {render.markup(defined.figure)} ({defined.unit}, {defined.kind})"
        )


def _done(events: list[RecordedEvent], json: bool) -> None:
    if json:
        render.emit(events if len(events) != 1 else events[0])
        return
    out = stdout()
    for event in events:
        out.print(
            f"#{event.position} {event.type}"
            + (f" of claim {render.markup(event.claim_id)}" if event.claim_id else "")
            + f", recorded {render.recorded(event.recorded_at)}"
        )


@app.command(rich_help_panel="Compensate")
def retract(
    claim_id: ClaimArg,
    by: By,
    reason: Reason,
    evidence: Evidence = None,
    published_at: PublishedAt = None,
    db: Db = None,
    json: Json = False,
) -> None:
    """The issuer withdrew a claim: it stays on record and stops counting.

    Only the issuer may: the claim's origin, a source of the same top-level body, or the
    outlet for its own copy (--by); anyone else disputes it. Every relay of it is marked
    as resting on a withdrawn source. A retraction is never taken as evidence that the
    true number is lower."""
    when = parse_time(published_at, "--published-at") if published_at else None
    with opened(db) as lg:
        event = lg.retract(claim_id, by=by, reason=reason, evidence=evidence, published_at=when)
    _done([event], json)


@app.command("retract-report", rich_help_panel="Compensate")
def retract_report(
    report_id: Annotated[str, typer.Argument(metavar="REPORT_ID", help="The report withdrawn.")],
    by: By,
    reason: Reason,
    evidence: Evidence = None,
    published_at: PublishedAt = None,
    db: Db = None,
    json: Json = False,
) -> None:
    """A whole report was withdrawn: retract each of its claims still counted.

    For a deleted post or a pulled article; all in one transaction."""
    when = parse_time(published_at, "--published-at") if published_at else None
    with opened(db) as lg:
        events = lg.retract_report(
            report_id, by=by, reason=reason, evidence=evidence, published_at=when
        )
    _done(events, json)


@app.command(rich_help_panel="Compensate")
def dispute(
    claim_id: ClaimArg,
    by: By,
    reason: Reason,
    evidence: Evidence = None,
    published_at: PublishedAt = None,
    db: Db = None,
    json: Json = False,
) -> None:
    """Someone questioned a claim: it still counts, flagged as disputed."""
    when = parse_time(published_at, "--published-at") if published_at else None
    with opened(db) as lg:
        event = lg.dispute(claim_id, by=by, reason=reason, evidence=evidence, published_at=when)
    _done([event], json)


@app.command(rich_help_panel="Compensate")
def refute(
    claim_id: ClaimArg,
    by: By,
    reason: Reason,
    evidence: RequiredEvidence,
    published_at: PublishedAt = None,
    db: Db = None,
    json: Json = False,
) -> None:
    """Evidence shows a claim is false: it stops counting, stays on record.

    An editorial judgement, anyone's to make, and it must carry its evidence; without
    evidence, dispute the claim instead."""
    when = parse_time(published_at, "--published-at") if published_at else None
    with opened(db) as lg:
        event = lg.refute(claim_id, by=by, reason=reason, evidence=evidence, published_at=when)
    _done([event], json)


@app.command(rich_help_panel="Compensate")
def supersede(
    claim_id: ClaimArg,
    replacement: Annotated[
        str,
        typer.Option("--replacement", metavar="CLAIM_ID", help="The origin's newer claim."),
    ],
    by: By,
    reason: Annotated[
        str, typer.Option("--reason", help="Why, in words a reader can check.")
    ] = "the origin published a newer figure",
    evidence: Evidence = None,
    published_at: PublishedAt = None,
    db: Db = None,
    json: Json = False,
) -> None:
    """The same body published a newer figure that replaces this claim.

    --by must be a source of the claim's body, and --replacement a claim of the same figure
    from that body, still counted and not older. An origin's later statement already
    supersedes its earlier one by itself; this records that the body said so."""
    when = parse_time(published_at, "--published-at") if published_at else None
    with opened(db) as lg:
        event = lg.supersede(
            claim_id,
            replacement=replacement,
            by=by,
            reason=reason,
            evidence=evidence,
            published_at=when,
        )
    _done([event], json)


@app.command(rich_help_panel="Compensate")
def correct(
    claim_id: ClaimArg,
    reason: Reason,
    value: Annotated[str | None, typer.Option("--value", help="The value as written.")] = None,
    figure: Annotated[str | None, typer.Option("--figure", help="The right figure key.")] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", metavar="DATE|TIME", help="The right as-of: a date, or a time with a zone."
        ),
    ] = None,
    origin: Annotated[
        str | None, typer.Option("--origin", metavar="SOURCE", help="The right origin.")
    ] = None,
    quote: Annotated[str | None, typer.Option("--quote", help="The right verbatim quote.")] = None,
    derived_from: Annotated[
        str | None, typer.Option("--derived-from", metavar="CLAIM_ID", help="The claim it relays.")
    ] = None,
    evidence: Evidence = None,
    db: Db = None,
    json: Json = False,
) -> None:
    """Fix our own extraction mistake (never a source's retraction).

    The claim is marked corrected and a replacement with the given fields (the others
    copied) is recorded in the same report. Corrections hold for every past date."""
    when = parse_day(as_of, "--as-of") if as_of else None
    with opened(db) as lg:
        fixed = lg.correct(
            claim_id,
            reason=reason,
            value=value,
            figure=figure,
            as_of=when,
            origin=origin,
            quote=quote,
            derived_from=derived_from,
            evidence=evidence,
        )
    if json:
        render.emit(fixed)
    else:
        stdout().print(
            f"#{fixed.position} claim {render.markup(claim_id)} corrected: replaced by "
            f"{render.markup(fixed.claim_id)} ({render.markup(fixed.figure)} "
            f"“{render.markup(fixed.value)}”)"
        )
