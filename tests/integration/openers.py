"""Processes that open one ledger at the same moment (imported by spawned children, so it
stays small: no pytest, no fixtures)."""

from __future__ import annotations

from threading import Barrier

from structlog.testing import capture_logs

import ledger


def open_and_append(url: str, barrier: Barrier, n: int) -> int:
    """Wait for every opener, open the ledger at `url`, register one source; return how
    many times this process migrated the schema (from the `migrated` log events)."""
    with capture_logs() as logs:
        barrier.wait()
        with ledger.open(url, actor=f"opener-{n}") as lg:
            lg.register_source(f"source-{n}", name=f"Source {n}", kind="media")
    return sum(1 for entry in logs if entry["event"] == "migrated")
