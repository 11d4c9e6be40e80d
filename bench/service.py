"""The service (HTTP) against the local Python API, each server a child process of its own
(`bench.serve_child`), so the measuring process and the server do not share a GIL.

1. durable appends: the durable section's reports and compensations, one per request
   through `ledger.connect` (keep-alive), into a fresh SQLite ledger at `synchronous=FULL`,
   against the same operations through `ledger.open` into another fresh one, taking
   turns → **transactions/s**;
2. estimate reads on the base ledger: `CLIENTS` threads, each with its own keep-alive
   client, asking `estimate` of the queries section's figures, against the same threads
   sharing one local ledger — what the server itself does with its one ledger, so the
   difference is the HTTP layer — in alternate rounds → **reads/s and p99**;
3. stream delivery on PostgreSQL: a consumer reading `/v1/events/stream` in a thread; a
   writer appends reports one at a time through the local API and, for each, waits until
   its last event arrives → **ms from the append's return (its commit) to the arrival**.
"""

from __future__ import annotations

import random
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

import ledger
from bench import postgres
from bench.ingest import append_one, register, sources_of
from bench.peers import Timed
from bench.queries import percentile
from bench.workload import Filed, Operation, Workload
from ledger.remote import RemoteLedger

CLIENTS = 4
"""Concurrent readers, over HTTP and locally."""
PAUSE = 0.05
"""The most a stream's writer waits (a random time) between two appends, so that commits
fall at every moment of the server's look at the log."""
WAIT = 10.0
"""Seconds the stream's writer waits for an event before calling it lost."""


def _token(url: str) -> str:
    with ledger.open(url) as lg:
        return lg.keys.create(f"bench-{secrets.token_hex(4)}", "admin")[1]


@contextmanager
def served(url: str) -> Iterator[str]:
    """The ledger at `url` served by a child process; yields the server's base URL."""
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.serve_child", url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    try:
        base = child.stdout.readline().strip()
        if not base:
            raise RuntimeError(f"the server did not start (exit code {child.wait()})")
        yield base
    finally:
        child.stdin.close()  # the child stops its server and exits
        if child.wait(timeout=60) != 0:
            raise RuntimeError(f"the server failed (exit code {child.returncode})")


def durable(
    workload: Workload, operations: Sequence[Operation], local_url: str, http_url: str
) -> dict[str, Any]:
    """The same operations, one per transaction, locally and one per request over HTTP:
    each operation to one, then to the other, so that both meet the disk as it is then
    (an fsync's cost drifts on a shared machine)."""
    sources = sources_of(workload, operations)
    for url in (local_url, http_url):
        register(url, workload, sources=sources)
    token = _token(http_url)
    seconds = {"local": 0.0, "http": 0.0}
    claims = events = 0
    with (
        ledger.open(local_url) as lg,
        served(http_url) as base,
        ledger.connect(base, token=token) as remote,
    ):
        remote.head()  # the connection, kept alive from here
        for op in operations:
            for name, target in (("local", lg), ("http", remote)):
                began = time.perf_counter()
                added = append_one(target, op)
                seconds[name] += time.perf_counter() - began
            claims += added[0]
            events += added[1]
    return {
        name: Timed(spent, claims, events, len(operations)).as_dict()
        for name, spent in seconds.items()
    }


def reads(url: str, figures: list[str], repeat: int) -> dict[str, Any]:
    """`estimate` of each figure by each of `CLIENTS` threads, locally (one shared ledger)
    and over HTTP (a client each), in turns: a round locally, a round over HTTP, `repeat`
    times."""
    token = _token(url)
    rounds: dict[str, list[tuple[float, list[float]]]] = {"local": [], "http": []}
    with ledger.open(url) as lg, served(url) as base:
        remotes = [ledger.connect(base, token=token) for _ in range(CLIENTS)]
        try:
            readers: dict[str, Sequence[ledger.Ledger | RemoteLedger]] = {
                "local": [lg] * CLIENTS,
                "http": remotes,
            }
            for each in readers.values():  # warm up: connections, caches
                for reader in each:
                    for figure in figures:
                        reader.estimate(figure)
            for _ in range(repeat):
                for name, each in readers.items():
                    rounds[name].append(_round(each, figures))
        finally:
            for remote in remotes:
                remote.close()
    found: dict[str, Any] = {"clients": CLIENTS, "figures": len(figures), "rounds": repeat}
    for name, done in rounds.items():
        seconds = sum(spent for spent, _ in done)
        every = [ms for _, samples in done for ms in samples]
        found[name] = {
            "reads": len(every),
            "seconds": round(seconds, 4),
            "reads_per_s": round(len(every) / seconds, 1),
            "p50_ms": round(percentile(every, 0.50), 3),
            "p99_ms": round(percentile(every, 0.99), 3),
        }
    return found


