"""The HTTP application: the routes under `/v1`, keys, problem details, limits and an
access log. `create_app(ledger)` builds it over an open ledger; `ledger serve` runs it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.errors import LedgerError, StoreError
from ledger.http import log as log_routes
from ledger.http import reading, writing
from ledger.http.bodies import add_request_schemas
from ledger.http.deps import Served
from ledger.http.log import Waker
from ledger.http.problems import http_problem, ledger_problem, problem, validation_problem
from ledger.service.ledger import Ledger

log = structlog.get_logger("ledger.http")

MAX_BODY = 8 * 1024 * 1024
"""The largest request body accepted, in bytes (a list of reports; `ledger serve --max-body`)."""


def create_app(
    writer: Ledger,
    *,
    reader: Ledger | None = None,
    max_body: int = MAX_BODY,
) -> FastAPI:
    """The service over an open ledger (`reader`: another one to answer reads, e.g. on a
    replica; keys are always the writer's)."""
    waker = Waker()
    served = Served(writer, reader or writer)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = writer.watch(waker.wake)
        try:
            yield
        finally:
            stop()
            served.stop_workers()

    app = FastAPI(
        lifespan=lifespan,
        title="Claim ledger",
        version=version("claim-ledger"),
        description="Every figure a source asserts about an unfolding event, its best "
        "estimate with provenance, and its history. Send `Authorization: Bearer TOKEN` "
        "(`ledger keys create`). Errors are RFC 9457 problem details.",
    )
    app.state.served = served
    app.state.waker = waker
    app.state.keys = writer.keys
    app.include_router(reading.router)
    app.include_router(writing.router, max_body_size=max_body)  # a body without a length
    app.include_router(log_routes.router)

    def openapi() -> dict[str, Any]:
        """FastAPI's document, and the models the write bodies name."""
        if app.openapi_schema is None:
            add_request_schemas(FastAPI.openapi(app))
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/healthz", tags=["log"])
    def healthz() -> dict[str, Any]:
        """Whether the service runs and reaches its database (no key needed)."""
        return {"ok": True, "head": app.state.served.reader.head()}

    async def on_ledger_error(request: Request, error: Exception) -> Any:
        assert isinstance(error, LedgerError)
        if isinstance(error, StoreError):
            log.warning("store_error", path=request.url.path, error=str(error))
        return ledger_problem(request, error)

    async def on_validation(request: Request, error: Exception) -> Any:
        assert isinstance(error, RequestValidationError)
        return validation_problem(request, error)

    async def on_http(request: Request, error: Exception) -> Any:
        assert isinstance(error, StarletteHTTPException)
        return http_problem(request, error)

    async def on_crash(request: Request, error: Exception) -> Any:
        log.exception("request_failed", path=request.url.path)
        return problem(500, "Internal Server Error", "the server failed; see its log", "internal")

    app.add_exception_handler(LedgerError, on_ledger_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_crash)
    app.add_middleware(Guard, max_body=max_body)
    app.add_middleware(AccessLog)
    return app


class Guard:
    """Answer, as problems, what Starlette would answer in plain text or not at all: a
    write whose body is not JSON (415), or whose `Content-Length` is over the limit (413;
    a longer body without one is cut off by FastAPI's own `max_body_size`)."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH"):
            headers = dict(scope["headers"])
            kind = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            length = headers.get(b"content-length", b"")
            refused = None
            if kind != b"application/json" and not kind.endswith(b"+json"):
                refused = problem(
                    415,
                    "Unsupported Media Type",
                    "send the body as application/json",
                    "unsupported-media-type",
                    scope["path"],
                )
            elif length.isdigit() and int(length) > self.max_body:
                refused = problem(
                    413,
                    "Content Too Large",
                    f"the body is {int(length)} bytes; the limit is {self.max_body}",
                    "content-too-large",
                    scope["path"],
                )
            if refused is not None:
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)


class AccessLog:
    """One structured line per request: principal, method, route, status, duration and
    the position a write recorded; written before the answer's last byte is sent (so it
    is in the log once the client has its answer), or when the request failed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        logged = False

        def line() -> None:
            nonlocal logged
            logged = True
            state = scope.get("state", {})
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                route=getattr(scope.get("route"), "path", None),
                status=status,
                principal=state.get("principal"),
                position=state.get("position"),
                ms=round((time.perf_counter() - started) * 1000, 2),
            )

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                line()
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if not logged:
                line()
