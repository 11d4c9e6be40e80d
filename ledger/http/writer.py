"""How a write is made: the ledger acting as the request's principal, one write at a time
per process, and under the request's `Idempotency-Key` (`ledger.service.idempotency`) when
it has one: a retry answers what the first request recorded, with `Idempotent-Replayed`.

The write and the encoding of its answer run on one worker thread, one crossing per
request; the key is checked before (`ledger.http.auth`), then the body read
(`ledger.http.bodies`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ClassVar, TypeVar

from fastapi import Request, Response

from ledger.errors import ConflictError, InvalidInputError, NotFoundError, RequestInFlightError
from ledger.http.auth import Principal, bearer, principal
from ledger.http.deps import answered, encoded, served
from ledger.http.recorded import Answer
from ledger.service.idempotency import HEADER, Idempotency
from ledger.service.keys import Scope
from ledger.service.ledger import Ledger

POSITION = "Ledger-Position"
REPLAYED = "Idempotent-Replayed"
"""Set on the answer to a retry: what the first request with its key recorded."""
T = TypeVar("T")
Call = Callable[[Ledger], T]


class Writer:
    """Where a write goes: the ledger acting as the request's principal, one write at a
    time per process, under the request's `Idempotency-Key` when it has one."""

    in_flight: ClassVar[set[tuple[str, str]]] = set()  # (principal, key) being recorded
    _guard = threading.Lock()

    def __init__(self, request: Request, principal: Principal) -> None:
        self.request = request
        self.principal = principal
        self.where = served(request)

    @classmethod
    async def of(cls, request: Request, scope: Scope) -> Writer:
        """The request's writer, once its key is found to hold `scope` (401, 403)."""
        return cls(request, await principal(request, await bearer(request), scope))

    async def write(self, body: object, call: Call[T], answer: Answer[T]) -> Response:
        """Record what `call` records and answer it (201); or, for a retry of an earlier
        request with the same `Idempotency-Key`, answer what that request recorded."""
        return await self.where.in_thread(self._write, body, call, answer)

    def _write(self, body: object, call: Call[T], answer: Answer[T]) -> Response:
        headers = {}
        key = self.request.headers.get(HEADER)
        if key is None:
            result, at, _ = self._record(call, answer, None)
        else:
            asked = f"{self.request.method} {self.request.scope['path']}\n".encode()
            idempotency = Idempotency.of(self.principal.name, key, asked + encoded(body))
            with self._once(idempotency):
                result, at, retried = self._retried(call, answer, idempotency)
            if retried:
                headers[REPLAYED] = "true"
        headers[POSITION] = str(at)
        self.request.state.position = at
        return answered(result, 201, headers)

    def _retried(
        self, call: Call[T], answer: Answer[T], idempotency: Idempotency
    ) -> tuple[T, int, bool]:
        """Write under the key. A retry is found by the store (the same events: answered
        as recorded) or refused by the ledger's checks (the first request's effects are
        there): then what the key recorded, if anything, is the answer."""
        try:
            return self._record(call, answer, idempotency)
        except (InvalidInputError, NotFoundError, ConflictError):
            earlier = self.where.writer.recorded_request(idempotency)  # or KeyReused
            if earlier is None:
                raise
            return answer.rebuild(earlier), earlier[-1].position, True

    def _record(
        self, call: Call[T], answer: Answer[T], idempotency: Idempotency | None
    ) -> tuple[T, int, bool]:
        correlation_id = self.request.headers.get("X-Request-ID")
        with self.where.writing:
            lg = self.where.writer.acting(self.principal.name, correlation_id=correlation_id)
            if idempotency is not None:
                lg = lg.idempotent(idempotency)
            result = call(lg)
            at = answer.position(result)
            return (
                result,
                lg.head() if at is None else at,
                lg.retried,
            )  # (head: before another write)

    @contextmanager
    def _once(self, idempotency: Idempotency) -> Iterator[None]:
        """Refuse a copy of a request that is still being recorded (409)."""
        claim = (idempotency.principal, idempotency.key)
        with self._guard:
            if claim in self.in_flight:
                raise RequestInFlightError(
                    f"{HEADER} {idempotency.key!r}: the first request with this key is still "
                    "being recorded; retry it once that is answered"
                )
            self.in_flight.add(claim)
        try:
            yield
        finally:
            with self._guard:
                self.in_flight.discard(claim)
