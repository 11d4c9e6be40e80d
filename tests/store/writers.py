"""Writer processes for the PostgreSQL concurrency test (imported by spawned children, so
it stays small: no pytest, no fixtures)."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Sequence

from ledger.store.record import NewEvent, StoredEvent
from ledger.store.sql import SQLStore


def write(url: str, writer: int, appends: int, seed: int) -> list[tuple[int, str]]:
    """Append `appends` single-event batches to this writer's own stream, each conditional
    on the stream's version; about one in four holds its transaction open a few
    milliseconds before committing. Returns the acknowledged (position, event id) pairs."""
    chance = random.Random(seed)
    stream = f"writer-{writer}"
    store = SQLStore(url, migrate_schema=False)

    def dawdle(_connection: object, _stored: Sequence[StoredEvent]) -> None:
        if chance.random() < 0.25:
            time.sleep(chance.uniform(0.0005, 0.004))

    acknowledged = []
    try:
        for version in range(appends):
            payload = {"writer": writer, "n": version}
            event = NewEvent(stream, "ClaimAsserted", payload, event_id=uuid.uuid4())
            (stored,) = store.append([event], {stream: version}, on_append=dawdle)
            acknowledged.append((stored.position, str(stored.event_id)))
    finally:
        store.close()
    return acknowledged
