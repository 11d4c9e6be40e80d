"""What a write answers, rebuilt from the events it recorded: a retry under the same
`Idempotency-Key` answers exactly what the first request did."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ledger.domain.events import ClaimAsserted, FigureDefined, SourceRegistered
from ledger.domain.model import Figure, Source
from ledger.service.results import (
    LedgerEvent,
    RecordedClaim,
    RecordedEvent,
    RecordedReport,
    recorded_claim,
    recorded_reports,
)

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


def _reports(events: list[LedgerEvent]) -> list[RecordedReport]:
    return recorded_reports([(e.position, e.event) for e in events])


def _correction(events: list[LedgerEvent]) -> RecordedClaim:
    replacement = events[1]  # a correction records `ClaimCorrected`, then the replacement
    assert isinstance(replacement.event, ClaimAsserted)
    return recorded_claim(replacement.position, replacement.event)


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
CORRECTION = Answer(_correction, lambda c: c.position)
