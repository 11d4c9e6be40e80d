"""An in-memory event store: the fake that passes the same contract suite as the real ones."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence

import structlog

from ledger.errors import ConcurrencyError
from ledger.store.appending import build_stored, resolve_retry, store_clock
from ledger.store.chain import GENESIS, encode_batch, verify_chain
from ledger.store.record import AppendHook, EventStore, NewEvent, StoredEvent, VerifyResult

log = structlog.get_logger("ledger.store")


class MemoryStore(EventStore):
    """Keeps the log in a list; thread-safe; gone when the process ends."""

    def __init__(self) -> None:
        self._events: list[StoredEvent] = []
        self._by_id: dict[str, StoredEvent] = {}
        self._versions: dict[str, int] = {}
        self._lock = threading.Lock()

    def append(
        self,
        events: Sequence[NewEvent],
        expected_versions: Mapping[str, int] | None = None,
        *,
        on_append: AppendHook | None = None,
    ) -> list[StoredEvent]:
        with self._lock:
            stored, retried = self._append_locked(events, expected_versions, on_append)
        if stored and not retried:
            log.info(
                "appended", first=stored[0].position, last=stored[-1].position, count=len(stored)
            )
        return stored

    def append_chunks(
        self, chunks: Iterable[Sequence[NewEvent]], *, on_append: AppendHook | None = None
    ) -> int:
        count = 0
        with self._lock:
            length, versions = len(self._events), dict(self._versions)
            try:
                for events in chunks:
                    if events:
                        count += len(self._append_locked(events, None, on_append)[0])
            except BaseException:  # all-or-nothing: forget every chunk appended so far
                for event in self._events[length:]:
                    del self._by_id[str(event.event_id)]
                del self._events[length:]
                self._versions = versions
                raise
        log.info("appended", count=count)
        return count

    def _append_locked(
        self,
        events: Sequence[NewEvent],
        expected_versions: Mapping[str, int] | None,
        on_append: AppendHook | None,
    ) -> tuple[list[StoredEvent], bool]:
        texts = encode_batch(events)
        replay = resolve_retry(events, texts, self._by_id.get)
        if replay is not None:
            return replay, True
        versions = dict(self._versions)
        for stream_id, expected in (expected_versions or {}).items():
            if versions.get(stream_id, 0) != expected:
                raise ConcurrencyError(stream_id, expected, versions.get(stream_id, 0))
        position, prev = self._head()
        now = store_clock(self._events[-1].recorded_at if self._events else None)
        stored = []
        for event, event_texts in zip(events, texts, strict=True):
            position += 1
            versions[event.stream_id] = versions.get(event.stream_id, 0) + 1
            version = versions[event.stream_id]
            record = build_stored(event, event_texts, position, version, now, prev)
            prev = record.hash
            stored.append(record)
        if on_append is not None:
            on_append(None, stored)
        self._events.extend(stored)
        self._by_id.update((str(e.event_id), e) for e in stored)
        self._versions = versions
        return stored, False

    def read_stream(self, stream_id: str) -> list[StoredEvent]:
        with self._lock:
            return [e for e in self._events if e.stream_id == stream_id]

    def read_all(self, after: int = 0, *, batch_size: int = 1000) -> Iterator[StoredEvent]:
        position = after
        while True:
            with self._lock:
                batch = self._events[position : position + batch_size]
            if not batch:
                return
            yield from batch
            position = batch[-1].position

    def find(self, event_id: uuid.UUID) -> StoredEvent | None:
        with self._lock:
            return self._by_id.get(str(event_id))

    def head(self) -> tuple[int, str]:
        with self._lock:
            return self._head()

    def _head(self) -> tuple[int, str]:
        if not self._events:
            return 0, GENESIS
        last = self._events[-1]
        return last.position, last.hash

    def verify(self) -> VerifyResult:
        with self._lock:
            events = list(self._events)

        def positions_of_hash(digest: str) -> list[int]:
            return [e.position for e in events if e.hash == digest]

        result = verify_chain(events, positions_of_hash)
        log.info("verified", ok=result.ok, count=result.count, bad_position=result.bad_position)
        return result
