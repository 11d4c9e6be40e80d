"""What a user would pick instead: the `eventsourcing` library on SQLite, and the floor —
raw `sqlite3` into an equivalent indexed table, and a raw scan with `json.loads`.

Each function does its own timing and returns plain numbers, so the runner can put them
side by side with the ledger's figures from the same run.
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.workload import Compensated, Filed, Operation, Workload, chunks

EVENTS_DDL = """
CREATE TABLE events (
    position INTEGER PRIMARY KEY,
    stream_id VARCHAR(255) NOT NULL,
    stream_version INTEGER NOT NULL,
    event_id VARCHAR(36) NOT NULL,
    type VARCHAR(100) NOT NULL,
    schema_version INTEGER NOT NULL,
    payload TEXT NOT NULL,
    metadata TEXT NOT NULL,
    recorded_at DATETIME NOT NULL,
    prev_hash VARCHAR(64) NOT NULL,
    hash VARCHAR(64) NOT NULL
);
CREATE UNIQUE INDEX ix_events_event_id ON events (event_id);
CREATE UNIQUE INDEX ix_events_stream_id_stream_version ON events (stream_id, stream_version);
CREATE INDEX ix_events_hash ON events (hash);
CREATE INDEX ix_events_recorded_at ON events (recorded_at);
"""
"""The same table and indexes the ledger's migration 0001 creates (without its triggers)."""

COLUMNS = (
    "position, stream_id, stream_version, event_id, type, schema_version, payload, metadata, "
    "recorded_at, prev_hash, hash"
)


@dataclass(frozen=True)
class Timed:
    """How much was done in how long."""

    seconds: float
    claims: int
    events: int
    transactions: int

    @property
    def claims_per_s(self) -> float:
        return self.claims / self.seconds if self.seconds else 0.0

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    @property
    def transactions_per_s(self) -> float:
        return self.transactions / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            "seconds": round(self.seconds, 4),
            "claims": self.claims,
            "events": self.events,
            "transactions": self.transactions,
            "claims_per_s": round(self.claims_per_s, 1),
            "events_per_s": round(self.events_per_s, 1),
            "transactions_per_s": round(self.transactions_per_s, 2),
        }


