"""Every error the ledger raises, in one tree.

No database driver or SQLAlchemy exception reaches a caller: the stores translate them at
the boundary into these. Input errors name the field and the reason.

    LedgerError
    ├── InvalidInputError            bad input: .field names it, .reason says why (ValueError);
    │   │                            .path: the field as parts, ("reports", 3, "claims", 0, "value")
    │   ├── QuantityParseError       a value as written that the lexicon cannot read (.text)
    │   ├── InvalidPayloadError      an event payload that cannot be stored (NaN, NUL, size…)
    │   └── IdempotencyKeyReusedError an Idempotency-Key sent again with another request
    ├── NotFoundError                a named thing does not exist (KeyError); .suggestion:
    │   │                            the nearest known key, if any ("did you mean …?")
    │   ├── UnknownSourceError
    │   ├── UnknownFigureError
    │   ├── UnknownClaimError
    │   ├── UnknownReportError
    │   └── UnknownKeyError          an API key name (`ledger keys revoke`)
    ├── ConflictError                the request contradicts what the ledger holds
    │   ├── ConcurrencyError         a stream is not at the expected version
    │   ├── DuplicateEventError      an event id was reused for different content
    │   ├── AlreadyExistsError       a source, figure, report or claim id is taken
    │   ├── RequestInFlightError     the first request of an Idempotency-Key is not done
    │   └── InvalidTransitionError   e.g. retracting a claim twice, or a retraction
    │       └── NotEntitledError     a source that may not make this compensation
    │                                (.instead: what it can do instead)
    └── StoreError                   the database failed or refused
        ├── DatabaseUnavailableError cannot connect
        ├── AppendOnlyViolationError the database refused to update or delete an event
        ├── PermissionDeniedError    the database role may not do this (e.g. a reader appending)
        ├── LockTimeoutError         a lock was not free within `lock_timeout`
        │                            (.holder: the session holding it, when known)
        ├── EventDecodeError         a stored event of unknown type or schema version
        ├── LogDamagedError          the log holds an event the ledger cannot apply: the
        │                            ledger opens read-only (.position, .reason)
        ├── ReadModelBehindError     events were appended without their projection
        ├── NotSupportedError        an operation only a SQL ledger has (a schema revision,
        │                            a file import) asked of a ledger in memory (.operation)
        ├── ReadOnlyError            a write asked of a ledger opened read-only (on a
        │                            replica): nothing was sent to the database (.operation)
        ├── SchemaMismatchError      a ledger opened read-only whose schema is not the one
        │                            the code needs; only the primary migrates (.revision,
        │                            .needed)
        ├── ReplicaBehindError       a replica had not applied a position within the bound a
        │                            read waits (.position, .applied, .waited)
        └── LogTruncatedError        the read model has applied events the log no longer
                                     holds: events were removed (.applied, .head)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = [
    "AlreadyExistsError",
    "AppendOnlyViolationError",
    "ConcurrencyError",
    "ConflictError",
    "DatabaseUnavailableError",
    "DuplicateEventError",
    "EventDecodeError",
    "IdempotencyKeyReusedError",
    "InvalidInputError",
    "InvalidPayloadError",
    "InvalidTransitionError",
    "LedgerError",
    "LockTimeoutError",
    "LogDamagedError",
    "LogTruncatedError",
    "NotEntitledError",
    "NotFoundError",
    "NotSupportedError",
    "PermissionDeniedError",
    "QuantityParseError",
    "ReadModelBehindError",
    "ReadOnlyError",
    "ReplicaBehindError",
    "RequestInFlightError",
    "SchemaMismatchError",
    "StoreError",
    "UnknownClaimError",
    "UnknownFigureError",
    "UnknownKeyError",
    "UnknownReportError",
    "UnknownSourceError",
]


class LedgerError(Exception):
    """The root of every error the ledger raises on purpose.

    Each pickles as its class, message and attributes, whatever its constructor takes, so
    it crosses to another process intact (a worker of a pool, a queue)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuilt, (type(self), self.args, dict(vars(self))))


def _rebuilt(kind: type[LedgerError], args: tuple[Any, ...], state: dict[str, Any]) -> LedgerError:
    """An error as pickled, without calling its constructor again."""
    error = kind.__new__(kind, *args)
    vars(error).update(state)
    return error


FieldPath = tuple[str | int, ...]
"""Where a field is, as parts: names of fields and indexes into lists."""

_PART = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)")
_INDEX = re.compile(r"\[(\d+)\]")


