"""Commands that read: sources, figures, claims, a report, a source, estimates (now or as of
a past moment), history, diff and the picture. All of them answer from the read model —
none replays."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from ledger.cli import estimate_views, record_views, render
from ledger.cli.app import app, stdout
from ledger.cli.diff import diff_view
from ledger.cli.options import Db, Json, opened, parse_day, parse_moment, parse_time
from ledger.errors import InvalidInputError
from ledger.service.diff import figure_diff

FigureArg = Annotated[
    str,
    typer.Argument(metavar="FIGURE", help="A figure key, e.g. kz-unrest-2022/killed/kazakhstan."),
]


@app.command(rich_help_panel="Read")
def sources(db: Db = None, json: Json = False) -> None:
    """List every registered source."""
    with opened(db) as lg:
        found = lg.sources()
    if json:
        render.emit(found)
    else:
        stdout().print(record_views.sources_table(found))


@app.command(rich_help_panel="Read")
def figures(db: Db = None, json: Json = False) -> None:
    """List every figure with its unit, kind and current estimate."""
    with opened(db) as lg:
        found = lg.figures()
        estimates = lg.summaries()
    if json:
        render.emit(found)
    else:
        stdout().print(record_views.figures_table(found, estimates))


@app.command(rich_help_panel="Read")
def claims(figure: FigureArg, db: Db = None, json: Json = False) -> None:
    """List every claim of a figure, and where each stands now.

    What was said, by whom (origin), via which outlet, when, and its standing: active,
    disputed, retracted, superseded, refuted or corrected."""
    with opened(db) as lg:
        found = lg.claims(figure)
    if json:
        render.emit(found)
    else:
        stdout().print(record_views.claims_table(found))


@app.command(rich_help_panel="Read")
def report(
    report_id: Annotated[
        str, typer.Argument(metavar="REPORT_ID", help="A report id, e.g. rferl-2022-01-09.")
    ],
    db: Db = None,
    json: Json = False,
) -> None:
    """A report as recorded, and its claims with where each stands now.

    Title, outlet and channel, publication time, URL, content hash and the position it
    was recorded at; then every claim it carried, with its quote, our note, and its
    standing with the evidence of any compensating event."""
    with opened(db) as lg:
        found = lg.report(report_id)
    if json:
        render.emit(found)
    else:
        stdout().print(record_views.report_view(found))


@app.command(rich_help_panel="Read")
def source(
    source_id: Annotated[
        str, typer.Argument(metavar="SOURCE_ID", help="A source id, e.g. kz-health-ministry.")
    ],
    db: Db = None,
    json: Json = False,
) -> None:
    """A source and what became of what it said.

    Its name, kind, the body it belongs to and notes; the claims it originated (it is
    their origin) and the claims it carried as an outlet, each with where it stands now;
    and the compensating events it issued (retractions, disputes…), with their evidence."""
    with opened(db) as lg:
        found = lg.source(source_id)
    if json:
        render.emit(found)
    else:
        stdout().print(record_views.source_view(found))


@app.command(rich_help_panel="Read")
def estimate(
    figure: FigureArg,
    at: Annotated[
        int | None,
        typer.Option("--at", metavar="POSITION", help="As the ledger stood after this position."),
    ] = None,
    recorded_before: Annotated[
        str | None,
        typer.Option(
            "--recorded-before",
            metavar="TIME",
            help="As the ledger stood at this time (ISO 8601 with a zone).",
        ),
    ] = None,
    known_on: Annotated[
        str | None,
        typer.Option(
            "--known-on",
            metavar="DATE",
            help="Only reports published by the end of this day (UTC), or by a time with a zone.",
        ),
    ] = None,
    db: Db = None,
    json: Json = False,
) -> None:
    """A figure's best estimate with its provenance, now or as of a past moment.

    Low, best, high and status, then the claims counted and not counted (each with the
    reason), reports versus independent origins, any conflict, and the event that last
    changed it. At most one of --at, --recorded-before, --known-on; all are answered
    from the indexed read model, without replaying the log."""
    chosen = [
        name
        for name, value in (
            ("--at", at),
            ("--recorded-before", recorded_before),
            ("--known-on", known_on),
        )
        if value is not None
    ]
    if len(chosen) > 1:
        raise InvalidInputError(chosen[1], f"give only one of {', '.join(chosen)}")
    with opened(db) as lg:
        if at is not None:
            if at < 0:
                raise InvalidInputError("--at", "a position is 0 or more")
            found = lg.estimate(figure, at_position=at)
            when = f"after position {found.position}"
        elif recorded_before is not None:
            found = lg.estimate(
                figure, recorded_before=parse_time(recorded_before, "--recorded-before")
            )
            when = f"as recorded before {recorded_before} (position {found.position})"
        elif known_on is not None:
            found = lg.estimate(figure, known_on=parse_day(known_on, "--known-on"))
            when = f"as known on {known_on}"
        else:
            found = lg.estimate(figure)
            when = None
        description = {f.figure: f for f in lg.figures()}.get(figure)
    if json:
        render.emit(found)
    else:
        stdout().print(estimate_views.estimate_view(found, description, moment_text=when))


@app.command(rich_help_panel="Read")
def history(
    figure: FigureArg,
    db: Db = None,
    after: Annotated[
        int | None,
        typer.Option("--after", metavar="POS", min=0, help="Only changes after this position."),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option("--limit", metavar="N", min=1, help="At most N changes (a page)."),
    ] = None,
    json: Json = False,
) -> None:
    """Every change of a figure's estimate, each with its causes.

    Low, best, high, status and support, before and after; when the change was
    recorded, every event that caused it, its source and its reason, and which claim set
    low, best and high. --limit N pages through a long history: the next page is
    --after the last position shown."""
    with opened(db) as lg:
        changes = lg.history(figure, after=after, limit=limit)
    if json:
        render.emit(changes)
        return
    stdout().print(estimate_views.history_table(changes, title=f"History of {figure}"))
    if limit is not None and len(changes) == limit:
        more = f"ledger history {figure} --after {changes[-1].position} --limit {limit}"
        stdout().print(Text(f"more: {more}", style="dim"))


@app.command(rich_help_panel="Read")
def diff(
    figure: FigureArg,
    start: Annotated[
        str,
        typer.Option(
            "--from",
            metavar="T",
            help="A position (42), a time with a zone (as recorded then), or a date (as known on).",
        ),
    ],
    end: Annotated[
        str | None,
        typer.Option("--to", metavar="T", help="Like --from; default: now (the head)."),
    ] = None,
    db: Db = None,
    json: Json = False,
) -> None:
    """What changed in a figure's estimate between two moments, and why.

    Shows both estimates, the claims whose standing or flags (a dispute, a conflict)
    changed, and the events that did it.
    T is a position (an integer), an ISO time with a zone (the ledger as recorded then),
    or a date YYYY-MM-DD (as known on that day: reports published by its end, UTC).
    Compare dates with dates; positions and times mix."""
    first = parse_moment(start, "--from")
    with opened(db) as lg:
        second = parse_moment(end if end is not None else str(lg.head()), "--to")
        result = figure_diff(lg, figure, first, second, fields=("--from", "--to"))
    if json:
        render.emit(result)
    else:
        stdout().print(diff_view(result))


@app.command(rich_help_panel="Read")
def plot(
    figure: FigureArg,
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", metavar="FILE.svg|FILE.png", help="Where to save the picture."
        ),
    ],
    axis: Annotated[
        str,
        typer.Option(
            "--axis",
            help="published: the estimate as known at each publication time; "
            "recorded: as the ledger recorded it.",
        ),
    ] = "published",
    log: Annotated[
        bool | None,
        typer.Option(
            "--log/--linear",
            help="The y scale; default: log when the values span more than a factor of 10.",
        ),
    ] = None,
    db: Db = None,
    json: Json = False,
) -> None:
    """Draw a figure's low / best / high over time as an SVG or PNG step chart.

    Every claim is a marker labelled with its origin, retractions are marked, conflicts
    shaded. The time axis is publication time (the estimate as known then) or recorded
    time. The y scale is logarithmic when the values span more than a factor of 10
    (a zero is then drawn on the bottom edge). Needs matplotlib, the 'plot' extra."""
    from ledger.cli.plot import save

    if axis not in ("published", "recorded"):
        raise InvalidInputError("--axis", "must be 'published' or 'recorded'")
    with opened(db) as lg:
        picture = save(
            lg,
            figure,
            str(output),
            "published" if axis == "published" else "recorded",
            None if log is None else "log" if log else "linear",
        )
    if json:
        render.emit(picture)
    else:
        stdout().print(
            Text(
                f"saved {output}: {render.plural(picture.steps, 'step')}, "
                f"{render.plural(picture.claims, 'claim')}, "
                f"{render.plural(picture.withdrawals, 'withdrawal')}, "
                f"{render.plural(picture.conflicts, 'conflict span')}"
            )
        )
