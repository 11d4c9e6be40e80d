"""Waking up when the log grows, on PostgreSQL: a thread that LISTENs on `ledger_events`
(migration 0011) and calls `wake` for each append committed to this ledger's schema.

It holds one connection of its own, outside the pool, and reconnects after a failure.
A notification only says "look again": readers read the log itself, so one lost while
reconnecting costs a delay, never an event."""

from __future__ import annotations

import threading
from collections.abc import Callable

import psycopg
import sqlalchemy as sa
import structlog

log = structlog.get_logger("ledger.store")

CHANNEL = "ledger_events"
RECONNECT = 1.0  # seconds between attempts after the connection failed


class Listener:
    """Calls `wake()` from its own thread after each commit to the log, until `close()`."""

    def __init__(self, url: str, wake: Callable[[], None]) -> None:
        parsed = sa.engine.make_url(url).set(drivername="postgresql")
        self._conninfo = parsed.render_as_string(hide_password=False)
        self._wake = wake
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ledger-listen", daemon=True)
        self._ready = threading.Event()
        self._thread.start()
        self._ready.wait(timeout=5)

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._closed.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as connection:
                    schema = connection.execute("SELECT current_schema()").fetchone()
                    connection.execute(f"LISTEN {CHANNEL}")
                    self._ready.set()
                    self._wake()  # anything committed while (re)connecting
                    while not self._closed.is_set():
                        for note in connection.notifies(timeout=0.5):
                            if schema is None or note.payload == schema[0]:
                                self._wake()
            except psycopg.Error as error:
                log.warning("listen_failed", error=str(error).splitlines()[0])
                self._ready.set()
                self._closed.wait(RECONNECT)
