"""Concurrent writers on PostgreSQL: nothing lost, nothing duplicated, no gaps, and a
catch-up reader sees exactly the final order (the sequence-visibility trap stays shut).

Four writer processes append 250 events each; a quarter of their transactions sleep
inside the append, after the insert and before the commit, so a later writer would commit
first if positions were handed out before the commit order was fixed. Meanwhile this
process polls `read_all(after=last_seen)` like a projection catching up: if it ever saw
position n+1 before n was committed, it would move past n and never see it.
"""

from __future__ import annotations

import itertools
import multiprocessing
import time

import pytest

from ledger.store.sql import SQLStore
from tests.store.databases import without_flush_wait
from tests.store.writers import write

pytestmark = pytest.mark.postgres

WRITERS = 4
APPENDS = 250
TOTAL = WRITERS * APPENDS


class TestConcurrentWriters:
    """Many writer processes and a catch-up reader on one PostgreSQL ledger."""

    def test_catch_up_reader_sees_every_event_in_the_final_order(self, postgres_url: str) -> None:
        """All 1000 appends are kept once at positions 1..1000, and the reader saw exactly that."""
        postgres_url = without_flush_wait(postgres_url)
        SQLStore(postgres_url).close()  # migrate once, before the writers start
        reader = SQLStore(postgres_url, migrate_schema=False)
        seen: list[tuple[int, str]] = []
        polls = seen_while_writing = 0
        context = multiprocessing.get_context("spawn")
        with context.Pool(WRITERS) as pool:
            jobs = pool.starmap_async(
                write, [(postgres_url, writer, APPENDS, writer) for writer in range(WRITERS)]
            )
            deadline = time.monotonic() + 120
            while not jobs.ready() and time.monotonic() < deadline:
                after = seen[-1][0] if seen else 0
                seen.extend(
                    (e.position, str(e.event_id)) for e in reader.read_all(after, batch_size=50)
                )
                polls += 1
                time.sleep(0.005)
            seen_while_writing = len(seen)
            acknowledged = [pair for part in jobs.get(timeout=10) for pair in part]
        after = seen[-1][0] if seen else 0
        seen.extend((e.position, str(e.event_id)) for e in reader.read_all(after))

        final = list(reader.read_all())
        order = [(e.position, str(e.event_id)) for e in final]
        result = reader.verify()
        reader.close()

        assert len(acknowledged) == TOTAL
        assert sorted(acknowledged) == order, "an acknowledged event is missing or moved"
        assert [p for p, _ in order] == list(range(1, TOTAL + 1)), "positions have gaps"
        assert len({event_id for _, event_id in order}) == TOTAL, "an event is duplicated"
        assert seen == order, "the catch-up reader skipped or reordered an event"
        assert (result.ok, result.count) == (True, TOTAL)
        for writer in range(WRITERS):
            mine = [e for e in final if e.stream_id == f"writer-{writer}"]
            assert [e.stream_version for e in mine] == list(range(1, APPENDS + 1))
            assert [e.payload["n"] for e in mine] == list(range(APPENDS))
        # the run really was concurrent: writers interleaved and the reader read while they wrote
        switches = sum(a.stream_id != b.stream_id for a, b in itertools.pairwise(final))
        assert switches > 10 * WRITERS
        assert polls > 10
        assert seen_while_writing > 0
