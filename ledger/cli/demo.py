"""`ledger demo`: the founding case — the two January 2022 articles on Kazakhstan — loaded
into a fresh ledger file and shown the way a journalist would read it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.rule import Rule
from rich.text import Text

from ledger import VerifyResult
from ledger.cli import estimate_views, record_views, render, verify_view
from ledger.cli.app import CHECK_FAILED, UserError, app, stdout
from ledger.cli.options import database_url, opened, shown, sqlite_file
from ledger.domain.estimate import FigureEstimate
from ledger.domain.history import EstimateChange
from ledger.domain.model import Figure
from ledger.errors import LedgerError
from ledger.service.ledger import Ledger
from ledger.service.results import ReportView
from ledger.service.seeds import load_seeds, seeds_dir

DEMO_FILE = "kz-demo.db"
KILLED = "kz-unrest-2022/killed/kazakhstan"
WEBSITE_164 = "rferl-killed-164"
TELEGRAM_POST = "kz-telegram-health-2022-01-09"


def _refused(lg: Ledger) -> dict[str, str]:
    """What the ledger will not record: the Information Ministry withdrawing a news
    website's count (a retraction is the issuer's act). Nothing is appended."""
    action = f"retract {WEBSITE_164} --by kz-information-ministry --reason '…'"
    try:
        lg.retract(WEBSITE_164, by="kz-information-ministry", reason="we dispute the count")
    except LedgerError as error:
        return {"action": action, "error": type(error).__name__, "message": str(error)}
    raise AssertionError("the demo's refused retraction was recorded")  # pragma: no cover


def _fresh_file(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            candidate.unlink()


@app.command(rich_help_panel="Set up")
def demo(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            help=(
                f"Where to build the demo ledger. Default: ./{DEMO_FILE}, recreated on each "
                "run and left for you to explore. Any other ledger must be empty."
            ),
            show_default=False,
        ),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """The founding case (Kazakhstan, January 2022) in a fresh ledger, explained.

    Loads the two articles (RFE/RL and The New York Times: detentions, deaths and a
    retracted Telegram post, CSTO troops in conflict) and prints every figure's estimate
    with its provenance, the history of the killed figure showing the retraction, and a
    verification of the hash chain. The ledger file stays for you to explore."""
    if db is None:
        path = Path(DEMO_FILE).resolve()
        _fresh_file(path)
        url = f"sqlite:///{path}"
    else:
        url = database_url(db)
    with opened(url, create=True) as lg:
        if lg.head():
            raise UserError(
                f"{shown(url)} already holds {lg.head()} events; the demo needs an empty "
                f"ledger (without --db it recreates ./{DEMO_FILE})"
            )
        load_seeds(lg)
        refused = _refused(lg)
        kinds = Counter(event.type for event in lg.events())
        estimates = lg.estimates()
        figures = {figure.figure: figure for figure in lg.figures()}
        changes = lg.history(KILLED)
        post = lg.report(TELEGRAM_POST)
        check = lg.verify()
    if json:
        render.emit(
            {
                "db": shown(url),
                "events": dict(kinds),
                "estimates": estimates,
                "history": {KILLED: changes},
                "report": post,
                "refused": refused,
                "verify": check,
            }
        )
    else:
        _print(
            url, kinds, estimates, figures, changes, post, refused, check, default_file=db is None
        )
    if not check.ok:
        raise typer.Exit(CHECK_FAILED)


def _print(
    url: str,
    kinds: Counter[str],
    estimates: list[FigureEstimate],
    figures: dict[str, Figure],
    changes: list[EstimateChange],
    post: ReportView,
    refused: dict[str, str],
    check: VerifyResult,
    *,
    default_file: bool,
) -> None:
    out = stdout()
    out.print(Rule("[bold]The claim ledger — the founding case: Kazakhstan, January 2022"))
    compensations = sum(
        n for kind, n in kinds.items() if kind.startswith("Claim") and kind != "ClaimAsserted"
    )
    out.print(
        f"Loaded {seeds_dir().name}/ into [bold]{render.markup(shown(url))}[/]: "
        f"{render.plural(kinds['SourceRegistered'], 'source')}, "
        f"{render.plural(kinds['FigureDefined'], 'figure')}, "
        f"{render.plural(kinds['ReportFiled'], 'report')} with "
        f"{render.plural(kinds['ClaimAsserted'], 'claim')}, and "
        f"{render.plural(compensations, 'compensating event')} "
        f"({render.plural(sum(kinds.values()), 'event')} in all)."
    )
    out.print()
    out.print(Text("Every figure at a glance", style="bold"))
    out.print(estimate_views.estimates_summary(estimates))
    for estimate in estimates:
        out.print()
        out.print(Rule(style="dim"))
        out.print(estimate_views.estimate_view(estimate, figures.get(estimate.figure)))
    out.print()
    out.print(Rule(f"[bold]How the estimate of {KILLED} moved, and why"))
    out.print(estimate_views.history_table(changes))
    out.print()
    out.print(Rule("[bold]The retracted Telegram post, as recorded"))
    out.print(record_views.report_view(post))
    out.print()
    out.print(Rule("[bold]What the ledger refuses"))
    out.print(f"ledger {render.markup(refused['action'])}")
    out.print(Text(f"refused ({refused['error']}): {refused['message']}", style="red"))
    out.print(Text("Nothing was appended.", style="dim"))
    out.print()
    out.print(verify_view.verify_text(check))
    out.print()
    path = sqlite_file(url)
    target = str(path.name if default_file and path is not None else shown(url))
    out.print(Text("Explore the ledger yourself:", style="bold"))
    for command in (
        f"ledger figures --db {target}",
        f"ledger estimate {KILLED} --db {target}",
        f"ledger claims {KILLED} --db {target}",
        f"ledger report {TELEGRAM_POST} --db {target}",
        f"ledger source kz-information-ministry --db {target}",
        f"ledger history kz-unrest-2022/detained/kazakhstan --db {target}",
        f"ledger diff {KILLED} --from 2022-01-08 --to 2022-01-09 --db {target}",
        f"ledger plot {KILLED} -o killed.svg --db {target}",
        f"ledger verify --db {target}",
    ):
        out.print(f"  {render.markup(command)}")
