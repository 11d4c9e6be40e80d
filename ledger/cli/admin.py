"""Commands that look after the ledger as a whole: init, migrate, replay, head, verify,
export, import."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, TextIO

import typer

from ledger import Anchor
from ledger.cli import render, verify_view
from ledger.cli.app import CHECK_FAILED, UserError, app, progress_bar, stderr, stdout
from ledger.cli.options import Db, Json, database_url, opened, shown
from ledger.errors import LogTruncatedError
from ledger.service import schema
from ledger.service.seeds import load_seeds
from ledger.service.transfer import export_lines, import_lines


@app.command(rich_help_panel="Set up")
def init(
    db: Db = None,
    seeds: Annotated[
        bool,
        typer.Option(
            "--seeds",
            help="Also load the founding case (Kazakhstan, January 2022) into the new ledger.",
        ),
    ] = False,
    json: Json = False,
) -> None:
    """Create a ledger, with its schema at the newest version.

    A SQLite file, or the tables in a PostgreSQL database. An existing ledger is left as
    it is (its schema upgraded if needed)."""
    with opened(db, create=True) as lg:
        if seeds:
            if lg.head():
                raise UserError(
                    f"{shown(lg.url)} already holds {lg.head()} events; --seeds needs a new ledger"
                )
            load_seeds(lg)
        head = lg.head()
        revision = schema.revision(lg)
        if json:
            render.emit({"db": shown(lg.url), "revision": revision, "events": head})
            return
        stdout().print(
            f"ledger ready at [bold]{render.markup(shown(lg.url))}[/] "
            f"(schema {revision}, {render.plural(head, 'event')})"
        )


@app.command(rich_help_panel="Set up")
def migrate(
    db: Db = None,
    sql: Annotated[
        bool,
        typer.Option("--sql", help="Print the DDL an upgrade would run, without connecting."),
    ] = False,
    json: Json = False,
) -> None:
    """Bring the schema to the newest version (or print its SQL with --sql).

    Runs the Alembic migrations. With --sql nothing is touched: the DDL for the
    database's dialect is printed for a DBA to review and run."""
    if sql:
        typer.echo(schema.upgrade_sql(database_url(db)), nl=False)
        return
    with opened(db, create=True) as lg:
        revision = schema.revision(lg)
        if json:
            render.emit({"db": shown(lg.url), "revision": revision, "head": revision})
            return
        stdout().print(f"schema at {revision} (the newest) in {render.markup(shown(lg.url))}")


Expect = Annotated[
    list[str] | None,
    typer.Option(
        "--expect",
        metavar="HASH@POS",
        help=(
            "An anchor printed earlier by `ledger head`: fail unless the log has this hash "
            "at this position. Repeatable."
        ),
        show_default=False,
    ),
]


def _expected(values: list[str] | None) -> list[Anchor]:
    return [Anchor.parse(value, "--expect") for value in values or []]


@app.command(rich_help_panel="Audit")
def replay(
    db: Db = None,
    no_check: Annotated[
        bool,
        typer.Option(
            "--no-check", help="Rebuild without comparing the result with the live read model."
        ),
    ] = False,
    accept_truncation: Annotated[
        bool,
        typer.Option(
            "--accept-truncation",
            help=(
                "Rebuild even though the read model shows that events were removed from the "
                "log, erasing that evidence."
            ),
        ),
    ] = False,
    json: Json = False,
) -> None:
    """Rebuild the read model from the log, and prove it equals the live one.

    Every projection (claims, estimates, history) is rebuilt from position 0 with a
    progress bar; the result is compared with the state kept live. Exit code 1 if they
    differ, or if the read model has applied events the log no longer holds (events were
    removed): nothing is rebuilt over that evidence unless --accept-truncation."""
    with opened(db) as lg:
        try:
            if json:
                result = lg.replay(check=not no_check, accept_truncation=accept_truncation)
            else:
                with progress_bar() as progress:
                    task = progress.add_task("replaying", total=lg.head() or None)

                    def advance(done: int, total: int) -> None:
                        progress.update(task, completed=done, total=total or None)

                    result = lg.replay(
                        check=not no_check, progress=advance, accept_truncation=accept_truncation
                    )
        except LogTruncatedError as error:
            raise UserError(
                f"{error}; nothing rebuilt. Restore the log from a backup (`ledger import` "
                "into a new ledger), or rebuild over the evidence with --accept-truncation",
                CHECK_FAILED,
            ) from error
    if json:
        render.emit(result)
    else:
        out = stdout()
        out.print(
            f"replayed {render.plural(result.events, 'event')} into "
            f"{render.plural(result.figures, 'figure')} in {result.seconds:.2f} s"
        )
        if result.identical is True:
            out.print("[bold green]✓ rebuilt read model identical to the live one[/]")
        elif result.identical is False:
            out.print("[bold red]✗ rebuilt read model differs from the live one:[/]")
            for difference in result.differences:
                out.print(f"  {render.markup(difference)}")
    if result.identical is False:
        raise typer.Exit(CHECK_FAILED)


