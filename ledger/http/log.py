"""The log itself: its head, its verification, its events a page at a time, and a live
stream of them (Server-Sent Events)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from itertools import islice
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel

from ledger.http.auth import Bearer, Principal, principal
from ledger.http.deps import Read, Served, served
from ledger.service.keys import Scope
from ledger.service.results import LedgerEvent, VerifyResult

router = APIRouter(prefix="/v1", tags=["log"])

LOOK_AGAIN = 1.0
"""Seconds a caught-up stream waits for a wake-up (`Waker`) before it looks at the log
anyway: on SQLite another process's appends wake nobody, so they arrive within this."""
PAGE = 500


class Head(BaseModel):
    """The log's last position."""

    position: int


@router.get("/head", response_model=Head)
async def head(read: Read) -> Response:
    """The last position in the log."""
    return await read.answer(lambda lg: Head(position=lg.head()))


@router.get("/verify", response_model=VerifyResult)
async def verify(
    read: Read,
    expect: Annotated[list[str], Query(description="anchors that must hold: HASH@POSITION")] = [],  # noqa: B006 - FastAPI copies it
    deep: bool = False,
    content: bool = True,
) -> Response:
    """Check the hash chain end to end, each anchor of `expect`, every event against the
    ledger's rules (`content`) and, `deep`, the read model rebuilt and compared."""
    return await read.answer(lambda lg: lg.verify(expect, deep=deep, content=content))


@router.get("/events", response_model=list[LedgerEvent])
async def events(
    read: Read,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Response:
    """The events after a position, in order, at most `limit`."""
    return await read.answer(lambda lg: list(islice(lg.events(after), limit)))


async def _known(request: Request, credentials: Bearer) -> Principal:
    """The stream's key, found before the stream's first byte."""
    return await principal(request, credentials, Scope.READ)


@router.get("/events/stream", response_class=EventSourceResponse)
async def stream(
    request: Request,
    _: Annotated[Principal, Depends(_known)],
    after: Annotated[int, Query(ge=0)] = 0,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Every event after `after` (or after `Last-Event-ID`, to resume), then each new one
    as it commits, in order, none skipped: `id` is its position, `event` its type, `data`
    the event as `GET /v1/events` gives it. It ends when the server stops, so that a
    client resumes from its last id on another one."""
    where = served(request)
    waker: Waker = request.app.state.waker
    position = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
    while not waker.stopped:
        seen = waker.wakes
        page = await where.in_thread(_page, where, position)
        for event in page:
            position = event.position
            yield ServerSentEvent(
                id=str(position), event=event.type, raw_data=event.model_dump_json()
            )
        if not page:
            await waker.after(seen, LOOK_AGAIN)


class Waker:
    """Wakes the streams of one server when the log grows (`Ledger.watch`: its own
    appends, and every process's on PostgreSQL), and ends them when the server stops
    (`stop`). `wake` and `stop` may be called from any thread."""

    def __init__(self) -> None:
        self.wakes = 0  # how many times it woke (read and changed on the event loop only)
        self.stopped = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._woken: asyncio.Event | None = None

    def wake(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._fire)

    def stop(self) -> None:
        """End every stream at its next look (at once if it waits for a wake-up): an open
        stream would otherwise hold a graceful shutdown for the whole of its grace."""
        self.stopped = True
        self.wake()

    def _fire(self) -> None:
        self.wakes += 1
        if self._woken is not None:
            self._woken.set()
            self._woken = None

    async def after(self, seen: int, timeout: float) -> None:
        """Return once it woke since `seen` (at once if it already has), or after `timeout`."""
        self._loop = asyncio.get_running_loop()
        if self.wakes != seen or self.stopped:
            return
        if self._woken is None:
            self._woken = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._woken.wait(), timeout)


def _page(where: Served, after: int) -> list[LedgerEvent]:
    with where.reading() as lg:
        return list(islice(lg.events(after), PAGE))
