"""The SQL event store (SQLAlchemy Core): an SQLite file by default, PostgreSQL for shared use.

Appends are serialised so that positions are gap-free and follow commit order: SQLite by
`BEGIN IMMEDIATE` (one writer at a time, WAL for concurrent readers), PostgreSQL by locking
the one row of `writer_lock` first in the append transaction, which only the writer role
may do (readers are not blocked, and cannot block writers; see `ledger.store.locks`). A
catch-up reader therefore never sees position n+1 before n is committed. Every lock wait
is bounded by `lock_timeout` and ends in `LockTimeoutError`.

On SQLite a store keeps one connection of its own and begins and ends its transactions on
the driver directly (`SQLStore.transaction`): for a small append, SQLAlchemy's pool
checkout, begin, commit and reset cost more than the append itself.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
import structlog
from sqlalchemy import Connection, Engine, event, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.pool import StaticPool

from ledger.errors import (
    AppendOnlyViolationError,
    ConcurrencyError,
    DatabaseUnavailableError,
    LedgerError,
    LockTimeoutError,
    PermissionDeniedError,
    StoreError,
)
from ledger.store import locks, migrate
from ledger.store.appending import build_stored, resolve_retry, store_clock
from ledger.store.chain import GENESIS, Encoded, encode_batch, verify_chain
from ledger.store.record import AppendHook, EventStore, NewEvent, StoredEvent, VerifyResult
from ledger.store.schema import events as events_table

log = structlog.get_logger("ledger.store")

_T = TypeVar("_T")

_CHUNK = 500  # ids per IN (...) list

DEFAULT_LOCK_TIMEOUT = 10.0
"""Seconds a writer (or an opener waiting for a migration) waits for a lock before it fails
with `LockTimeoutError`: an append holds the writers' lock for milliseconds, so this only
ends waits on something stuck or long (a replay, an import, a migration)."""


def normalise_url(url: str) -> str:
    """Accept `postgresql://` and `postgres://`; use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def masked(url: str) -> str:
    """`url` fit to log or show: its password, if any, replaced by `***`."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except (exc.ArgumentError, ValueError):
        return re.sub(r"(://[^/@]*?:)[^/@]*@", r"\1***@", url)


def create_engine(
    url: str, *, synchronous: str = "FULL", lock_timeout: float = DEFAULT_LOCK_TIMEOUT
) -> Engine:
    """An engine configured for the ledger: SQLite in WAL with BEGIN IMMEDIATE for writers;
    every lock wait bounded by `lock_timeout` seconds (SQLite's busy timeout, PostgreSQL's
    `lock_timeout` set on each new session)."""
    url = normalise_url(url)
    milliseconds = max(1, round(lock_timeout * 1000))  # 0 would mean "forever" on PostgreSQL
    try:
        parsed = sa.engine.make_url(url)
        if parsed.get_backend_name() != "sqlite":
            engine = sa.create_engine(url, pool_pre_ping=True)
            if parsed.get_backend_name() == "postgresql":
                _bound_lock_waits(engine, milliseconds)
            return engine
    except (exc.ArgumentError, ValueError) as error:  # unparsable, or no such dialect/driver
        raise DatabaseUnavailableError(f"not a usable database URL: {masked(url)!r}") from error
    memory = parsed.database in (None, "", ":memory:")
    engine = sa.create_engine(
        url,
        connect_args={"timeout": milliseconds / 1000, "check_same_thread": False},
        poolclass=StaticPool if memory else None,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA busy_timeout={milliseconds}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        if _driver(connection).in_transaction:
            return  # begun on the driver by SQLStore.transaction
        write = connection.get_execution_options().get("ledger_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _bound_lock_waits(engine: Engine, milliseconds: int) -> None:
    """Set `lock_timeout` on every new PostgreSQL session of `engine`."""

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET lock_timeout = {milliseconds}")
        cursor.close()
        dbapi_connection.commit()


def _driver(connection: Connection) -> Any:
    """The DBAPI connection under a SQLAlchemy one."""
    return connection.connection.dbapi_connection


def _wrapped(
    dialect: Dialect, statement: str, call: Callable[[], _T], params: Sequence[Any] = ()
) -> _T:
    """`call()` on the driver, its errors wrapped as SQLAlchemy's (for `translated_errors`)."""
    try:
        return call()
    except dialect.loaded_dbapi.Error as error:
        raise exc.DBAPIError.instance(
            statement, params, error, dialect.loaded_dbapi.Error, dialect=dialect
        ) from error


