"""One benchmark run: every measurement of issue 5, side by side, from the same machine.

1. durable ingestion — one report (or compensation) per transaction, `synchronous=FULL`,
   on the 10k-event ledger — against raw sqlite3 committing the same rows, one commit per
   ledger transaction, at the same setting;
2. bulk ingestion — 1,000 reports per transaction — of the large workload, against the
   `eventsourcing` library (aggregate per figure, one `save` per chunk) and raw sqlite3
   `executemany` of the same rows into an equivalent indexed table;
3. query latency (estimate, history, as of a position / a recorded time / a publication
   date) on the 10k-event ledger and on the large one;
4. replay of the large ledger in a child process (events/s, peak RSS) against a raw scan
   and `json.loads` of the same rows (also in a child);
5. PostgreSQL ingestion with 1 and 4 writer processes;
6. the service (HTTP), served by a child process: the durable appends one per request
   against the local API, estimate reads from 4 keep-alive clients against 4 threads on
   one local ledger, and the event stream's delivery latency on PostgreSQL
   (`bench/service.py`).
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import ledger
from bench import postgres, service
from bench.ingest import bulk, one_per_transaction, prefix, register, sources_of
from bench.peers import environment, eventsourcing_ingest, raw_sqlite_ingest, read_transactions
from bench.queries import QUERIES, latencies, sample
from bench.workload import SEED, Filed, Workload, generate


@dataclass(frozen=True)
class Size:
    """How big each part of a run is."""

    name: str
    events: int  # the large ledger: bulk ingestion, replay, queries "at N"
    base_events: int  # the small ledger: durable ingestion, queries "at 10k"
    durable_reports: int  # reports appended one per transaction (durable)
    per_transaction: int  # reports per bulk transaction
    postgres_reports: int  # reports per PostgreSQL run (1 writer, then 4)
    postgres_stories: int
    query_figures: int
    query_repeat: int


SIZES = {
    "tiny": Size("tiny", 2_500, 1_200, 20, 1000, 20, 2, 8, 2),
    "small": Size("small", 40_000, 10_000, 150, 1000, 150, 8, 40, 3),
    # The largest size that completes within ~40 minutes on the 2-core machine of
    # docs/performance.md; "full" is the million events (hours there).
    "large": Size("large", 400_000, 10_000, 1000, 1000, 1000, 8, 100, 5),
    "full": Size("full", 1_000_000, 10_000, 1000, 1000, 1000, 8, 100, 5),
}

TARGETS = {  # the issue "the core as a fold" (its bar to resolve: replay 0.10, bulk 1.0)
    "bulk_vs_eventsourcing": (">=", 2.0),
    "bulk_vs_raw_executemany": (">=", 0.40),
    "durable_vs_raw_commits": (">=", 0.35),
    "replay_vs_raw_scan": (">=", 0.20),
    "replay_peak_rss_mb": ("<=", 200.0),
    "query_scaling": ("<=", 2.0),
    # the issue of the HTTP service
    "http_durable_vs_local": (">=", 0.5),
    "http_reads_vs_local": (">=", 0.5),
    "http_estimate_p99_vs_local": ("<=", 3.0),
    "stream_p99_ms_postgres": ("<=", 100.0),
}

Say = Callable[[str], None]


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def _figures_with_claims(workload: Workload) -> list[str]:
    return sorted(
        {c.figure for op in workload.operations if isinstance(op, Filed) for c in op.report.claims}
    )


def _middle_day(workload: Workload) -> date:
    reports = [op.report for op in workload.operations if isinstance(op, Filed)]
    return reports[len(reports) // 2].published_at.date()


def _child(job: str, target: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.child", job, target],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(size: Size, workdir: Path, postgres_url: str | None, say: Say) -> dict[str, Any]:
    """Every measurement; returns the JSON-able results (ratios under "ratios")."""
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    out: dict[str, Any] = {
        "size": asdict(size),
        "seed": SEED,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": environment(),
    }

    say(f"generating workloads ({size.base_events:,} and {size.events:,} events)")
    t = time.perf_counter()
    base = generate(size.base_events)
    big = generate(size.events)
    out["workload"] = {
        "base": base.summary(),
        "large": big.summary(),
        "generate_seconds": round(time.perf_counter() - t, 2),
    }
    # The workloads are millions of long-lived objects the bench holds, not the ledger's
    # state: keep them out of the cyclic collector, whose full passes over them otherwise
    # dominate every measurement at 1M events.
    gc.collect()
    gc.freeze()

    # 1. durable, one report per transaction, on the base ledger ---------------------------
    base_db = _fresh(workdir / "base.db")
    head = register(_url(base_db), base, sources=sources_of(base, base.operations))
    durable_ops = prefix(base.operations, size.durable_reports)
    say(f"durable ingestion: {len(durable_ops)} transactions, synchronous=FULL")
    with ledger.open(_url(base_db)) as lg:
        durable = one_per_transaction(lg, durable_ops)
        say("  filling the rest of the base ledger in bulk")
        rest = bulk(lg, base.operations[len(durable_ops) :], size.per_transaction)
        out["workload"]["base"]["events"] = lg.head()  # registered sources: only those named
    groups = read_transactions(base_db, head)[: durable.transactions]
    raw_durable = raw_sqlite_ingest(_fresh(workdir / "raw-durable.db"), groups, "FULL")
    out["durable"] = {
        "ledger": durable.as_dict(),
        "raw_sqlite": raw_durable.as_dict(),
        "base_rest_bulk": rest.as_dict(),
    }

    # 2. bulk ingestion of the large workload -----------------------------------------------
    big_db = _fresh(workdir / "large.db")
    say(
        f"bulk ingestion: about {big.summary()['events']:,} events, "
        f"{size.per_transaction} reports per transaction"
    )
    head = register(_url(big_db), big, sources=sources_of(big, big.operations))
    with ledger.open(_url(big_db)) as lg:
        bulk_timed = bulk(lg, big.operations, size.per_transaction)
        out["workload"]["large"]["events"] = lg.head()
    say(f"  ledger {bulk_timed.claims_per_s:,.0f} claims/s; raw sqlite3 executemany")
    raw_bulk = raw_sqlite_ingest(
        _fresh(workdir / "raw-bulk.db"), read_transactions(big_db, head), "FULL"
    )
    say("  the eventsourcing library")
    es = eventsourcing_ingest(_fresh(workdir / "eventsourcing.db"), big, size.per_transaction)
    out["bulk"] = {
        "ledger": bulk_timed.as_dict(),
        "raw_sqlite": raw_bulk.as_dict(),
        "eventsourcing": es.as_dict(),
    }

    # 3. queries --------------------------------------------------------------------------
    say("query latency on both ledgers")
    out["queries"] = {
        "base": latencies(
            _url(base_db),
            _figures_with_claims(base),
            _middle_day(base),
            size.query_figures,
            size.query_repeat,
        ),
        "large": latencies(
            _url(big_db),
            _figures_with_claims(big),
            _middle_day(big),
            size.query_figures,
            size.query_repeat,
        ),
    }

    # 4. replay ---------------------------------------------------------------------------
    say("replay of the large ledger (child process) and a raw scan")
    out["replay"] = {
        "ledger": _child("replay", _url(big_db)),
        "raw_scan": _child("scan", str(big_db)),
    }
    with ledger.open(_url(base_db)) as lg:
        checked = lg.replay(check=True)
        verified = lg.verify()
    out["replay"]["base_check"] = {
        "identical": checked.identical,
        "differences": list(checked.differences),
        "events": checked.events,
        "verified": verified.ok,
    }

    # 5. PostgreSQL -----------------------------------------------------------------------
    pg_problem = postgres.reachable(postgres_url) if postgres_url else "no PostgreSQL URL"
    if postgres_url and not pg_problem:
        ops = postgres.pick(big, size.postgres_stories, size.postgres_reports)
        out["environment"]["postgresql"] = postgres.server_version(postgres_url)
        out["postgres"] = {}
        for writers in (1, 4):
            say(f"PostgreSQL: {writers} writer(s), {len(ops)} transactions")
            out["postgres"][f"writers_{writers}"] = postgres.ingest(postgres_url, big, ops, writers)
    else:
        say(f"PostgreSQL skipped: {pg_problem}")
        out["postgres"] = {"skipped": pg_problem}

    # 6. the service (HTTP) ---------------------------------------------------------------
    say(f"service: the {len(durable_ops)} durable transactions over HTTP and locally")
    out["service"] = {
        "durable": service.durable(
            base,
            durable_ops,
            _url(_fresh(workdir / "local-durable.db")),
            _url(_fresh(workdir / "http-durable.db")),
        )
    }
    say(f"service: estimate reads, {service.CLIENTS} clients over HTTP and locally")
    figures = sample(_figures_with_claims(base), size.query_figures)
    out["service"]["reads"] = service.reads(_url(base_db), figures, size.query_repeat)
    if postgres_url and not pg_problem:
        say("service: stream delivery on PostgreSQL")
        out["service"]["stream"] = service.stream(postgres_url, base, durable_ops)
    else:
        out["service"]["stream"] = {"skipped": pg_problem}

    out["ratios"] = ratios(out)
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def ratios(out: dict[str, Any]) -> dict[str, Any]:
    """The ratios the targets are stated in, with whether each is met."""
    bulk_, durable, replay = out["bulk"], out["durable"], out["replay"]
    values: dict[str, float] = {
        "bulk_vs_eventsourcing": bulk_["ledger"]["claims_per_s"]
        / bulk_["eventsourcing"]["claims_per_s"],
        "bulk_vs_raw_executemany": bulk_["ledger"]["claims_per_s"]
        / bulk_["raw_sqlite"]["claims_per_s"],
        "durable_vs_raw_commits": durable["ledger"]["transactions_per_s"]
        / durable["raw_sqlite"]["transactions_per_s"],
        "replay_vs_raw_scan": replay["ledger"]["events_per_s"] / replay["raw_scan"]["events_per_s"],
        "replay_peak_rss_mb": replay["ledger"]["peak_rss_mb"],
    }
    queries = out["queries"]
    for name in QUERIES:
        for stat in ("p50_ms", "p99_ms"):
            values[f"query_scaling.{name}.{stat}"] = (
                queries["large"][name][stat] / queries["base"][name][stat]
            )
    http = out.get("service")
    if http is not None:
        durable_http, reads = http["durable"], http["reads"]
        values["http_durable_vs_local"] = (
            durable_http["http"]["transactions_per_s"] / durable_http["local"]["transactions_per_s"]
        )
        values["http_reads_vs_local"] = reads["http"]["reads_per_s"] / reads["local"]["reads_per_s"]
        values["http_estimate_p99_vs_local"] = reads["http"]["p99_ms"] / reads["local"]["p99_ms"]
        if "p99_ms" in http["stream"]:
            values["stream_p99_ms_postgres"] = http["stream"]["p99_ms"]
    result: dict[str, Any] = {}
    for key, value in values.items():
        op, target = TARGETS[key.split(".")[0]]
        met = value >= target if op == ">=" else value <= target
        result[key] = {"value": round(value, 3), "target": f"{op} {target:g}", "met": met}
    pg = out.get("postgres", {})
    if "writers_1" in pg:
        result["postgres_4_vs_1_writers"] = {
            "value": round(pg["writers_4"]["claims_per_s"] / pg["writers_1"]["claims_per_s"], 3),
            "target": "none (information)",
            "met": None,
        }
    return result
