"""The claim ledger: every figure a source asserts about an unfolding event, kept forever,
with its best estimate, provenance and history.

    import ledger
    lg = ledger.open("sqlite:///kz.db")      # or postgresql://…, or memory:// (gone at exit)
    lg.register_source("kz-health-ministry", name="Kazakhstan Health Ministry", kind="government")
    lg.define_figure("kz-unrest-2022/killed/kazakhstan", unit="people", kind="cumulative")
    rep = lg.append_report(ledger.Report(outlet=..., published_at=..., claims=[ledger.Claim(...)]))
    lg.estimate("kz-unrest-2022/killed/kazakhstan")
    lg.report(rep.report_id), lg.source("kz-health-ministry")   # what was recorded, read back
"""

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
    "RecordedClaim",
    "RecordedEvent",
    "RecordedReport",
    "ReplayResult",
    "Report",
    "ReportView",
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
    "open",
    "parse_quantity",
]
