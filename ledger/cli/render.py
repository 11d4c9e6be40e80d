"""How the CLI writes values: `--json` output (`emit`), and for a reader who is not a
programmer, numbers, ranges, times and statuses in words, and the tables they sit in.
The views built from them: `estimate_views` (estimates, provenance, history),
`record_views` (sources, figures, claims, reports, compensations) and `verify_view`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import typer
from pydantic import BaseModel
from rich import box
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ledger.domain.estimate import EstimateStatus, EstimateSummary

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


def joined(words: Sequence[str]) -> str:
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


def markup(text: str) -> str:
    """Escape user text for Rich markup."""
    return escape(text)