@contextlib.contextmanager
def translated_errors(lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Iterator[None]:
    """Turn database exceptions into the ledger's own; nothing of SQLAlchemy escapes.

    `lock_timeout` is the bound the connections had, for the message of a lock wait that
    ran out where no lock of the ledger's own was named (see `ledger.store.locks`)."""
    try:
        yield
    except LedgerError:
        raise
    except exc.DBAPIError as error:
        message = str(error.orig) if error.orig is not None else str(error)
        if "append-only" in message:
            raise AppendOnlyViolationError(message.splitlines()[0]) from error
        if locks.is_lock_timeout(error):
            raise LockTimeoutError("lock", lock_timeout, None, message.splitlines()[0]) from error
        if locks.is_permission_denied(error):
            raise PermissionDeniedError(message.splitlines()[0]) from error
        if error.connection_invalidated or (
            isinstance(error, exc.OperationalError)
            and ("connect" in message or "unable to open" in message)
        ):
            raise DatabaseUnavailableError(message.splitlines()[0]) from error
        raise StoreError(message.splitlines()[0]) from error
    except exc.SQLAlchemyError as error:
        raise StoreError(str(error).splitlines()[0]) from error


class SQLStore(EventStore):
    """The event log in a SQL database; see the module docstring for the guarantees."""

    def __init__(
        self,
        url: str,
        *,
        migrate_schema: bool = True,
        synchronous: str = "FULL",
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        self.url = normalise_url(url)
        self.lock_timeout = lock_timeout
        self.engine = create_engine(self.url, synchronous=synchronous, lock_timeout=lock_timeout)
        self.dialect = self.engine.dialect.name
        self._own: Connection | None = None
        self._own_lock = threading.Lock()
        self._processors = _processors(self.engine.dialect)
        if migrate_schema:
            with translated_errors(lock_timeout):
                migrate.upgrade_if_behind(self.engine)

    @contextlib.contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Connection]:
        """A transaction; `write=True` takes the writer's lock first (see the module doc).

        Writes, and on SQLite reads too, run on the store's own connection when it is free;
        one that finds it busy (another thread's, or nested in a transaction) takes a
        pooled connection, as PostgreSQL reads always do (the pool checks a connection is
        still alive before handing it out; a write checks its own, see `_begin_own`).
        """
        with translated_errors(self.lock_timeout):
            own = write or self.dialect == "sqlite"
            if own and self._own_lock.acquire(blocking=False):
                try:
                    with self._own_transaction(write) as connection:
                        yield connection
                finally:
                    self._own_lock.release()
                return
            with self.engine.connect() as connection:
                if write:
                    connection = connection.execution_options(ledger_write=True)
                try:
                    transaction = connection.begin()  # SQLite: BEGIN IMMEDIATE for a write
                    if write and self.dialect == "postgresql":
                        _require_lock_row(connection.exec_driver_sql(locks.WRITER_LOCK).first())
                except exc.DBAPIError as error:
                    failure = locks.writer_lock_failure(self.engine, error, self.lock_timeout)
                    if failure is None or not write:
                        raise
                    raise failure from error
                with transaction:
                    yield connection

    @contextlib.contextmanager
    def _own_transaction(self, write: bool) -> Iterator[Connection]:
        """A transaction begun and ended on the driver of the store's own connection.

        Statements run through SQLAlchemy on it (the projector's) make SQLAlchemy begin a
        transaction of its own, which the `begin` listener leaves to the driver's; it is
        then committed or rolled back through SQLAlchemy, so both agree it has ended. A
        commit or rollback that fails drops the connection (closing it rolls back).
        """
        connection = self._begin_own(write)
        try:
            yield connection
        except BaseException:
            self._end_own(connection, commit=False)
            raise
        self._end_own(connection, commit=True)

    def _begin_own(self, write: bool) -> Connection:
        """Begin on the own connection: `BEGIN [IMMEDIATE]` on SQLite, the writers' lock on
        PostgreSQL. If the server dropped the connection since its last use, that first
        statement fails having done nothing: the connection is replaced and it runs again.
        If the lock is not had, the transaction is ended and the ledger's error for that
        raised (`LockTimeoutError`, `PermissionDeniedError`)."""
        if self.dialect == "postgresql":
            statement = locks.WRITER_LOCK
        else:
            statement = "BEGIN IMMEDIATE" if write else "BEGIN"
        try:
            try:
                connection, cursor = self._run_first(statement)
            except exc.DBAPIError as error:
                if not error.connection_invalidated:
                    raise
                self._drop_own()
                connection, cursor = self._run_first(statement)
        except exc.DBAPIError as error:
            self._end_own_quietly()
            failure = locks.writer_lock_failure(self.engine, error, self.lock_timeout)
            if failure is None or not write:
                raise
            raise failure from error
        if self.dialect == "postgresql":
            try:
                _require_lock_row(cursor.fetchone())
            except StoreError:
                self._end_own_quietly()
                raise
        return connection

    def _end_own_quietly(self) -> None:
        """Roll back whatever the own connection has begun, dropping it if that fails."""
        if self._own is None:
            return
        try:
            _wrapped(self._own.dialect, "ROLLBACK", _driver(self._own).rollback)
        except exc.DBAPIError:
            self._drop_own()

    def _run_first(self, statement: str) -> tuple[Connection, Any]:
        """Run `statement` on the own connection (opened if need be); return that and the
        driver's cursor. Driver errors come wrapped, marked `connection_invalidated` if the
        connection is lost."""
        if self._own is None:
            self._own = self.engine.connect()
        connection, dialect = self._own, self._own.dialect
        driver = _driver(connection)
        try:
            cursor = driver.execute(statement)
        except dialect.loaded_dbapi.Error as error:
            raise exc.DBAPIError.instance(
                statement,
                (),
                error,
                dialect.loaded_dbapi.Error,
                connection_invalidated=dialect.is_disconnect(error, driver, None),
                dialect=dialect,
            ) from error
        return connection, cursor

    def _end_own(self, connection: Connection, *, commit: bool) -> None:
        try:
            if connection.in_transaction():
                (connection.commit if commit else connection.rollback)()
            else:
                driver = _driver(connection)
                end = driver.commit if commit else driver.rollback
                _wrapped(connection.dialect, "COMMIT" if commit else "ROLLBACK", end)
        except BaseException:
            self._drop_own()
            raise

    def _drop_own(self) -> None:
        """Forget the own connection, closing it on the driver (which rolls back)."""
        own, self._own = self._own, None
        if own is not None:
            with contextlib.suppress(exc.SQLAlchemyError):
                own.invalidate()
            own.close()

    def append(
        self,
        events: Sequence[NewEvent],
        expected_versions: Mapping[str, int] | None = None,
        *,
        on_append: AppendHook | None = None,
    ) -> list[StoredEvent]:
        encoded = encode_batch(events)
        if not events:
            return []
        started = time.perf_counter()
        with self.transaction(write=True) as connection:
            stored, retried = self._append_on(
                connection, events, encoded, expected_versions, on_append
            )
        if not retried:
            log.info(
                "appended",
                first=stored[0].position,
                last=stored[-1].position,
                count=len(stored),
                ms=round((time.perf_counter() - started) * 1000, 2),
            )
        return stored

    def append_chunks(
        self, chunks: Iterable[Sequence[NewEvent]], *, on_append: AppendHook | None = None
    ) -> int:
        started = time.perf_counter()
        count, first, last = 0, None, None
        with self.transaction(write=True) as connection:
            for events in chunks:
                if not events:
                    continue
                encoded = encode_batch(events)
                stored, _ = self._append_on(connection, events, encoded, None, on_append)
                count += len(stored)
                first = first or stored[0].position
                last = stored[-1].position
        log.info(
            "appended",
            first=first,
            last=last,
            count=count,
            ms=round((time.perf_counter() - started) * 1000, 2),
        )
        return count

    def _append_on(
        self,
        connection: Connection,
        events: Sequence[NewEvent],
        encoded: Sequence[Encoded],
        expected_versions: Mapping[str, int] | None,
        on_append: AppendHook | None,
    ) -> tuple[list[StoredEvent], bool]:
        """Append one batch in the caller's write transaction: the events as stored, and
        whether the batch was a retry (then nothing was written, the hook not called)."""
        raw = _Raw(connection, self._processors)
        ids = [str(e.event_id) for e in events]
        known = raw.any_recorded(ids)
        recorded = self._by_event_ids(connection, ids) if known else {}
        replay = resolve_retry(events, encoded, recorded.get)
        if replay is not None:
            log.info("append retried", first=replay[0].position, count=len(replay))
            return replay, True
        streams = {e.stream_id for e in events} | set(expected_versions or {})
        versions = raw.stream_versions(streams)
        for stream_id, expected in (expected_versions or {}).items():
            if versions.get(stream_id, 0) != expected:
                raise ConcurrencyError(stream_id, expected, versions.get(stream_id, 0))
        last = raw.last()
        position, prev = (last[0], last[1]) if last else (0, GENESIS)
        now = store_clock(last[2] if last else None)
        stored = []
        for new, texts in zip(events, encoded, strict=True):
            position += 1
            versions[new.stream_id] = versions.get(new.stream_id, 0) + 1
            record = build_stored(new, texts, position, versions[new.stream_id], now, prev)
            prev = record.hash
            stored.append(record)
        raw.insert(stored, ids, encoded, now)
        if on_append is not None:
            on_append(connection, stored)
        return stored, False

    def read_stream(self, stream_id: str) -> list[StoredEvent]:
        query = (
            sa.select(events_table)
            .where(events_table.c.stream_id == stream_id)
            .order_by(events_table.c.stream_version)
        )
        with self.transaction() as connection:
            return [_decode(row) for row in connection.execute(query)]

    def read_all(self, after: int = 0, *, batch_size: int = 1000) -> Iterator[StoredEvent]:
        for batch in self._raw_batches(after, batch_size):
            for row in batch:
                yield _decode(row)

    def _raw_batches(self, after: int, batch_size: int) -> Iterator[list[sa.Row[Any]]]:
        position = after
        while True:
            query = (
                sa.select(events_table)
                .where(events_table.c.position > position)
                .order_by(events_table.c.position)
                .limit(batch_size)
            )
            with self.transaction() as connection:
                batch = list(connection.execute(query))
            if not batch:
                return
            yield batch
            position = batch[-1].position

    def head(self) -> tuple[int, str]:
        query = (
            sa.select(events_table.c.position, events_table.c.hash)
            .order_by(events_table.c.position.desc())
            .limit(1)
        )
        with self.transaction() as connection:
            row = connection.execute(query).first()
        return (row[0], row[1]) if row else (0, GENESIS)

    def verify(self) -> VerifyResult:
        def rows() -> Iterator[StoredEvent | tuple[int, str]]:
            for batch in self._raw_batches(0, 2000):
                for row in batch:
                    try:
                        yield _decode(row)
                    except (ValueError, TypeError) as error:
                        yield row.position, f"its stored content no longer decodes ({error})"

        def positions_of_hash(digest: str) -> list[int]:
            query = sa.select(events_table.c.position).where(events_table.c.hash == digest)
            with self.transaction() as connection:
                return [p for (p,) in connection.execute(query)]

        started = time.perf_counter()
        result = verify_chain(rows(), positions_of_hash)
        log.info(
            "verified",
            ok=result.ok,
            count=result.count,
            head=result.head_position,
            bad_position=result.bad_position,
            problem=result.problem,
            ms=round((time.perf_counter() - started) * 1000, 2),
        )
        return result

    def close(self) -> None:
        with self._own_lock:  # waits for a transaction on the own connection to end
            if self._own is not None:
                self._own.close()
                self._own = None
        self.engine.dispose()

    def _by_event_ids(self, connection: Connection, ids: list[str]) -> dict[str, StoredEvent]:
        found: dict[str, StoredEvent] = {}
        for start in range(0, len(ids), _CHUNK):
            query = sa.select(events_table).where(
                events_table.c.event_id.in_(ids[start : start + _CHUNK])
            )
            found.update((row.event_id, _decode(row)) for row in connection.execute(query))
        return found


class _Raw:
    """The append path's statements, run on the DBAPI cursor of the transaction's own
    connection: for one report per transaction, building them through SQLAlchemy cost more
    than the rest of the append. Times go through the column type's own processors, so the
    rows are exactly what SQLAlchemy would write and read; driver errors are wrapped as
    SQLAlchemy's, so `translated_errors` turns them into the ledger's own as before."""

    _COLUMNS = (
        "position, stream_id, stream_version, event_id, type, schema_version, payload, "
        "metadata, recorded_at, prev_hash, hash"
    )

    def __init__(self, connection: Connection, processors: tuple[str, Any, Any]) -> None:
        self._dialect = connection.dialect
        self._mark, self._bind, self._result = processors
        self._cursor: Any = _driver(connection).cursor()

    def _run(self, sql: str, params: Sequence[Any], *, many: bool = False) -> Any:
        sql = sql.replace("?", self._mark)
        run = self._cursor.executemany if many else self._cursor.execute
        _wrapped(self._dialect, sql, lambda: run(sql, params), params)
        return self._cursor

    def any_recorded(self, ids: list[str]) -> bool:
        """Whether any of these event ids is already in the log (then it may be a retry)."""
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            sql = f"SELECT 1 FROM events WHERE event_id IN ({marks}) LIMIT 1"
            if self._run(sql, chunk).fetchone() is not None:
                return True
        return False

    def stream_versions(self, streams: set[str]) -> dict[str, int]:
        names = sorted(streams)
        versions: dict[str, int] = {}
        for start in range(0, len(names), _CHUNK):
            chunk = names[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            sql = (
                "SELECT stream_id, max(stream_version) FROM events "
                f"WHERE stream_id IN ({marks}) GROUP BY stream_id"
            )
            versions.update((stream, version) for stream, version in self._run(sql, chunk))
        return versions

    def last(self) -> tuple[int, str, Any] | None:
        """The last event's position, hash and recorded time (zone-aware)."""
        sql = "SELECT position, hash, recorded_at FROM events ORDER BY position DESC LIMIT 1"
        row = self._run(sql, ()).fetchone()
        if row is None:
            return None
        recorded = self._result(row[2]) if self._result is not None else row[2]
        return row[0], row[1], recorded

    def insert(
        self,
        stored: Sequence[StoredEvent],
        ids: Sequence[str],
        encoded: Sequence[Encoded],
        recorded_at: datetime,
    ) -> None:
        """Insert the records of one batch: `ids` their event ids as text, `encoded` their
        canonical texts, `recorded_at` the time they all carry."""
        at = self._bind(recorded_at) if self._bind is not None else recorded_at
        rows = [
            (
                record.position,
                record.stream_id,
                record.stream_version,
                event_id,
                record.type,
                record.schema_version,
                texts.payload_text,
                texts.metadata_text,
                at,
                record.prev_hash,
                record.hash,
            )
            for record, event_id, texts in zip(stored, ids, encoded, strict=True)
        ]
        marks = ", ".join("?" * 11)
        self._run(f"INSERT INTO events ({self._COLUMNS}) VALUES ({marks})", rows, many=True)


def _require_lock_row(row: Any) -> None:
    """The writers' lock statement found its row (without it nothing would be locked)."""
    if row is None:
        raise StoreError("the writers' lock row is missing from writer_lock; appends refused")


def _processors(dialect: Dialect) -> tuple[str, Any, Any]:
    """The parameter mark, and the bind and result processors of `recorded_at`, for a dialect."""
    recorded_at = events_table.c.recorded_at.type.dialect_impl(dialect)
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    return mark, recorded_at.bind_processor(dialect), recorded_at.result_processor(dialect, None)


def _decode(row: sa.Row[Any]) -> StoredEvent:
    return StoredEvent(
        position=row.position,
        stream_id=row.stream_id,
        stream_version=row.stream_version,
        event_id=uuid.UUID(row.event_id),
        type=row.type,
        schema_version=row.schema_version,
        payload=json.loads(row.payload),
        metadata=json.loads(row.metadata),
        recorded_at=row.recorded_at,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def rows_after(connection: Connection, after: int, batch_size: int = 1000) -> Iterator[StoredEvent]:
    """Every event after `after`, read in batches on a connection the caller holds (replay
    reads this way inside its own transaction)."""
    position = after
    while True:
        query = (
            sa.select(events_table)
            .where(events_table.c.position > position)
            .order_by(events_table.c.position)
            .limit(batch_size)
        )
        batch = [_decode(row) for row in connection.execute(query)]
        if not batch:
            return
        yield from batch
        position = batch[-1].position
