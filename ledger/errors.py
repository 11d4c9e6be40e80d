"""Every error the ledger raises, in one tree.

No database driver or SQLAlchemy exception reaches a caller: the stores translate them at
the boundary into these. Input errors name the field and the reason.

    LedgerError
    ├── InvalidInputError            bad input: .field names it, .reason says why (ValueError)
    │   ├── QuantityParseError       a value as written that the lexicon cannot read (.text)
    │   └── InvalidPayloadError      an event payload that cannot be stored (NaN, NUL, size…)
    ├── NotFoundError                a named thing does not exist (KeyError)
    │   ├── UnknownSourceError
    │   ├── UnknownFigureError       (.suggestion: the nearest known key, if any)
    │   ├── UnknownClaimError
    │   └── UnknownReportError
    ├── ConflictError                the request contradicts what the ledger holds
    │   ├── ConcurrencyError         a stream is not at the expected version
    │   ├── DuplicateEventError      an event id was reused for different content
    │   ├── AlreadyExistsError       a source, figure, report or claim id is taken
    │   └── InvalidTransitionError   e.g. retracting a claim twice, or a retraction
    │       └── NotEntitledError     a source that may not make this compensation
    │                                (.instead: what it can do instead)
    └── StoreError                   the database failed or refused
        ├── DatabaseUnavailableError cannot connect
        ├── AppendOnlyViolationError the database refused to update or delete an event
        ├── LogTruncatedError        the read model has applied events the log no longer
        │                            holds: events were removed (.applied, .head)
        └── EventDecodeError         a stored event of unknown type or schema version
"""

from __future__ import annotations

__all__ = [
    "AlreadyExistsError",
    "AppendOnlyViolationError",
    "ConcurrencyError",
    "ConflictError",
    "DatabaseUnavailableError",
    "DuplicateEventError",
    "EventDecodeError",
    "InvalidInputError",
    "InvalidPayloadError",
    "InvalidTransitionError",
    "LedgerError",
    "LogTruncatedError",
    "NotEntitledError",
    "NotFoundError",
    "QuantityParseError",
    "StoreError",
    "UnknownClaimError",
    "UnknownFigureError",
    "UnknownReportError",
    "UnknownSourceError",
]


class LedgerError(Exception):
    """The root of every error the ledger raises on purpose."""


class InvalidInputError(LedgerError, ValueError):
    """Input the ledger will not record; nothing was appended."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


class QuantityParseError(InvalidInputError):
    """A value as written that the quantity lexicon cannot read; never guessed."""

    def __init__(self, text: str, reason: str, field: str = "value") -> None:
        self.text = text
        self.detail = reason
        super().__init__(field, f"cannot read {text!r}: {reason}")


class InvalidPayloadError(InvalidInputError):
    """An event payload or header the store cannot keep faithfully."""


class NotFoundError(LedgerError, KeyError):
    """A source, figure, claim or report that the ledger does not hold."""

    kind = "thing"

    def __init__(self, key: str, field: str | None = None) -> None:
        self.key = key
        self.field = field or self.kind
        super().__init__(key)

    def __str__(self) -> str:
        return f"{self.field}: unknown {self.kind} {self.key!r}"


class UnknownSourceError(NotFoundError):
    """No source is registered under this id."""

    kind = "source"


class UnknownFigureError(NotFoundError):
    """No figure is defined under this key; `suggestion` is the nearest known key."""

    kind = "figure"

    def __init__(self, key: str, field: str | None = None, suggestion: str | None = None) -> None:
        self.suggestion = suggestion
        super().__init__(key, field)

    def __str__(self) -> str:
        hint = f" (did you mean {self.suggestion!r}?)" if self.suggestion else ""
        return super().__str__() + hint


class UnknownClaimError(NotFoundError):
    """No claim has this id."""

    kind = "claim"


class UnknownReportError(NotFoundError):
    """No report has this id."""

    kind = "report"


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
