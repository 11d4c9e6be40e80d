"""PostgreSQL ingestion with one and with several writer processes.

Each run gets a schema of its own (dropped afterwards). Writers take whole stories, so
that every relay and compensation a writer appends names a claim it appended itself;
stories are dealt out to balance claims across writers. Every writer appends one report
(or compensation) per transaction; the store serialises appends with an EXCLUSIVE lock on
`events`, so this measures how well the lock is shared, not parallel speed-up.
"""

from __future__ import annotations

import multiprocessing
import queue
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from bench.ingest import one_per_transaction, register, sources_of
from bench.workload import Filed, Operation, Workload


def psycopg_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def reachable(url: str) -> str | None:
    """None when the server answers; else why not."""
    try:
        engine = sa.create_engine(psycopg_url(url))
        with engine.connect():
            pass
        engine.dispose()
    except Exception as error:  # any failure to connect means: skip, and say why
        return str(error).splitlines()[0]
    return None


def server_version(url: str) -> str:
    """The server's version string (`SHOW server_version`)."""
    engine = sa.create_engine(psycopg_url(url))
    with engine.connect() as connection:
        version = str(connection.exec_driver_sql("SHOW server_version").scalar())
    engine.dispose()
    return version


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A URL whose search_path is a new, empty schema; the schema is dropped afterwards."""
    server = psycopg_url(url)
    schema = "bench_" + secrets.token_hex(5)
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in server else "?"
    try:
        yield f"{server}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def pick(workload: Workload, stories: int, reports: int) -> list[Operation]:
    """The first `reports` reports (and the compensations among them) of the first
    `stories` stories."""
    chosen: list[Operation] = []
    filed = 0
    for op in workload.operations:
        if op.story >= stories:
            continue
        if isinstance(op, Filed):
            if filed == reports:
                break
            filed += 1
        chosen.append(op)
    return chosen


def deal(operations: Sequence[Operation], writers: int) -> list[list[Operation]]:
    """Split by story, largest story first onto the least loaded writer."""
    weight: dict[int, int] = {}
    for op in operations:
        weight[op.story] = weight.get(op.story, 0) + (
            len(op.report.claims) if isinstance(op, Filed) else 1
        )
    load = [0] * writers
    owner: dict[int, int] = {}
    for story in sorted(weight, key=lambda s: -weight[s]):
        target = load.index(min(load))
        owner[story] = target
        load[target] += weight[story]
    parts: list[list[Operation]] = [[] for _ in range(writers)]
    for op in operations:
        parts[owner[op.story]].append(op)
    return parts


def _writer(url: str, operations: list[Operation], start: Any, results: Any) -> None:
    import ledger
    from ledger.logs import configure

    configure(json=True, level="WARNING")
    with ledger.open(url) as lg:
        lg.head()  # connect before the start signal
        start.wait()
        timed = one_per_transaction(lg, operations)
    results.put((timed.claims, timed.events, timed.transactions, timed.seconds))


def ingest(
    url: str, workload: Workload, operations: Sequence[Operation], writers: int
) -> dict[str, Any]:
    """Register what the operations need, then time `writers` processes appending them."""
    stories = {f"story-{op.story:05d}/" for op in operations}
    figures = {f.figure for f in workload.figures if f.figure[: len("story-00000/")] in stories}
    with fresh_schema(url) as schema_url:
        register(schema_url, workload, figures, sources_of(workload, operations))
        context = multiprocessing.get_context("fork")
        start = context.Barrier(writers + 1)
        results = context.Queue()
        processes = [
            context.Process(target=_writer, args=(schema_url, part, start, results))
            for part in deal(operations, writers)
        ]
        for process in processes:
            process.start()
        start.wait(timeout=300)
        started = time.perf_counter()
        outcomes: list[tuple[int, int, int, float]] = []
        while len(outcomes) < len(processes):
            try:
                outcomes.append(results.get(timeout=1))
            except queue.Empty:
                failed = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
                if failed:
                    raise RuntimeError(
                        f"a PostgreSQL writer failed (exit codes {failed})"
                    ) from None
        seconds = time.perf_counter() - started
        for process in processes:
            process.join()
            if process.exitcode != 0:
                raise RuntimeError(f"a PostgreSQL writer failed (exit code {process.exitcode})")
    claims = sum(o[0] for o in outcomes)
    events = sum(o[1] for o in outcomes)
    transactions = sum(o[2] for o in outcomes)
    return {
        "writers": writers,
        "seconds": round(seconds, 4),
        "claims": claims,
        "events": events,
        "transactions": transactions,
        "claims_per_s": round(claims / seconds, 1),
        "transactions_per_s": round(transactions / seconds, 1),
        "writer_seconds": [round(o[3], 3) for o in outcomes],
    }