def _fresh(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def read_transactions(ledger_db: Path, after: int) -> list[list[tuple[Any, ...]]]:
    """The event rows after position `after`, grouped as the ledger committed them (by the
    `batch` id in their metadata)."""
    connection = sqlite3.connect(ledger_db)
    groups: list[list[tuple[Any, ...]]] = []
    last = None
    for row in connection.execute(
        f"SELECT {COLUMNS} FROM events WHERE position > ? ORDER BY position", (after,)
    ):
        batch = json.loads(row[7])["batch"]
        if batch != last:
            groups.append([])
            last = batch
        groups[-1].append(row)
    connection.close()
    return groups


def raw_sqlite_ingest(
    path: Path, transactions: Sequence[Sequence[tuple[Any, ...]]], synchronous: str
) -> Timed:
    """Insert the rows with `executemany`, one commit per group, into the indexed table."""
    _fresh(path)
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={synchronous}")
    connection.executescript(EVENTS_DDL)
    insert = f"INSERT INTO events ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
    claims = sum(1 for group in transactions for row in group if row[4] == "ClaimAsserted")
    events = sum(len(group) for group in transactions)
    started = time.perf_counter()
    for group in transactions:
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(insert, group)
        connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    return Timed(seconds, claims, events, len(transactions))


def raw_scan(path: Path) -> dict[str, float]:
    """Scan every event row in position order and decode its payload and metadata."""
    connection = sqlite3.connect(path)
    started = time.perf_counter()
    count = 0
    for payload, metadata in connection.execute(
        "SELECT payload, metadata FROM events ORDER BY position"
    ):
        json.loads(payload)
        json.loads(metadata)
        count += 1
    seconds = time.perf_counter() - started
    connection.close()
    return {
        "events": count,
        "seconds": round(seconds, 4),
        "events_per_s": count / seconds,
        "peak_rss_mb": peak_rss_mb(),
    }


def peak_rss_mb() -> float:
    """This process image's peak resident set size, in MB.

    On Linux, `VmHWM` of /proc/self/status: unlike `ru_maxrss`, it is not inherited from
    the parent across fork and exec, so a child's figure is its own.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / 1024 if sys.platform != "darwin" else peak / 2**20, 1)


# -- the eventsourcing library ---------------------------------------------------------------


def eventsourcing_ingest(path: Path, workload: Workload, per_transaction: int) -> Timed:
    """The same operations through `eventsourcing` on SQLite: an aggregate per figure (claims
    and their compensations), one per report (its filing); `app.save` of every aggregate a
    chunk touched, one transaction per chunk of `per_transaction` reports."""
    from datetime import date, datetime

    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    from ledger import parse_quantity

    class FigureAggregate(Aggregate):
        @staticmethod
        def create_id(key: str, unit: str, kind: str) -> uuid.UUID:
            return uuid.uuid5(uuid.NAMESPACE_URL, "figure:" + key)

        @event("Defined")
        def __init__(self, key: str, unit: str, kind: str) -> None:
            self.key = key
            self.claims: dict[str, str] = {}

        @event("ClaimAsserted")
        def assert_claim(
            self,
            claim_id: str,
            report_id: str,
            value: str,
            quantity: dict[str, Any],
            as_of: str,
            origin: str,
            outlet: str,
            published_at: datetime,
            derived_from: str | None,
            quote: str,
        ) -> None:
            self.claims[claim_id] = "active"

        @event("ClaimRetracted")
        def retract(self, claim_id: str, by: str, reason: str, published_at: datetime) -> None:
            self.claims[claim_id] = "retracted"

        @event("ClaimDisputed")
        def dispute(self, claim_id: str, by: str, reason: str, published_at: datetime) -> None:
            if self.claims[claim_id] == "active":
                self.claims[claim_id] = "disputed"

    class ReportAggregate(Aggregate):
        @staticmethod
        def create_id(report_id: str, **_: Any) -> uuid.UUID:
            return uuid.uuid5(uuid.NAMESPACE_URL, "report:" + report_id)

        @event("Filed")
        def __init__(
            self,
            report_id: str,
            outlet: str,
            published_at: datetime,
            title: str | None,
            url: str | None,
            channel: str | None,
            claim_count: int,
        ) -> None:
            self.report_id = report_id

    _fresh(path)
    app: Application[Any] = Application(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
    )
    figures: dict[str, Any] = {}
    for figure in workload.figures:
        figures[figure.figure] = FigureAggregate(figure.figure, figure.unit, figure.kind.value)
    app.save(*figures.values())  # registration, not timed (the ledger's is not timed either)

    def as_text(value: date | datetime) -> str:
        return value.isoformat()

    claims = events = transactions = 0
    started = time.perf_counter()
    for chunk in chunks(workload.operations, per_transaction):
        touched: dict[str, Any] = {}
        for op in chunk:
            if isinstance(op, Filed):
                report = op.report
                filed = ReportAggregate(
                    report_id=report.report_id,
                    outlet=report.outlet,
                    published_at=report.published_at,
                    title=report.title,
                    url=report.url,
                    channel=report.channel,
                    claim_count=len(report.claims),
                )
                touched[report.report_id] = filed
                events += 1
                for claim in report.claims:
                    aggregate = figures[claim.figure]
                    aggregate.assert_claim(
                        claim_id=claim.claim_id,
                        report_id=report.report_id,
                        value=claim.value,
                        quantity=parse_quantity(claim.value).model_dump(mode="json"),
                        as_of=as_text(claim.as_of),
                        origin=claim.origin,
                        outlet=report.outlet,
                        published_at=report.published_at,
                        derived_from=claim.derived_from,
                        quote=claim.quote or "",  # as the ledger stores "no quote"
                    )
                    touched[claim.figure] = aggregate
                    claims += 1
                    events += 1
            else:
                aggregate = figures[op.figure]
                action = aggregate.retract if op.kind == "retract" else aggregate.dispute
                action(
                    claim_id=op.claim_id, by=op.by, reason=op.reason, published_at=op.published_at
                )
                touched[op.figure] = aggregate
                events += 1
        app.save(*touched.values())
        transactions += 1
    seconds = time.perf_counter() - started
    app.close()
    return Timed(seconds, claims, events, transactions)


def operations_claims(operations: Iterable[Operation]) -> int:
    return sum(len(op.report.claims) for op in operations if isinstance(op, Filed))


def compensations_of(operations: Iterable[Operation]) -> list[Compensated]:
    return [op for op in operations if isinstance(op, Compensated)]


def environment() -> dict[str, str]:
    """The machine and versions a result was measured on."""
    import platform

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib import metadata

    versions: dict[str, str] = {}
    for package in ("pydantic", "SQLAlchemy", "eventsourcing", "psycopg"):
        try:
            versions[package.lower()] = metadata.version(package)
        except metadata.PackageNotFoundError:  # an optional extra
            versions[package.lower()] = "not installed"
    try:
        versions["git"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        versions["git"] = "unknown"
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        **versions,
    }
