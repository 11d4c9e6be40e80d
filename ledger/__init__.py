"""The claim ledger: every figure a source asserts about an unfolding event, kept forever,
with its best estimate, provenance and history.

    import ledger
    lg = ledger.open("sqlite:///kz.db")      # or postgresql://…, or memory:// (gone at exit)
    lg.register_source("kz-health-ministry", name="Kazakhstan Health Ministry", kind="government")
    lg.define_figure("kz-unrest-2022/killed/kazakhstan", unit="people", kind="cumulative")
    rep = lg.append_report(ledger.Report(outlet=..., published_at=..., claims=[ledger.Claim(...)]))
    lg.estimate("kz-unrest-2022/killed/kazakhstan")
    lg.report(rep.report_id), lg.source("kz-health-ministry")   # what was recorded, read back

    remote = ledger.connect("http://127.0.0.1:8080", token=...)  # the same API over HTTP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.domain.estimate import (
    ClaimStatus,
    ClaimUse,
    ClaimView,
    Dispute,
    EstimateStatus,
    EstimateSummary,
    EventRef,
    FigureEstimate,
    FigureFloor,
    Provenance,
)
from ledger.domain.history import Cause, EstimateChange
from ledger.domain.model import Claim, Figure, FigureKind, Report, Source, SourceKind
from ledger.domain.quantity import Hedge, Quantity, parse_quantity
from ledger.errors import (
    AlreadyExistsError,
    AppendOnlyViolationError,
    ConcurrencyError,
    ConflictError,
    DatabaseUnavailableError,
    DuplicateEventError,
    EventDecodeError,
    IdempotencyKeyReusedError,
    InvalidInputError,
    InvalidPayloadError,
    InvalidTransitionError,
    LedgerError,
    LockTimeoutError,
    LogDamagedError,
    LogTruncatedError,
    NotEntitledError,
    NotFoundError,
    NotSupportedError,
    PermissionDeniedError,
    QuantityParseError,
    ReadModelBehindError,
    ReadOnlyError,
    ReplicaBehindError,
    RequestInFlightError,
    SchemaMismatchError,
    StoreError,
    UnknownClaimError,
    UnknownFigureError,
    UnknownKeyError,
    UnknownReportError,
    UnknownSourceError,
)
from ledger.service.ledger import Ledger, open
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
from ledger.store.record import Anchor, VerifyResult

__version__ = "0.1.0"

if TYPE_CHECKING:
    from ledger.remote import RemoteLedger


def connect(url: str, *, token: str, timeout: float = 30.0) -> RemoteLedger:
    """A client of a ledger served over HTTP (`ledger serve`) at `url`, with the `Ledger`
    API's methods, results and errors (`ledger.remote`)."""
    from ledger.remote import connect as remote

    return remote(url, token=token, timeout=timeout)


def __getattr__(name: str) -> object:
    if name == "RemoteLedger":  # imported on first use: it brings an HTTP client with it
        from ledger.remote import RemoteLedger

        return RemoteLedger
    raise AttributeError(f"module 'ledger' has no attribute {name!r}")


__all__ = [
    "AlreadyExistsError",
    "Anchor",
    "AppendOnlyViolationError",
    "Cause",
    "Claim",
    "ClaimStatus",
    "ClaimUse",
    "ClaimView",
    "CompensationView",
    "ConcurrencyError",
    "ConflictError",
    "DatabaseUnavailableError",
    "Dispute",
    "DuplicateEventError",
    "EstimateChange",
    "EstimateStatus",
    "EstimateSummary",
    "EventDecodeError",
    "EventRef",
    "Figure",
    "FigureEstimate",
    "FigureFloor",
    "FigureKind",
    "Hedge",
    "IdempotencyKeyReusedError",
    "InvalidInputError",
    "InvalidPayloadError",
    "InvalidTransitionError",
    "Ledger",
    "LedgerError",
    "LedgerEvent",
    "LockTimeoutError",
    "LogDamagedError",
    "LogTruncatedError",
    "NotEntitledError",
    "NotFoundError",
    "NotSupportedError",
    "PermissionDeniedError",
    "Provenance",
    "Quantity",
    "QuantityParseError",
    "ReadModelBehindError",
    "ReadOnlyError",
    "RecordedClaim",
    "RecordedEvent",
    "RecordedReport",
    "RemoteLedger",
    "ReplayResult",
    "ReplicaBehindError",
    "Report",
    "ReportView",
    "RequestInFlightError",
    "SchemaMismatchError",
    "Source",
    "SourceKind",
    "SourceView",
    "StoreError",
    "UnknownClaimError",
    "UnknownFigureError",
    "UnknownKeyError",
    "UnknownReportError",
    "UnknownSourceError",
    "VerifyResult",
    "connect",
    "open",
    "parse_quantity",
]
