"""What every route shares: the ledgers it serves from, a lock for writers, reads that
wait for a position (`min_position`), and answers encoded once.

A read's wait, the read and the answer's encoding run on one worker thread
(`Reading.answer`; a write likewise, `ledger.http.writer`): one crossing per request,
through an executor of the event loop's own (`Served.in_thread`), whose hand-off costs
about a third less than Starlette's. The answer is the route's result encoded by pydantic
as it is; the route declares its `response_model` for the schema."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request, Response
from pydantic import TypeAdapter

from ledger.errors import InvalidInputError, ReplicaBehindError
from ledger.http.auth import Bearer, principal
from ledger.service.keys import Scope
from ledger.service.ledger import Ledger

MIN_POSITION_WAIT = 5.0
"""Seconds a read with `min_position` waits for the read ledger to reach it."""

POLL = 0.01
"""Seconds between two looks at the read ledger's head while a read waits."""

WORKERS = 40
"""Threads that read and write for one server process (as many as Starlette's own)."""

T = TypeVar("T")


@dataclass
class Served:
    """The ledgers an app serves: `writer` appends; `reader` answers reads (a replica's,
    or the writer itself). Appends in one process take `writing` in turn; a ledger in
    memory also reads under it (its tables are plain Python objects)."""

    writer: Ledger
    reader: Ledger
    writing: threading.Lock = field(default_factory=threading.Lock)
    _workers: ThreadPoolExecutor | None = None

    async def in_thread(self, call: Callable[..., T], *args: Any) -> T:
        """`call(*args)` on a worker thread, in the request's context."""
        if self._workers is None:
            self._workers = ThreadPoolExecutor(WORKERS, thread_name_prefix="ledger-http")
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        return await loop.run_in_executor(self._workers, context.run, call, *args)

    def stop_workers(self) -> None:
        """Let the worker threads finish what they run, and end (the app's shutdown)."""
        workers, self._workers = self._workers, None
        if workers is not None:
            workers.shutdown(wait=True)

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


_ANY: TypeAdapter[Any] = TypeAdapter(Any)


def encoded(content: object) -> bytes:
    """`content` as JSON, each model as its own class dumps it."""
    return _ANY.dump_json(content)


def answered(
    content: object, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """`content` as a JSON answer."""
    return Response(encoded(content), status, headers, media_type="application/json")


@dataclass(frozen=True)
class Reading:
    """A read by a key that may read, once the read ledger has applied `min_position`."""

    where: Served
    min_position: int | None

    async def answer(self, call: Callable[[Ledger], object]) -> Response:
        """What `call` reads from the read ledger, as JSON, on a worker thread."""
        return await self.where.in_thread(self._answer, call)

    def _answer(self, call: Callable[[Ledger], object]) -> Response:
        if self.min_position is not None:
            _wait_for(self.where, self.min_position)
        with self.where.reading() as lg:
            return answered(call(lg))


async def _reading(
    request: Request, credentials: Bearer, min_position: MinPosition = None
) -> Reading:
    await principal(request, credentials, Scope.READ)
    return Reading(served(request), min_position)


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


Read = Annotated[Reading, Depends(_reading)]
