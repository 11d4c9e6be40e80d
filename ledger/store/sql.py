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

A store opened `read_only` (a reader on a streaming replica, which refuses every write)
never migrates: it checks the schema is the one the code needs (`SchemaMismatchError`), and
refuses every write transaction with `ReadOnlyError` before it connects.

This module holds the store and its transactions; connecting (URLs, engines, error
translation) is `ledger.store.sql_engine`, the append path `ledger.store.sql_append` and the
read path `ledger.store.sql_read`. Their public names are importable from here as before.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy import Connection, exc

from ledger.errors import ReadOnlyError, StoreError
from ledger.store import locks, migrate
from ledger.store.chain import GENESIS, Encoded, encode_batch, verify_chain
from ledger.store.listen import Listener
from ledger.store.record import AppendHook, EventStore, NewEvent, StoredEvent, VerifyResult
from ledger.store.schema import events as events_table
from ledger.store.sql_append import append_batch, column_processors
from ledger.store.sql_engine import (
    DEFAULT_LOCK_TIMEOUT,
    create_engine,
    driver_of,
    masked,
    normalise_url,
    translated_errors,
    wrapped,
)
from ledger.store.sql_read import by_event_ids, decode_row, page_after, rows_after

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "SQLStore",
    "create_engine",
    "masked",
    "normalise_url",
    "rows_after",
    "translated_errors",
]

log = structlog.get_logger("ledger.store")


class SQLStore(EventStore):
    """The event log in a SQL database; see the module docstring for the guarantees."""

    def __init__(
        self,
        url: str,
        *,
        migrate_schema: bool = True,
        read_only: bool = False,
        synchronous: str = "FULL",
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    ) -> None:
        self.url = normalise_url(url)
        self.read_only = read_only
        self.lock_timeout = lock_timeout
        self.engine = create_engine(self.url, synchronous=synchronous, lock_timeout=lock_timeout)
        self.dialect = self.engine.dialect.name
        self._own: Connection | None = None
        self._own_lock = threading.Lock()
        self.column_processors = column_processors(self.engine.dialect)
        try:
            with translated_errors(lock_timeout):
                if read_only:
                    migrate.require_head(self.engine)
                elif migrate_schema:
                    migrate.upgrade_if_behind(self.engine)
        except StoreError:
            self.engine.dispose()
            raise

    @contextlib.contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Connection]:
        """A transaction; `write=True` takes the writer's lock first (see the module doc).

        Writes, and on SQLite reads too, run on the store's own connection when it is free;
        one that finds it busy (another thread's, or nested in a transaction) takes a
        pooled connection, as PostgreSQL reads always do (the pool checks a connection is
        still alive before handing it out; a write checks its own, see `_begin_own`). A
        read-only store refuses a write here, before it connects (`ReadOnlyError`).
        """
        if write and self.read_only:
            raise ReadOnlyError("a write")
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
            wrapped(self._own.dialect, "ROLLBACK", driver_of(self._own).rollback)
        except exc.DBAPIError:
            self._drop_own()

    def _run_first(self, statement: str) -> tuple[Connection, Any]:
        """Run `statement` on the own connection (opened if need be); return that and the
        driver's cursor. Driver errors come wrapped, marked `connection_invalidated` if the
        connection is lost."""
        if self._own is None:
            self._own = self.engine.connect()
        connection, dialect = self._own, self._own.dialect
        driver = driver_of(connection)
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
                driver = driver_of(connection)
                end = driver.commit if commit else driver.rollback
                wrapped(connection.dialect, "COMMIT" if commit else "ROLLBACK", end)
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
        return append_batch(
            connection, self.column_processors, events, encoded, expected_versions, on_append
        )

    def read_stream(self, stream_id: str) -> list[StoredEvent]:
        query = (
            sa.select(events_table)
            .where(events_table.c.stream_id == stream_id)
            .order_by(events_table.c.stream_version)
        )
        with self.transaction() as connection:
            return [decode_row(row) for row in connection.execute(query)]

    def read_all(self, after: int = 0, *, batch_size: int = 1000) -> Iterator[StoredEvent]:
        for batch in self._raw_batches(after, batch_size):
            for row in batch:
                yield decode_row(row)

    def find(self, event_id: uuid.UUID) -> StoredEvent | None:
        with self.transaction() as connection:
            return by_event_ids(connection, [str(event_id)]).get(str(event_id))

    def _raw_batches(self, after: int, batch_size: int) -> Iterator[list[sa.Row[Any]]]:
        position = after
        while True:
            with self.transaction() as connection:
                batch = list(connection.execute(page_after(position, batch_size)))
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
                        yield decode_row(row)
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

    def listen(self, wake: Callable[[], None]) -> Listener | None:
        """A thread calling `wake` after each commit to this log by any process, on
        PostgreSQL (`ledger.store.listen`); None on SQLite, which cannot tell."""
        return Listener(self.url, wake) if self.dialect == "postgresql" else None

    def close(self) -> None:
        with self._own_lock:  # waits for a transaction on the own connection to end
            if self._own is not None:
                self._own.close()
                self._own = None
        self.engine.dispose()


def _require_lock_row(row: Any) -> None:
    """The writers' lock statement found its row (without it nothing would be locked)."""
    if row is None:
        raise StoreError("the writers' lock row is missing from writer_lock; appends refused")
