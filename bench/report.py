"""The ratio table printed at the end of a run."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from bench.queries import QUERIES


def _n(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.2f}"


def _mark(entry: dict[str, Any]) -> str:
    if entry["met"] is None:
        return ""
    return "[green]met[/green]" if entry["met"] else "[red]short[/red]"


def render(results: dict[str, Any], console: Console | None = None) -> None:
    """Print the measured rates, the ratios and the targets."""
    console = console or Console(width=max(Console().width, 120))
    ratios = results["ratios"]
    bulk, durable, replay = results["bulk"], results["durable"], results["replay"]
    large = results["workload"]["large"]["events"]
    base = results["workload"]["base"]["events"]

    table = Table(
        title=f"claim ledger benchmark — size {results['size']['name']}, "
        f"{large:,} events, {results['seconds']:.0f} s"
    )
    for column in ("measure", "ledger", "peer", "ratio", "target", ""):
        table.add_column(
            column, justify="right" if column in ("ledger", "peer", "ratio") else "left"
        )

    def row(label: str, ours: str, theirs: str, key: str) -> None:
        entry = ratios[key]
        table.add_row(label, ours, theirs, f"{entry['value']:.3g}", entry["target"], _mark(entry))

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
        "replay peak RSS (MB)",
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
    console.print(table)
    check = replay.get("base_check", {})
    console.print(
        f"durable claims/s {durable['ledger']['claims_per_s']:,.0f}; "
        f"replay == live on the base ledger: {check.get('identical')}; "
        f"hash chain verified: {check.get('verified')}"
    )
    if "skipped" in pg:
        console.print(f"PostgreSQL skipped: {pg['skipped']}")


def markdown(results: dict[str, Any]) -> str:
    """The same table as Markdown, for docs/performance.md."""
    ratios = results["ratios"]
    bulk, durable, replay = results["bulk"], results["durable"], results["replay"]
    large = results["workload"]["large"]["events"]
    base = results["workload"]["base"]["events"]
    lines = [
        "| measure | ledger | peer | ratio | target | |",
        "|---|---:|---:|---:|---|---|",
    ]

    def row(label: str, ours: str, theirs: str, key: str) -> None:
        entry = ratios[key]
        verdict = "" if entry["met"] is None else ("met" if entry["met"] else "**short**")
        lines.append(
            f"| {label} | {ours} | {theirs} | {entry['value']:.3g} | {entry['target']} | "
            f"{verdict} |"
        )

    row(
        "bulk claims/s, ledger vs eventsourcing",
        _n(bulk["ledger"]["claims_per_s"]),
        _n(bulk["eventsourcing"]["claims_per_s"]),
        "bulk_vs_eventsourcing",
    )
    row(
        "bulk claims/s, ledger vs raw sqlite3 executemany",
        _n(bulk["ledger"]["claims_per_s"]),
        _n(bulk["raw_sqlite"]["claims_per_s"]),
        "bulk_vs_raw_executemany",
    )
    row(
        "durable transactions/s vs raw sqlite3 commits/s (FULL)",
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
                f"`{name}` {stat[:3]} ms at {large:,} vs {base:,} events",
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
    return "\n".join(lines)
