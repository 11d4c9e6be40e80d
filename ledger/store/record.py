"""The store's vocabulary: what goes in, what comes out, and the interface every backend keeps."""

from __future__ import annotations

import abc
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import uuid6

from ledger.errors import InvalidInputError

JSONDict = dict[str, Any]


def uuid7() -> uuid.UUID:
    """A new event id: a UUID of version 7 (RFC 9562), whose first bits are the time. Ids
    made one after another sort one after another, so each append adds to the end of the
    log's `event_id` index instead of to a random page of it (uuid4): at a million events
    that index no longer fits a page cache, and random inserts read a page from disk each."""
    return uuid6.uuid7()


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append. The store assigns position, version, time and hashes."""

    stream_id: str
    type: str
    payload: Mapping[str, Any]
    schema_version: int = 1
    event_id: uuid.UUID = field(default_factory=uuid7)  # time-ordered: see `uuid7`
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


_HEX64 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Anchor:
    """A position of the log and the hash it had, written `HASH@POSITION`.

    Kept somewhere the database's operator cannot rewrite (a newsletter, a notary, a git
    commit), an anchor is what a hash chain cannot be by itself: proof of how the log
    stood. The log still has that hash at that position, or events were removed or the
    chain rewritten. Position 0 is the empty log, whose hash is `GENESIS` (64 zeros).
    """

    hash: str
    position: int

    def __post_init__(self) -> None:
        if not isinstance(self.hash, str) or not _HEX64.fullmatch(self.hash):
            raise InvalidInputError("hash", "must be 64 lower-case hexadecimal digits (SHA-256)")
        if isinstance(self.position, bool) or not isinstance(self.position, int):
            raise InvalidInputError("position", "must be an integer")
        if self.position < 0:
            raise InvalidInputError("position", "must be 0 or more")

    @classmethod
    def parse(cls, text: str, field: str = "anchor") -> Anchor:
        """`HASH@POSITION` (as `ledger head` prints it) → an anchor; `InvalidInputError`
        naming `field` otherwise. Upper-case hex digits are accepted."""
        if not isinstance(text, str):
            raise InvalidInputError(field, f"must be text HASH@POSITION, not {type(text).__name__}")
        digest, at, position = text.strip().rpartition("@")
        digits = position.isascii() and position.isdigit()
        if not at or not digits or not _HEX64.fullmatch(digest.lower()):
            raise InvalidInputError(
                field,
                f"{text!r} is not an anchor: expected HASH@POSITION as `ledger head` prints it",
            )
        return cls(hash=digest.lower(), position=int(position))

    def __str__(self) -> str:
        return f"{self.hash}@{self.position}"


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The outcome of a verification.

    On success `ok` is True and `count`/`head_position`/`head_hash` describe the log;
    `anchors` are the anchors found to hold, `content` says whether every event was also
    checked by the ledger's rules, and `deep` whether the read model was also rebuilt and
    found equal to the stored one. Otherwise `problem` is one of

    * "content changed", "event missing", "order changed", "duplicated" — the hash chain
      is broken at `bad_position` (the walk stopped there: `count` events checked out);
    * "events removed" — the chain is whole but shorter than the read model or an anchor
      shows it was: `bad_position` is the first missing position;
    * "anchor mismatch" — the log has another hash at an anchor's position
      (`bad_position`): it was rewritten at or before it;
    * "content invalid" — the event at `bad_position` has a valid hash but the ledger's
      rules refuse it (`detail` says why: an unknown type, an unknown claim, a quantity
      that is not what the lexicon reads from its value…);
    * "read model differs" — the stored read model is not what the log rebuilds to
      (`detail` names the first differing table, row and column).
    """

    ok: bool
    count: int
    head_position: int
    head_hash: str
    bad_position: int | None = None
    problem: str | None = None
    detail: str | None = None
    anchors: tuple[Anchor, ...] = ()
    content: bool = False
    deep: bool = False


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
    def find(self, event_id: uuid.UUID) -> StoredEvent | None:
        """The event recorded under an id, if any (a caller's retry finds its own here)."""

    @abc.abstractmethod
    def head(self) -> tuple[int, str]:
        """The last position and its hash; (0, GENESIS) for an empty log."""

    @abc.abstractmethod
    def verify(self) -> VerifyResult:
        """Walk the whole chain in constant memory; name the first bad position."""

    def close(self) -> None:  # noqa: B027 - optional for backends holding no resources
        """Release connections; the store must not be used afterwards."""
