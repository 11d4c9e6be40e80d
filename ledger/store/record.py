"""The store's vocabulary: what goes in, what comes out, and the interface every backend keeps."""

from __future__ import annotations

import abc
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

JSONDict = dict[str, Any]


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append. The store assigns position, version, time and hashes."""

    stream_id: str
    type: str
    payload: Mapping[str, Any]
    schema_version: int = 1
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as recorded: immutable, positioned, time-stamped and chained."""

    position: int
    stream_id: str
    stream_version: int
    event_id: uuid.UUID
    type: str
    schema_version: int
    payload: JSONDict
    metadata: JSONDict
    recorded_at: datetime
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The outcome of walking the hash chain.

    On success `ok` is True and `count`/`head_hash` describe the log. Otherwise
    `bad_position` is the first position that does not check out and `problem` is one of
    "content changed", "event missing", "order changed", "duplicated".
    """

    ok: bool
    count: int
    head_position: int
    head_hash: str
    bad_position: int | None = None
    problem: str | None = None
    detail: str | None = None


AppendHook = Callable[[Any, Sequence[StoredEvent]], None]
"""Called inside the append transaction with the backend's unit of work (a SQLAlchemy
`Connection` for SQL stores, None in memory) and the events just stored. If it raises,
the whole append is rolled back. Projections use it to stay in step with the log."""


class EventStore(abc.ABC):
    """A totally ordered, append-only, hash-chained log of events."""

    @abc.abstractmethod
    def append(
        self,
        events: Sequence[NewEvent],
        expected_versions: Mapping[str, int] | None = None,
        *,
        on_append: AppendHook | None = None,
    ) -> list[StoredEvent]:
        """Append `events` all-or-nothing and return them as stored.

        `expected_versions` maps a stream id to the version it must be at now (0: it must
        not exist yet); a mismatch raises `ConcurrencyError`. A retry whose event ids are
        all recorded with the same content returns the original events and writes nothing.
        """

    @abc.abstractmethod
    def append_chunks(
        self, chunks: Iterable[Sequence[NewEvent]], *, on_append: AppendHook | None = None
    ) -> int:
        """Append chunk after chunk in ONE transaction, all-or-nothing, and return how many
        events were appended: for a stream of any length in bounded memory.

        `chunks` is consumed inside the transaction (a generator reading a file may build
        them lazily); each chunk is appended as `append` would, then `on_append` is called
        with it, and a failure anywhere — in a chunk, in the hook, or in the iterator
        itself — rolls every chunk back. A chunk already recorded whole is a retry: it is
        counted, and the hook is not called for it.
        """

    @abc.abstractmethod
    def read_stream(self, stream_id: str) -> list[StoredEvent]:
        """Every event of one stream, in version order."""

    @abc.abstractmethod
    def read_all(self, after: int = 0, *, batch_size: int = 1000) -> Iterator[StoredEvent]:
        """Every event after `after`, lazily, in position order, in constant memory."""

    @abc.abstractmethod
    def head(self) -> tuple[int, str]:
        """The last position and its hash; (0, GENESIS) for an empty log."""

    @abc.abstractmethod
    def verify(self) -> VerifyResult:
        """Walk the whole chain in constant memory; name the first bad position."""

    def close(self) -> None:  # noqa: B027 - optional for backends holding no resources
        """Release connections; the store must not be used afterwards."""
