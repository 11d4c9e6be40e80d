"""Turning what users hand the API into domain events, with errors that name the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ledger.domain.events import ClaimAsserted, Event, ReportFiled
from ledger.domain.model import Claim, Report
from ledger.domain.quantity import parse_quantity
from ledger.errors import FieldPath, InvalidInputError, QuantityParseError
from ledger.service import inputs

CLOCK_SKEW = timedelta(minutes=5)
"""How far ahead of the recording machine's clock (UTC) a publication time may be.

A report cannot be published after it is recorded; a time later than now is a typo (2081
for 2018) that would hide its claims from every "as known on" view until that date. The
clocks of a scraper, of the site it reads and of the ledger's host drift a little, so five
minutes ahead is accepted; anything later is refused."""


def not_in_future(moment: datetime, field: str, now: datetime | None = None) -> datetime:
    """`moment` unchanged, unless it is later than now (UTC) plus `CLOCK_SKEW`."""
    now = now or datetime.now(UTC)
    if moment > now + CLOCK_SKEW:
        raise InvalidInputError(
            field,
            f"{moment.isoformat()} is in the future (it is now {now.isoformat(timespec='seconds')}"
            "); a publication time cannot be later than its recording",
        )
    return moment


def compensation_fields(
    by: object, reason: object, evidence: object, published_at: object
) -> dict[str, Any]:
    """The fields every compensating event shares, checked: who, why (not blank), the
    evidence, and when it was made public (a time with a zone, not in the future)."""
    why = inputs.reason(reason)
    moment = inputs.optional_time(published_at, "published_at")
    if moment is not None:
        not_in_future(moment, "published_at")
    return {
        "by": inputs.text(by, "by"),
        "reason": why,
        "evidence": inputs.optional_text(evidence, "evidence"),
        "published_at": moment,
    }


def report_in_error(error: InvalidInputError) -> tuple[int, FieldPath] | None:
    """Which report of a batch or a stream (`Ledger.append_reports`,
    `Ledger.append_report_stream`) an input error is about — its index — and where the
    bad field is within that report: `reports[3].claims[0].value` is (3, ("claims", 0,
    "value")). None when the error names no report of a batch."""
    match error.path:
        case ("reports", int() as index, str() as name, *rest):
            return index, (name, *rest)
        case _:
            return None


def report_events(report: Report, prefix: str) -> list[Event]:
    """A report's events: the report filed, then each claim asserted."""
    not_in_future(report.published_at, f"{prefix}published_at")
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
    """The event asserting one claim of a report, its value read by the lexicon."""
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
        quote=claim.quote or "",
        note=claim.note,
    )
