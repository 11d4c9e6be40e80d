"""The ledger: the Python API users call. It turns requests into events, appends them with
the read model in the same transaction, and answers queries from the read model.

`Ledger` is composed of its jobs, one module each: writing (`ledger.service.writing`),
reading (`ledger.service.reading`), the log and its checks (`ledger.service.integrity`),
and keeping the read model true to the log (`ledger.service.maintenance`). It works over
two interfaces: the log (`ledger.store.record.EventStore`) and the read model
(`ledger.projections.read_model.ReadModel`), each kept in SQL or in memory. This module
holds `Ledger` itself, its lifecycle, and `open`; every name below is importable from here.
"""

from __future__ import annotations

import copy
import getpass
import os
from collections.abc import Callable
from pathlib import Path
from typing import Self

import structlog

from ledger.errors import InvalidInputError, LogDamagedError, NotSupportedError
from ledger.logs import configure as configure_logging
from ledger.projections.memory import MemoryReadModel
from ledger.projections.read_model import ReadModel
from ledger.projections.sql_read_model import SqlReadModel
from ledger.service import inputs
from ledger.service.idempotency import Idempotency
from ledger.service.integrity import Integrity, anchors_of
from ledger.service.keys import Keys, MemoryKeys
from ledger.service.maintenance import Maintenance, Progress
from ledger.service.memory_upkeep import MemoryUpkeep
from ledger.service.reading import Reading
from ledger.service.results import (
    CompensationView,
    LedgerEvent,
    RecordedClaim,
    RecordedEvent,
    RecordedReport,
    ReplayResult,
    ReportView,
    SourceView,
)
from ledger.service.sql_keys import SqlKeys
from ledger.service.sql_upkeep import SqlUpkeep
from ledger.service.upkeep import Upkeep
from ledger.service.writing import Writing
from ledger.store.memory import MemoryStore
from ledger.store.record import Anchor, EventStore
from ledger.store.sql import DEFAULT_LOCK_TIMEOUT, SQLStore, masked

log = structlog.get_logger("ledger")

DEFAULT_FILE = "ledger.db"
MEMORY_URL = "memory://"
"""The URL of a ledger kept in memory: `open(MEMORY_URL)` gives a new, empty one each time."""


def default_url() -> str:
    """`LEDGER_DATABASE_URL`, else `ledger.db` in the working directory."""
    return os.environ.get("LEDGER_DATABASE_URL") or f"sqlite:///{Path(DEFAULT_FILE).resolve()}"


def default_lock_timeout() -> float:
    """`LEDGER_LOCK_TIMEOUT` (seconds, more than 0), else the store's default."""
    text = os.environ.get("LEDGER_LOCK_TIMEOUT")
    if not text:
        return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise InvalidInputError("LEDGER_LOCK_TIMEOUT", f"{text!r} is not a number of seconds > 0")
    return seconds


