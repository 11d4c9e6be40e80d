"""What every route shares: the ledgers it serves from, a lock for writers, and reads that
wait for a position (`min_position`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Query, Request

from ledger.errors import InvalidInputError, ReplicaBehindError
from ledger.service.ledger import Ledger

MIN_POSITION_WAIT = 5.0
"""Seconds a read with `min_position` waits for the read ledger to reach it."""

POLL = 0.01
"""Seconds between two looks at the read ledger's head while a read waits."""


@dataclass
class Served:
    """The ledgers an app serves: `writer` appends; `reader` answers reads (a replica's,
    or the writer itself). Appends in one process take `writing` in turn; a ledger in
    memory also reads under it (its tables are plain Python objects)."""

    writer: Ledger
    reader: Ledger
    writing: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def reading(self) -> Iterator[Ledger]:
        if self.reader.url == "memory://":
            with self.writing:
                yield self.reader
        else:
            yield self.reader


def served(request: Request) -> Served:
    found: Served = request.app.state.served
    return found


MinPosition = Annotated[
    int | None,
    Query(
        ge=0,
        description="Wait (up to a few seconds) until the ledger has applied this position: "
        "the `Ledger-Position` of your last write, for read-your-writes on a replica.",
    ),
]


def reader(request: Request, min_position: MinPosition = None) -> Iterator[Ledger]:
    """The ledger a read goes to, once it has applied `min_position`."""
    where = served(request)
    if min_position is not None:
        _wait_for(where, min_position)
    with where.reading() as lg:
        yield lg


def _wait_for(where: Served, position: int) -> None:
    """Return once the read ledger has applied `position`. A position beyond the writer's
    log is the caller's mistake (`InvalidInputError`, 422: waiting cannot help); one the
    log holds but a replica has not applied within `MIN_POSITION_WAIT` is the server's lag
    (`ReplicaBehindError`, 503 with Retry-After: the same read succeeds a moment later)."""
    if where.reader.head() >= position:
        return
    head = where.writer.head()  # only grows: one look is enough
    if position > head:
        raise InvalidInputError("min_position", f"the log ends at position {head}")
    deadline = time.monotonic() + MIN_POSITION_WAIT
    while (applied := where.reader.head()) < position:
        if time.monotonic() > deadline:
            raise ReplicaBehindError(position, applied, MIN_POSITION_WAIT)
        time.sleep(POLL)


ReadLedger = Annotated[Ledger, Depends(reader)]
