"""What the ledger's API returns: typed, printable, serialisable to JSON."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from ledger.domain.estimate import ClaimView
from ledger.domain.events import ClaimAsserted, Event, ReportFiled
from ledger.domain.model import Source
from ledger.domain.quantity import Quantity
from ledger.store.record import Anchor, VerifyResult

__all__ = [
    "Anchor",
    "CompensationView",
    "LedgerEvent",
    "RecordedClaim",
    "RecordedEvent",
    "RecordedReport",
    "ReplayResult",
    "ReportView",
    "SourceView",
    "VerifyResult",
    "recorded_claim",
    "recorded_reports",
]


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RecordedClaim(_Result):
    """A claim as recorded: its id, the quantity it was read as, and its position."""

    claim_id: str
    figure: str
    value: str
    quantity: Quantity
    position: int


class RecordedReport(_Result):
    """A report as recorded, with its claims."""

    report_id: str
    outlet: str
    published_at: datetime
    claims: tuple[RecordedClaim, ...]
    first_position: int
    last_position: int


class RecordedEvent(_Result):
    """A compensating (or other single) event as recorded."""

    event_id: str
    type: str
    claim_id: str | None = None
    position: int
    recorded_at: datetime


class LedgerEvent(_Result):
    """An event read back from the log, decoded, with where and when it was recorded."""

    position: int
    stream_id: str
    stream_version: int
    event_id: str
    type: str
    schema_version: int
    recorded_at: datetime
    metadata: dict[str, Any]
    hash: str
    event: Event


class ReplayResult(_Result):
    """What a replay rebuilt, and whether the rebuild equals the state kept live."""

    events: int
    figures: int
    seconds: float
    identical: bool | None
    differences: tuple[str, ...] = ()


class ReportView(_Result):
    """A filed report read back: what was published, where and when, and its claims, each
    with where it stands now; `position` is where the report was recorded."""

    report_id: str
    outlet: str
    published_at: datetime
    title: str | None = None
    url: str | None = None
    channel: str | None = None
    content_hash: str | None = None
    claims: tuple[ClaimView, ...]
    position: int


class CompensationView(_Result):
    """A compensating event a source issued (`type`: ClaimRetracted, ClaimSuperseded,
    ClaimDisputed, ClaimRefuted): against which claim, why, on what evidence, and when it
    was made public (the recorded time when the event gave none)."""

    type: str
    claim_id: str
    figure: str
    by: str
    reason: str
    evidence: str | None = None
    replacement: str | None = None
    published_at: datetime
    position: int


class SourceView(_Result):
    """A source read back: itself, the claims it originated (`origin` is it), the claims it
    carried as outlet, each with where it stands now, and the compensating events it issued."""

    source: Source
    originated: tuple[ClaimView, ...] = ()
    carried: tuple[ClaimView, ...] = ()
    compensations: tuple[CompensationView, ...] = ()


def recorded_claim(position: int, event: ClaimAsserted) -> RecordedClaim:
    """A claim as recorded, from its event."""
    return RecordedClaim(
        claim_id=event.claim_id,
        figure=event.figure,
        value=event.value,
        quantity=event.quantity,
        position=position,
    )


def recorded_reports(recorded: Sequence[tuple[int, Event]]) -> list[RecordedReport]:
    """What was recorded of each report among events in log order (each `ReportFiled` is
    followed by its claims): its positions and its claims' quantities."""
    reports: list[RecordedReport] = []
    for index, (position, event) in enumerate(recorded):
        if not isinstance(event, ReportFiled):
            continue
        claims = tuple(
            recorded_claim(at, claim)
            for at, claim in recorded[index + 1 : index + 1 + event.claim_count]
            if isinstance(claim, ClaimAsserted)
        )
        reports.append(
            RecordedReport(
                report_id=event.report_id,
                outlet=event.outlet,
                published_at=event.published_at,
                claims=claims,
                first_position=position,
                last_position=position + len(claims),
            )
        )
    return reports