@app.command(rich_help_panel="Audit")
def head(
    db: Db = None,
    at: Annotated[
        int | None,
        typer.Option(
            "--at", metavar="POS", help="The anchor of this position (default: the head).", min=0
        ),
    ] = None,
    json: Json = False,
) -> None:
    """Print the anchor to publish: HASH@POSITION of the log's head (or of --at POS).

    Keep it where the database's operator cannot rewrite it (a newsletter, a notary, a
    git commit). `ledger verify --expect HASH@POS` later fails unless the log still has
    that hash at that position: it catches events removed from the end and a rewritten,
    self-consistent chain, which the chain alone cannot show."""
    with opened(db) as lg:
        anchor = lg.anchor(at)
    if json:
        render.emit({"position": anchor.position, "hash": anchor.hash, "anchor": str(anchor)})
        return
    typer.echo(str(anchor))


@app.command(rich_help_panel="Audit")
def verify(
    db: Db = None,
    expect: Expect = None,
    deep: Annotated[
        bool,
        typer.Option(
            "--deep",
            help=(
                "Also rebuild the read model from the log (in a transaction rolled back) and "
                "compare it with the stored one."
            ),
        ),
    ] = False,
    chain_only: Annotated[
        bool,
        typer.Option(
            "--chain-only", help="Skip the content check: the chain, anchors and --deep only."
        ),
    ] = False,
    json: Json = False,
) -> None:
    """Check the hash chain and what it cannot show; name the first problem.

    Walks the chain from the first event to the last: if an event was changed, removed,
    duplicated or reordered behind the ledger's back, prints the first bad position and
    what is wrong there. Then fails if the read model has applied events the log no
    longer holds (events removed from its end), if an anchor given with --expect does
    not hold, if an event with a valid hash is one the ledger's rules refuse (an unknown
    type, a claim that does not exist, a quantity the lexicon does not read from its
    value: the log is folded through the rules, never trusting the read model), and with
    --deep if the stored read model (estimates, claims, history) is not what the log
    rebuilds to. Exit code 1 on any problem."""
    anchors = _expected(expect)
    with opened(db) as lg:
        result = lg.verify(anchors, deep=deep, content=not chain_only)
    if json:
        render.emit(result)
    else:
        stdout().print(verify_view.verify_text(result))
    if not result.ok:
        raise typer.Exit(CHECK_FAILED)


@app.command(rich_help_panel="Audit")
def export(
    db: Db = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of standard output."),
    ] = None,
) -> None:
    """Write the whole log as JSON Lines (streamed).

    One stored event per line, exactly as recorded: position, stream and version, event
    id, type, schema version, payload, metadata, recorded time, previous hash and hash.
    `ledger import` loads it back with identical hashes."""
    with opened(db) as lg:
        if output is None:
            _write(sys.stdout, export_lines(lg))
            return
        with output.open("w", encoding="utf-8") as file:
            count = _write(file, export_lines(lg))
        stderr().print(f"exported {render.plural(count, 'event')} to {output}")


def _write(file: TextIO, lines: Iterator[str]) -> int:
    count = 0
    for line in lines:
        file.write(line)
        file.write("\n")
        count += 1
    file.flush()
    return count


@app.command("import", rich_help_panel="Audit")
def import_(
    file: Annotated[
        str, typer.Argument(metavar="FILE|-", help="An export (JSON Lines); '-' for stdin.")
    ],
    db: Db = None,
    expect: Expect = None,
    json: Json = False,
) -> None:
    """Load an export into an empty ledger, verbatim, with identical hashes.

    Same positions, event ids, recorded times and hashes; every record's hash and link
    are checked before it is written, all in one transaction, then the read model is
    rebuilt and the chain verified. Nothing is written if any record is bad, if an
    anchor given with --expect is not matched by the export, or if the target already
    holds events."""
    anchors = _expected(expect)
    with opened(db, create=True) as lg:
        lines, name = _lines(file)
        if json:
            result = import_lines(lg, lines, name, expect=anchors)
        else:
            with progress_bar() as progress:
                task = progress.add_task("importing", total=None)
                result = import_lines(
                    lg,
                    lines,
                    name,
                    expect=anchors,
                    progress=lambda done: progress.update(task, completed=done),
                )
        check = lg.verify()
    if json:
        render.emit({"import": result, "verify": check})
    else:
        out = stdout()
        out.print(
            f"imported {render.plural(result.events, 'event')} "
            f"({render.plural(result.figures, 'figure')}) into {render.markup(shown(lg.url))}"
        )
        out.print(verify_view.verify_text(check))
    if not check.ok:
        raise typer.Exit(CHECK_FAILED)


def _lines(file: str) -> tuple[Iterator[bytes], str]:
    """The lines of the export as bytes: `import_lines` decodes each, naming a bad one."""
    if file == "-":
        return iter(sys.stdin.buffer), "<stdin>"
    path = Path(file)
    if not path.is_file():
        raise UserError(f"{file}: no such file")

    def read() -> Iterator[bytes]:
        with path.open("rb") as handle:
            yield from handle

    return read(), file
