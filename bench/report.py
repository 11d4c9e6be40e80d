"""The ratio table printed at the end of a run, and the same table as Markdown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.queries import QUERIES


@dataclass(frozen=True)
class Row:
    """One line of the table: what is measured, both numbers, and the ratio's verdict."""

    label: str
    ledger: str
    peer: str
    ratio: str
    target: str
    met: bool | None


def _n(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.2f}"


def rows(results: dict[str, Any]) -> list[Row]:
    """The table's rows, in the order both renderings print them."""
    ratios = results["ratios"]
    bulk, durable, replay = results["bulk"], results["durable"], results["replay"]
    large = results["workload"]["large"]["events"]
    base = results["workload"]["base"]["events"]
    found: list[Row] = []

    def row(label: str, ours: str, theirs: str, key: str) -> None:
        entry = ratios[key]
        found.append(
            Row(label, ours, theirs, f"{entry['value']:.3g}", entry["target"], entry["met"])
        )

    row(
        "bulk claims/s vs eventsourcing (1,000 reports/txn)",
        _n(bulk["ledger"]["claims_per_s"]),
        _n(bulk["eventsourcing"]["claims_per_s"]),
        "bulk_vs_eventsourcing",
    )
    row(
        "bulk claims/s vs raw sqlite3 executemany",
        _n(bulk["ledger"]["claims_per_s"]),
        _n(bulk["raw_sqlite"]["claims_per_s"]),
        "bulk_vs_raw_executemany",
    )
    row(
        "durable txn/s vs raw sqlite3 commits/s (FULL)",
        _n(durable["ledger"]["transactions_per_s"]),
        _n(durable["raw_sqlite"]["transactions_per_s"]),
        "durable_vs_raw_commits",
    )
    row(
        "replay events/s vs raw scan + json.loads",
        _n(replay["ledger"]["events_per_s"]),
        _n(replay["raw_scan"]["events_per_s"]),
        "replay_vs_raw_scan",
    )
    row(
        "replay peak RSS, MB (peer: the raw scan)",
        _n(replay["ledger"]["peak_rss_mb"]),
        _n(replay["raw_scan"]["peak_rss_mb"]),
        "replay_peak_rss_mb",
    )
    queries = results["queries"]
    for name in QUERIES:
        for stat in ("p50_ms", "p99_ms"):
            row(
                f"{name} {stat[:3]} ms at {large:,} vs {base:,} events",
                f"{queries['large'][name][stat]:.2f}",
                f"{queries['base'][name][stat]:.2f}",
                f"query_scaling.{name}.{stat}",
            )
    pg = results.get("postgres", {})
    if "writers_1" in pg:
        row(
            "PostgreSQL claims/s, 4 writers vs 1",
            _n(pg["writers_4"]["claims_per_s"]),
            _n(pg["writers_1"]["claims_per_s"]),
            "postgres_4_vs_1_writers",
        )
    http = results.get("service")
    if http is not None:  # runs from before the service have no such section
        durable_http, reads, stream = http["durable"], http["reads"], http["stream"]
        row(
            "http durable txn/s vs local (FULL, one per request)",
            _n(durable_http["http"]["transactions_per_s"]),
            _n(durable_http["local"]["transactions_per_s"]),
            "http_durable_vs_local",
        )
        row(
            f"http estimate reads/s vs local ({reads['clients']} clients)",
            _n(reads["http"]["reads_per_s"]),
            _n(reads["local"]["reads_per_s"]),
            "http_reads_vs_local",
        )
        row(
            "http estimate p99 ms vs local",
            f"{reads['http']['p99_ms']:.2f}",
            f"{reads['local']['p99_ms']:.2f}",
            "http_estimate_p99_vs_local",
        )
        if "p99_ms" in stream:
            row(
                "stream delivery p99 ms on PostgreSQL (peer: p50)",
                f"{stream['p99_ms']:.2f}",
                f"{stream['p50_ms']:.2f}",
                "stream_p99_ms_postgres",
            )
    return found


def render(results: dict[str, Any], console: Console | None = None) -> None:
    """Print the measured rates, the ratios and the targets."""
    console = console or Console(width=max(Console().width, 120))
    large = results["workload"]["large"]["events"]
    table = Table(
        title=f"claim ledger benchmark — size {results['size']['name']}, "
        f"{large:,} events, {results['seconds']:.0f} s"
    )
    for column in ("measure", "ledger", "peer", "ratio", "target", ""):
        table.add_column(
            column, justify="right" if column in ("ledger", "peer", "ratio") else "left"
        )
    marks = {None: "", True: "[green]met[/green]", False: "[red]short[/red]"}
    for row in rows(results):
        table.add_row(row.label, row.ledger, row.peer, row.ratio, row.target, marks[row.met])
    console.print(table)
    durable, replay = results["durable"], results["replay"]
    check = replay.get("base_check", {})
    console.print(
        f"durable claims/s {durable['ledger']['claims_per_s']:,.0f}; "
        f"replay == live on the base ledger: {check.get('identical')}; "
        f"hash chain verified: {check.get('verified')}"
    )
    pg = results.get("postgres", {})
    if "skipped" in pg:
        console.print(f"PostgreSQL skipped: {pg['skipped']}")
    stream = results.get("service", {}).get("stream", {})
    if "skipped" in stream:
        console.print(f"stream delivery skipped: {stream['skipped']}")


def markdown(results: dict[str, Any]) -> str:
    """The same table as Markdown, for docs/performance.md."""
    marks = {None: "", True: "met", False: "**short**"}
    lines = ["| measure | ledger | peer | ratio | target | |", "|---|---:|---:|---:|---|---|"]
    lines += [
        f"| {r.label} | {r.ledger} | {r.peer} | {r.ratio} | {r.target} | {marks[r.met]} |"
        for r in rows(results)
    ]
    return "\n".join(lines)
