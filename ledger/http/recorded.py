"""What a write answers, rebuilt from the events it recorded: a retry under the same
`Idempotency-Key` answers exactly what the first request did."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ledger.domain.events import ClaimAsserted, FigureDefined, ReportFiled, SourceRegistered
from ledger.domain.model import Figure, Source
from ledger.service.results import LedgerEvent, RecordedClaim, RecordedEvent, RecordedReport

T = TypeVar("T")


@dataclass(frozen=True)
class Answer(Generic[T]):
    """How a route answers: its result from the events recorded, and the position its
    `Ledger-Position` header names (None: the log's head)."""

    rebuild: Callable[[list[LedgerEvent]], T]
    position: Callable[[T], int | None]


def _source(events: list[LedgerEvent]) -> Source:
    event = events[0].event
    assert isinstance(event, SourceRegistered)
    return Source.model_validate(event.model_dump(exclude={"type"}))


def _figure(events: list[LedgerEvent]) -> Figure:
    event = events[0].event
    assert isinstance(event, FigureDefined)
    return event.defined()


def _claim(recorded: LedgerEvent) -> RecordedClaim:
    event = recorded.event
    assert isinstance(event, ClaimAsserted)
    return RecordedClaim(
        claim_id=event.claim_id,
        figure=event.figure,
        value=event.value,
        quantity=event.quantity,
        position=recorded.position,
    )


def _reports(events: list[LedgerEvent]) -> list[RecordedReport]:
    reports: list[RecordedReport] = []
    for index, recorded in enumerate(events):
        event = recorded.event
        if not isinstance(event, ReportFiled):
            continue
        claims = tuple(_claim(e) for e in events[index + 1 : index + 1 + event.claim_count])
        reports.append(
            RecordedReport(
                report_id=event.report_id,
                outlet=event.outlet,
                published_at=event.published_at,
                claims=claims,
                first_position=recorded.position,
                last_position=recorded.position + len(claims),
            )
        )
    return reports


def _event(recorded: LedgerEvent) -> RecordedEvent:
    return RecordedEvent(
        event_id=recorded.event_id,
        type=recorded.type,
        claim_id=getattr(recorded.event, "claim_id", None),
        position=recorded.position,
        recorded_at=recorded.recorded_at,
    )


def _no_position(_: object) -> None:
    return None


SOURCE = Answer(_source, _no_position)
FIGURE = Answer(_figure, _no_position)
REPORT = Answer(lambda events: _reports(events)[0], lambda r: r.last_position)
REPORTS = Answer(_reports, lambda rs: rs[-1].last_position if rs else None)
EVENT = Answer(lambda events: _event(events[0]), lambda e: e.position)
EVENTS = Answer(lambda events: [_event(e) for e in events], lambda es: es[-1].position)
CORRECTION = Answer(lambda events: _claim(events[1]), lambda c: c.position)
"""(A correction records the corrected claim's `ClaimCorrected`, then its replacement.)"""