def _round(
    readers: Sequence[ledger.Ledger | RemoteLedger], figures: list[str]
) -> tuple[float, list[float]]:
    """Every reader asks every figure, all at once: (seconds, each call's ms)."""
    samples: list[list[float]] = [[] for _ in readers]
    start = threading.Barrier(len(readers) + 1)

    def read(index: int) -> None:
        shift = index * len(figures) // len(readers)  # not all on one figure at once
        start.wait()
        for figure in figures[shift:] + figures[:shift]:
            began = time.perf_counter()
            readers[index].estimate(figure)
            samples[index].append((time.perf_counter() - began) * 1000)

    threads = [threading.Thread(target=read, args=(i,)) for i in range(len(readers))]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    every = [ms for mine in samples for ms in mine]
    if len(every) != len(readers) * len(figures):
        raise RuntimeError("a reader failed")
    return seconds, every


class Consumer(threading.Thread):
    """Reads the event stream and notes when each position arrived (`perf_counter`)."""

    def __init__(self, base: str, token: str, after: int) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=None
        )
        self.after = after
        self.arrived: dict[int, float] = {}
        self.changed = threading.Condition()
        self.ready = threading.Event()
        self.socket: socket.socket | None = None
        self.stopping = False
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.client.stream("GET", f"/v1/events/stream?after={self.after}") as response:
                response.raise_for_status()
                self.socket = response.extensions["network_stream"].get_extra_info("socket")
                self.ready.set()
                position: int | None = None
                for line in response.iter_lines():
                    if line.startswith("id:"):
                        position = int(line[3:])
                    elif not line and position is not None:  # the event is complete
                        with self.changed:
                            self.arrived[position] = time.perf_counter()
                            self.changed.notify_all()
                        position = None
        except Exception as error:  # `stop` ends the stream with an error too
            if not self.stopping:
                self.error = error
        finally:
            self.ready.set()

    def arrival(self, position: int) -> float:
        """When `position` arrived, waiting up to `WAIT` seconds for it."""
        with self.changed:
            if not self.changed.wait_for(lambda: position in self.arrived, timeout=WAIT):
                raise RuntimeError(f"position {position} did not arrive within {WAIT:g} s")
            return self.arrived[position]

    def stop(self) -> None:
        """Hang up: a read blocked on the socket returns at once."""
        self.stopping = True
        if self.socket is not None:
            self.socket.shutdown(socket.SHUT_RDWR)
        self.join(timeout=WAIT)
        self.client.close()


def stream(
    postgres_url: str, workload: Workload, operations: Sequence[Operation]
) -> dict[str, Any]:
    """Delivery latency of the reports among `operations`, on a fresh PostgreSQL schema."""
    filed = [op for op in operations if isinstance(op, Filed)]
    pause = random.Random(7)
    with postgres.fresh_schema(postgres_url) as url:
        register(url, workload, sources=sources_of(workload, filed))
        token = _token(url)
        with served(url) as base, ledger.open(url) as lg:
            consumer = Consumer(base, token, lg.head())
            consumer.start()
            consumer.ready.wait(timeout=WAIT)
            samples: list[float] = []
            try:
                for op in filed:
                    if consumer.error is not None:
                        raise RuntimeError(f"the stream failed: {consumer.error}")
                    last = lg.append_report(op.report).last_position
                    returned = time.perf_counter()
                    samples.append((consumer.arrival(last) - returned) * 1000)
                    time.sleep(pause.uniform(0, PAUSE))
            finally:
                consumer.stop()
    return {
        "reports": len(samples),
        "p50_ms": round(percentile(samples, 0.50), 2),
        "p99_ms": round(percentile(samples, 0.99), 2),
        "max_ms": round(max(samples), 2),
        "min_ms": round(min(samples), 2),
    }
