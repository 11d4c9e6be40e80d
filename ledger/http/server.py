"""Running the app: `serve` in the foreground (`ledger serve`), or `Background` in a thread
on a loopback port (the test suite, the benchmark)."""

from __future__ import annotations

import threading
import time
from types import FrameType, TracebackType

import uvicorn
from fastapi import FastAPI

GRACE = 30
"""Seconds a shutdown waits for requests in flight (an append finishes, then the server stops)."""


def config(app: FastAPI, host: str, port: int) -> uvicorn.Config:
    """Uvicorn's settings: its own access log off (the app logs each request, structured),
    its logging left to structlog, a graceful shutdown."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=GRACE,
        server_header=False,
    )


class Server(uvicorn.Server):
    """uvicorn's server, which also ends the app's event streams when it is told to stop
    (SIGINT, SIGTERM): requests in flight finish, streams end at once."""

    def __init__(self, app: FastAPI, host: str, port: int) -> None:
        super().__init__(config(app, host, port))
        self.app = app

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.app.state.waker.stop()
        super().handle_exit(sig, frame)


def serve(app: FastAPI, host: str, port: int) -> None:
    """Serve until interrupted (SIGINT or SIGTERM: requests in flight finish first)."""
    Server(app, host, port).run()


class Background:
    """The app served from a thread on `127.0.0.1` and a free port, while the `with` lasts."""

    def __init__(self, app: FastAPI) -> None:
        self.server = Server(app, "127.0.0.1", 0)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        socket = self.server.servers[0].sockets[0]
        host, port = socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Background:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.005)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.app.state.waker.stop()
        self.server.should_exit = True
        self.thread.join(timeout=GRACE)