def field_path(field: str) -> FieldPath:
    """The parts of a field as the ledger names it in its errors: `reports[3].claims[0].value`
    is ("reports", 3, "claims", 0, "value"); a field not written that way (`--at`,
    `file.yaml:14`) is one part, itself."""
    parts: list[str | int] = []
    for piece in field.split("."):
        match = _PART.fullmatch(piece)
        if match is None:
            return (field,)
        parts.append(match.group(1))
        parts.extend(int(number) for number in _INDEX.findall(match.group(2)))
    return tuple(parts)


class InvalidInputError(LedgerError, ValueError):
    """Input the ledger will not record; nothing was appended. `field` names it as text,
    `path` as parts (see `field_path`): where a caller finds the bad value in what it
    passed, e.g. a report of a stream and a field of that report."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")

    @property
    def path(self) -> FieldPath:
        """The field as parts: ("reports", 3, "claims", 0, "value")."""
        return field_path(self.field)


class QuantityParseError(InvalidInputError):
    """A value as written that the quantity lexicon cannot read; never guessed."""

    def __init__(self, text: str, reason: str, field: str = "value") -> None:
        self.text = text
        self.detail = reason
        super().__init__(field, f"cannot read {text!r}: {reason}")


class InvalidPayloadError(InvalidInputError):
    """An event payload or header the store cannot keep faithfully."""


class IdempotencyKeyReusedError(InvalidInputError):
    """An `Idempotency-Key` that already recorded a different request: a key stands for one
    request, retried as often as needed, never for another."""

    def __init__(self, key: str) -> None:
        super().__init__(
            "Idempotency-Key",
            f"{key!r} was used for a different request; send a new key with a new request",
        )


class NotFoundError(LedgerError, KeyError):
    """A source, figure, claim or report that the ledger does not hold; `suggestion` is the
    nearest key it does hold, when one is close enough to be a likely typo."""

    kind = "thing"

    def __init__(self, key: str, field: str | None = None, suggestion: str | None = None) -> None:
        self.key = key
        self.field = field or self.kind
        self.suggestion = suggestion
        super().__init__(key)

    def __str__(self) -> str:
        hint = f" (did you mean {self.suggestion!r}?)" if self.suggestion else ""
        return f"{self.field}: unknown {self.kind} {self.key!r}{hint}"


class UnknownSourceError(NotFoundError):
    """No source is registered under this id; `suggestion` is the nearest registered id."""

    kind = "source"


class UnknownFigureError(NotFoundError):
    """No figure is defined under this key; `suggestion` is the nearest known key."""

    kind = "figure"


class UnknownClaimError(NotFoundError):
    """No claim has this id."""

    kind = "claim"


class UnknownReportError(NotFoundError):
    """No report has this id; `suggestion` is the nearest filed id."""

    kind = "report"


class UnknownKeyError(NotFoundError):
    """No API key has this name; `suggestion` is the nearest name of one."""

    kind = "key"


class ConflictError(LedgerError):
    """The request contradicts what the ledger already holds; nothing was appended."""


class ConcurrencyError(ConflictError):
    """A stream was not at the version the writer expected (optimistic concurrency)."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual
        super().__init__(f"stream {stream_id!r} is at version {actual}, expected {expected}")


class DuplicateEventError(ConflictError):
    """An event id already recorded with different content (a retry must be identical)."""

    def __init__(self, event_id: str, reason: str) -> None:
        self.event_id = event_id
        super().__init__(f"event {event_id}: {reason}")


class RequestInFlightError(ConflictError):
    """A request with this `Idempotency-Key` is still being recorded: retry once it is done
    (the retry then answers what it recorded)."""


class AlreadyExistsError(ConflictError):
    """A source, figure, report or claim id that is already taken."""

    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} {key!r} already exists")


