"""`python -m bench.encoding [--events N]`: a micro-benchmark of the store's JSON hot paths.

Not a test and not part of `python -m bench`: it times, per event of a fixed-seed workload
ledger, the encoding an append does (`encode_batch`: check, canonical text, decoded copy),
the hash a verification recomputes (`hash_of`), and the decoding a read does (payload and
metadata text back to JSON), and prints microseconds per event (best of five rounds).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import ledger
from bench.ingest import bulk, register, sources_of
from bench.workload import generate
from ledger.store import chain
from ledger.store.canonical import decode_json
from ledger.store.record import NewEvent, StoredEvent
from ledger.store.sql import SQLStore


def _stored_events(count: int, workdir: Path) -> list[StoredEvent]:
    workload = generate(count)
    url = f"sqlite:///{workdir / 'encoding.db'}"
    register(url, workload, sources=sources_of(workload, workload.operations))
    with ledger.open(url) as lg:
        bulk(lg, workload.operations, 1000)
    store = SQLStore(url, migrate_schema=False)
    try:
        return list(store.read_all())
    finally:
        store.close()


def _best(rounds: int, run: Callable[[], object], per: int) -> float:
    """Microseconds per item of the fastest of `rounds` runs."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best / per * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.encoding", description=__doc__)
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        events = _stored_events(args.events, Path(workdir))
    news = [
        NewEvent(e.stream_id, e.type, e.payload, metadata=e.metadata, event_id=e.event_id)
        for e in events
    ]
    texts = [(chain.canonical_json(e.payload), chain.canonical_json(e.metadata)) for e in events]
    n = len(events)
    size = sum(len(p.encode()) + len(m.encode()) for p, m in texts) / n
    print(f"{n} events, {size:.0f} bytes of payload and metadata each on average")
    results = {
        "encode (encode_batch, batches of 100)": _best(
            5, lambda: [chain.encode_batch(news[i : i + 100]) for i in range(0, n, 100)], n
        ),
        "canonical text of payload + metadata": _best(
            5,
            lambda: [
                (chain.canonical_json(e.payload), chain.canonical_json(e.metadata)) for e in events
            ],
            n,
        ),
        "hash (hash_of)": _best(5, lambda: [chain.hash_of(e) for e in events], n),
        "decode (payload + metadata text)": _best(
            5, lambda: [(decode_json(p), decode_json(m)) for p, m in texts], n
        ),
    }
    for name, micros in results.items():
        print(f"{name:40} {micros:8.2f} µs/event")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
