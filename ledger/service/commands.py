"""Turning what users hand the API into domain events, with errors that name the field."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ledger.domain.events import ClaimAsserted, Event, ReportFiled
from ledger.domain.model import Claim, Report
from ledger.domain.quantity import parse_quantity
from ledger.domain.values import require_aware
from ledger.errors import InvalidInputError, QuantityParseError


def compensation_fields(
    by: str, reason: str, evidence: str | None, published_at: datetime | None
) -> dict[str, Any]:
    if not reason or not reason.strip():
        raise InvalidInputError("reason", "say why; a compensating event needs a reason")
    if published_at is not None:
        require_aware(published_at, "published_at")
    return {"by": by, "reason": reason.strip(), "evidence": evidence, "published_at": published_at}


Model = TypeVar("Model", bound=BaseModel)


def validated(model: type[Model], prefix: str, **fields: Any) -> Model:
    """`model(**fields)`, or an `InvalidInputError` naming the first bad field."""
    try:
        return model(**fields)
    except ValidationError as error:
        first = error.errors()[0]
        field = prefix + ".".join(str(p) for p in first["loc"])
        raise InvalidInputError(field or model.__name__.lower(), first["msg"]) from error


def report_events(report: Report, prefix: str) -> list[Event]:
    events: list[Event] = [
        ReportFiled(
            report_id=report.report_id,
            outlet=report.outlet,
            published_at=report.published_at,
            title=report.title,
            url=report.url,
            channel=report.channel,
            content_hash=report.content_hash,
            claim_count=len(report.claims),
        )
    ]
    for index, claim in enumerate(report.claims):
        events.append(
            claim_event(
                claim,
                f"{prefix}claims[{index}].",
                report.report_id,
                report.outlet,
                report.published_at,
            )
        )
    return events


def claim_event(
    claim: Claim, prefix: str, report_id: str, outlet: str, published_at: datetime
) -> ClaimAsserted:
    try:
        quantity = parse_quantity(claim.value)
    except QuantityParseError as error:
        raise QuantityParseError(claim.value, error.detail, field=f"{prefix}value") from error
    return ClaimAsserted(
        claim_id=claim.claim_id,
        report_id=report_id,
        figure=claim.figure,
        value=claim.value,
        quantity=quantity,
        as_of=claim.as_of,
        origin=claim.origin,
        outlet=outlet,
        published_at=published_at,
        derived_from=claim.derived_from,
        quote=claim.quote,
        note=claim.note,
    )