class InvalidTransitionError(ConflictError):
    """A compensating event that cannot apply, e.g. retracting a claim already withdrawn."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class NotEntitledError(InvalidTransitionError):
    """A compensation its author may not make: only the issuer retracts, only the same body
    supersedes. `instead` says what the caller can do (usually: dispute the claim)."""

    def __init__(self, field: str, reason: str, instead: str) -> None:
        self.instead = instead
        super().__init__(field, f"{reason}; {instead}")


class StoreError(LedgerError):
    """The database failed or refused an operation."""


class DatabaseUnavailableError(StoreError):
    """The database cannot be reached or opened."""


class AppendOnlyViolationError(StoreError):
    """The database refused to update, delete or replace a recorded event."""


class PermissionDeniedError(StoreError):
    """The database role lacks a privilege for the operation, e.g. a read-only role that
    tries to append."""


@dataclass(frozen=True)
class LockHolder:
    """The database session holding a lock, as far as the server shows it to us."""

    pid: int
    user: str | None = None
    application: str | None = None
    since: datetime | None = None

    def __str__(self) -> str:
        parts = [f"pid {self.pid}"]
        if self.user:
            parts.append(f"role {self.user}")
        if self.application:
            parts.append(f"application {self.application!r}")
        if self.since is not None:
            parts.append(f"since {self.since.isoformat(timespec='seconds')}")
        return ", ".join(parts)


class LockTimeoutError(StoreError):
    """A lock (the writers', or the migration lock) was not free within the bound
    (`lock_timeout` seconds); nothing was done. `holder` is the session that held it, when
    the database can tell (PostgreSQL), else None (SQLite)."""

    def __init__(
        self, lock: str, timeout: float, holder: LockHolder | None = None, detail: str = ""
    ) -> None:
        self.lock = lock
        self.timeout = timeout
        self.holder = holder
        held = f"; held by {holder}" if holder is not None else ""
        more = f" ({detail})" if detail else ""
        super().__init__(f"the {lock} was not free within {timeout:g} s{held}{more}")


class LogTruncatedError(StoreError):
    """The read model has applied events the log no longer holds: events were removed
    behind the ledger's back. Nothing is appended and nothing rebuilt over that evidence."""

    def __init__(self, applied: int, head: int) -> None:
        self.applied = applied
        self.head = head
        super().__init__(
            f"the read model has applied up to position {applied} but the log ends at {head}: "
            "events were removed"
        )


class EventDecodeError(StoreError):
    """A stored event whose type or schema version this code does not know."""


class LogDamagedError(StoreError):
    """The log holds an event the ledger's rules refuse (appended behind its back, with a
    valid hash). The ledger opens read-only: `verify` names it, `export` and queries work
    up to the event before it; writes raise this error."""

    def __init__(self, position: int, reason: str) -> None:
        self.position = position
        self.reason = reason
        super().__init__(
            f"the log is damaged at position {position} ({reason}): the ledger is read-only; "
            "`ledger verify` names the event, `ledger export` and queries still work up to "
            f"position {position - 1}"
        )


class ReadModelBehindError(StoreError):
    """Events were appended to the log without their projection (behind the ledger's back):
    nothing was appended now; reopen the ledger to catch its read model up."""


class NotSupportedError(StoreError):
    """An operation the ledger's store does not have: a schema revision or a file import
    asked of a ledger kept in memory (`ledger.open("memory://")`), which has no database."""

    def __init__(self, operation: str, store: str = "a ledger in memory") -> None:
        self.operation = operation
        super().__init__(
            f"{operation} needs a ledger in a SQL database (sqlite:// or postgresql://); "
            f"this is {store}"
        )


class ReadOnlyError(StoreError):
    """A write asked of a ledger opened read-only (`ledger.open(url, read_only=True)`, e.g.
    on a streaming replica, which refuses every write): refused before anything reached the
    database. Write through a ledger opened on the primary."""

    def __init__(self, operation: str) -> None:
        self.operation = operation
        super().__init__(
            f"{operation}: this ledger was opened read-only (e.g. on a replica); "
            "write through the primary"
        )


class SchemaMismatchError(StoreError):
    """A ledger opened read-only whose database schema is not at the revision this code
    needs (`revision` None: never migrated). A reader never migrates: migrate the primary
    (`ledger migrate`, or `ledger.open(url)` on it), whose replicas then replay it."""

    def __init__(self, revision: str | None, needed: str, *, newer: bool = False) -> None:
        self.revision = revision
        self.needed = needed
        if revision is None:
            state = "has no ledger schema (never migrated)"
        elif newer:
            state = f"is at revision {revision}, which this code does not know (newer code?)"
        else:
            state = f"is at revision {revision}, older than the {needed} this code needs"
        super().__init__(
            f"the database {state}; a read-only ledger does not migrate: "
            "run `ledger migrate` on the primary"
        )


class ReplicaBehindError(StoreError):
    """A read asked for a position (`min_position`) the log holds but the reader's database
    (a replica) had not applied within `waited` seconds: it lags. Retry shortly, or read
    from the primary."""

    def __init__(self, position: int, applied: int, waited: float) -> None:
        self.position = position
        self.applied = applied
        self.waited = waited
        super().__init__(
            f"the replica had not applied position {position} within {waited:g} s "
            f"(it is at {applied}); retry shortly"
        )
