"""Decide: whether an event may be appended, given what the ledger already holds.

`decide` is the ledger's every check on a new event — unknown sources and figures, a
reused id, a claim counting the future, a retraction by someone not entitled to it (the
compensation rules of `ledger.domain.rules`) — as a pure function of the event and
`Known`, the few facts it needs. It returns the events to append or raises the typed
error that names the field and the reason. The caller (the projection, under the
writers' lock) supplies `Known` from the read model as it stands with the batch's
earlier events applied.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from ledger.domain.estimate import ClaimView
from ledger.domain.events import (
    ClaimAsserted,
    ClaimCorrected,
    ClaimSuperseded,
    Compensation,
    Event,
    FigureDefined,
    ReportFiled,
    SourceRegistered,
)
from ledger.domain.model import Figure
from ledger.domain.rules import check_compensation
from ledger.errors import (
    AlreadyExistsError,
    InvalidInputError,
    InvalidTransitionError,
    UnknownClaimError,
    UnknownFigureError,
    UnknownSourceError,
)


class Known(Protocol):
    """What the checks read of the ledger as it stands."""

    def has_source(self, source_id: str) -> bool: ...

    def figure(self, key: str) -> Figure | None: ...

    def has_report(self, report_id: str) -> bool: ...

    def has_claim(self, claim_id: str) -> bool: ...

    def claim(self, claim_id: str) -> ClaimView | None: ...

    def is_event(self, event_id: str) -> bool:
        """Whether an id names a recorded event (a compensation) rather than a claim."""
        ...

    def body(self, source_id: str) -> str:
        """A source's top-level body (itself when it has no parent)."""
        ...

    def nearest_source(self, source_id: str) -> str | None: ...

    def nearest_figure(self, key: str) -> str | None: ...


def decide(event: Event, known: Known) -> list[Event]:
    """The events to append for `event`: itself, or a typed error when a rule refuses it."""
    match event:
        case SourceRegistered():
            if known.has_source(event.source_id):
                raise AlreadyExistsError("source", event.source_id)
            if event.parent is not None:
                _need_source(known, event.parent, "parent")
        case FigureDefined():
            if known.figure(event.figure) is not None:
                raise AlreadyExistsError("figure", event.figure)
            if event.parent is not None:
                _need_figure(known, event.parent, "parent")
        case ReportFiled():
            if known.has_report(event.report_id):
                raise AlreadyExistsError("report", event.report_id)
            _need_source(known, event.outlet, "outlet")
        case ClaimAsserted():
            _check_claim(event, known)
        case _:
            _check_compensation(event, known)
    return [event]


def _check_claim(event: ClaimAsserted, known: Known) -> None:
    if known.has_claim(event.claim_id):
        raise AlreadyExistsError("claim", event.claim_id)
    figure = _need_figure(known, event.figure, "figure")
    _need_source(known, event.origin, "origin")
    if event.derived_from is not None and not known.has_claim(event.derived_from):
        raise UnknownClaimError(event.derived_from, "derived_from")
    unit = event.quantity.unit
    if unit is not None and unit != figure.unit:
        raise InvalidInputError(
            "value", f"{event.value!r} is in {unit}, but {event.figure} counts {figure.unit}"
        )
    if day_of(event.as_of, event.published_at) > event.published_at:
        raise InvalidInputError(
            "as_of",
            f"{event.as_of} is later than the report's publication "
            f"({event.published_at.isoformat()}); a report cannot count the future",
        )


def _check_compensation(event: Compensation, known: Known) -> None:
    target = known.claim(event.claim_id)
    if target is None:
        if known.is_event(event.claim_id):
            raise InvalidTransitionError(
                "claim_id",
                f"{event.claim_id} is an event, not a claim: a compensating event cannot "
                "itself be retracted; record a new claim instead",
            )
        raise UnknownClaimError(event.claim_id, "claim_id")
    if not isinstance(event, ClaimCorrected):
        _need_source(known, event.by, "by")
    replacement = None
    if isinstance(event, ClaimSuperseded):
        replacement = known.claim(event.replacement)
        if replacement is None:
            raise UnknownClaimError(event.replacement, "replacement")
    check_compensation(event, target, replacement, known.body)


def _need_source(known: Known, source_id: str, field: str) -> None:
    if not known.has_source(source_id):
        raise UnknownSourceError(source_id, field, known.nearest_source(source_id))


def _need_figure(known: Known, key: str, field: str) -> Figure:
    found = known.figure(key)
    if found is None:
        raise UnknownFigureError(key, field, known.nearest_figure(key))
    return found


def day_of(as_of: date | datetime, published_at: datetime) -> datetime:
    """An as-of compared with a publication time: a date counts from its start, in the
    publication's own zone (a report dated 9 January may count 9 January)."""
    if isinstance(as_of, datetime):
        return as_of
    return datetime.combine(as_of, datetime.min.time(), tzinfo=published_at.tzinfo)