class Ledger(Writing, Reading, Integrity, Maintenance):
    """An open claim ledger. Use `ledger.open(url)`; close it (or use `with`) when done.

    A ledger is its log (`store`, an `EventStore`) and its read model (`read_model`, a
    `ReadModel`) kept with it: both in one SQL database (`SQLStore`, `SqlReadModel`), or
    both in memory (`MemoryStore`, `MemoryReadModel`). Beside them it keeps the HTTP
    service's API keys (`keys`, a `ledger.service.keys.Keys`), which are neither.

    Every method checks what it is handed before anything is written: a wrong type (None
    or a number where text belongs, a dict for a `Report`), a time without a zone, a
    publication time in the future or a blank reason raises an `InvalidInputError` naming
    the parameter, and nothing is appended. Times may be given as ISO 8601 strings.
    """

    def __init__(
        self, store: EventStore, read_model: ReadModel, *, actor: str | None = None
    ) -> None:
        self.store = store
        self.read_model = read_model
        self.read_only = isinstance(store, SQLStore) and store.read_only
        self.upkeep = upkeep_for(store, read_model)
        self.keys = keys_for(store)
        self.actor = actor or _default_actor()
        self.correlation_id: str | None = None
        self.causation_id: str | None = None
        self.damage: LogDamagedError | None = None  # set when the log cannot be applied
        self.idempotency: Idempotency | None = None  # see `idempotent`
        self.retried = False
        self.watchers: list[Callable[[], None]] = []  # see `watch`

    def acting(
        self,
        actor: str | None = None,
        *,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> Ledger:
        """The same ledger, recording who acts and why in each event's metadata.

        `lg.acting("alice", correlation_id=request_id).retract(...)`: the view shares the
        connection pool; it needs no closing of its own.
        """
        actor = inputs.optional_text(actor, "actor")
        correlation_id = inputs.optional_text(correlation_id, "correlation_id")
        causation_id = inputs.optional_text(causation_id, "causation_id")
        view = copy.copy(self)
        view.actor = actor or self.actor
        view.correlation_id = correlation_id or self.correlation_id
        view.causation_id = causation_id or self.causation_id
        return view

    def idempotent(self, idempotency: Idempotency) -> Ledger:
        """The same ledger, writing under an idempotency key: its events take their ids
        from the key, so a retry of the request is not recorded twice
        (`ledger.service.idempotency`). When the store finds the events already there, the
        write answers them and sets `retried`; when a retry is refused instead (its checks
        see the first request's effects), `recorded_request` finds what it recorded."""
        view = copy.copy(self)
        view.idempotency = idempotency
        view.retried = False
        return view

    def watch(self, wake: Callable[[], None]) -> Callable[[], None]:
        """Call `wake()` after each append to the log commits — this process's appends, and
        on PostgreSQL every process's (LISTEN/NOTIFY) — from any thread; returns the
        function that stops it. A wake-up carries no event: read the log (`events`)."""
        self.watchers.append(wake)
        listener = self.store.listen(wake) if isinstance(self.store, SQLStore) else None

        def stop() -> None:
            if wake in self.watchers:
                self.watchers.remove(wake)
            if listener is not None:
                listener.close()

        return stop

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Release the database connections."""
        self.read_model.close()
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        """The database URL this ledger is stored at (`memory://` for one in memory)."""
        return self.store.url if isinstance(self.store, SQLStore) else MEMORY_URL

    def sql_store(self, operation: str) -> SQLStore:
        """The SQL store, for `operation`, which only a SQL database has (a schema
        revision, a file import); `NotSupportedError` for a ledger in memory."""
        if not isinstance(self.store, SQLStore):
            raise NotSupportedError(operation)
        return self.store


def upkeep_for(store: EventStore, read_model: ReadModel) -> Upkeep:
    """How a ledger keeps its read model true to its log: chosen once, by its kind."""
    if isinstance(read_model, SqlReadModel):
        return SqlUpkeep(read_model)
    if isinstance(read_model, MemoryReadModel):
        return MemoryUpkeep(store, read_model)
    raise TypeError(f"no upkeep for a {type(read_model).__name__}")


def keys_for(store: EventStore) -> Keys:
    """Where a ledger keeps its API keys: chosen once, by the kind of its store."""
    if isinstance(store, SQLStore):
        return SqlKeys(store)
    if isinstance(store, MemoryStore):
        return MemoryKeys()
    raise TypeError(f"no keys for a {type(store).__name__}")


def open(
    url: str | None = None,
    *,
    actor: str | None = None,
    synchronous: str = "FULL",
    lock_timeout: float | None = None,
    read_only: bool = False,
) -> Ledger:
    """Open (and create or migrate to the newest schema) the ledger at `url`.

    `url`: `sqlite:///path.db` (default: `LEDGER_DATABASE_URL`, else ./ledger.db),
    `sqlite://` for a throw-away SQLite database in memory, `postgresql://user@host/db`,
    or `memory://` for a new ledger kept in Python objects, with no database at all: the
    same API and rules, fast, gone when closed (no schema, no file import; see
    docs/architecture.md).
    `synchronous`: SQLite's durability setting (OFF, NORMAL, FULL or EXTRA).
    `lock_timeout`: seconds a write waits for the writers' lock before `LockTimeoutError`
    (default: `LEDGER_LOCK_TIMEOUT`, else 10).
    `read_only`: open a reader, e.g. on a PostgreSQL streaming replica (a hot standby,
    which refuses every write): no migration (a schema not at the newest revision raises
    `SchemaMismatchError`), no catch-up, and every write raises `ReadOnlyError` before it
    reaches the database. Its read model is the primary's, replayed with the log in the
    same transactions, so its reads are those of its own `head()`.
    """
    inputs.optional_text(url, "url")
    inputs.flag(read_only, "read_only")
    inputs.optional_text(actor, "actor")
    if inputs.text(synchronous, "synchronous").upper() not in SYNCHRONOUS:
        raise InvalidInputError("synchronous", f"must be one of {', '.join(SYNCHRONOUS)}")
    if not structlog.is_configured():
        configure_logging()
    if url == MEMORY_URL:
        if read_only:
            raise NotSupportedError("opening read-only")
        log.debug("opened", url=MEMORY_URL)
        return Ledger(MemoryStore(), MemoryReadModel(), actor=actor)
    store = SQLStore(
        url or default_url(),
        read_only=read_only,
        synchronous=synchronous,
        lock_timeout=lock_timeout if lock_timeout is not None else default_lock_timeout(),
    )
    log.debug("opened", url=masked(store.url), dialect=store.dialect, read_only=read_only)
    opened = Ledger(store, SqlReadModel(store), actor=actor)
    if not read_only:
        opened.catch_up()
    return opened


SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
"""SQLite's `PRAGMA synchronous` levels `open` accepts."""


def _default_actor() -> str:
    try:
        return os.environ.get("LEDGER_ACTOR") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


__all__ = [
    "MEMORY_URL",
    "Anchor",
    "CompensationView",
    "Ledger",
    "LedgerEvent",
    "Progress",
    "RecordedClaim",
    "RecordedEvent",
    "RecordedReport",
    "ReplayResult",
    "ReportView",
    "SourceView",
    "anchors_of",
    "default_lock_timeout",
    "default_url",
    "open",
]
