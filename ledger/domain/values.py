"""Small value types shared by the domain: identifiers, numbers and times."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

from ledger.errors import InvalidInputError

SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
FIGURE_KEY = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}(/[a-z0-9][a-z0-9._-]{0,63}){0,5}")
RECORD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


def _matching(pattern: re.Pattern[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"{value!r} is not a valid {what} (pattern {pattern.pattern})")
        return value

    return AfterValidator(check)


SourceId = Annotated[str, _matching(SOURCE_ID, "source id")]
FigureKey = Annotated[str, _matching(FIGURE_KEY, "figure key")]
ClaimId = Annotated[str, _matching(RECORD_ID, "claim id")]
ReportId = Annotated[str, _matching(RECORD_ID, "report id")]


def new_claim_id() -> str:
    """A fresh claim id: `c_` and 16 random hex digits."""
    return "c_" + secrets.token_hex(8)


def new_report_id() -> str:
    """A fresh report id: `r_` and 16 random hex digits."""
    return "r_" + secrets.token_hex(8)


def number_to_json(value: Decimal) -> int | float:
    """Integral numbers as JSON integers, others as the nearest float (news figures fit)."""
    return int(value) if value == value.to_integral_value() else float(value)


Number = Annotated[Decimal, PlainSerializer(number_to_json, when_used="json")]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a time zone is required (e.g. 2022-01-09T12:00:00Z or +06:00)")
    return value


def _date_or_aware(value: Any) -> Any:
    if isinstance(value, datetime):
        return _aware(value)
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
"""A datetime with a zone; naive datetimes are rejected, never assumed UTC."""

AsOf = Annotated[date | datetime, AfterValidator(_date_or_aware)]
"""The time a figure refers to: a calendar date, or an aware datetime when known."""


def as_of_key(value: date | datetime) -> datetime:
    """A sortable UTC instant for an as-of: a date counts as its first instant (UTC)."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.combine(value, time.min, tzinfo=UTC)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def microseconds(moment: datetime) -> int:
    """An aware time as whole microseconds since the epoch (UTC): exact, and sortable."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def end_of(day: date | datetime) -> datetime:
    """The last instant a `known_on` bound admits: a date means the whole day, in UTC."""
    if isinstance(day, datetime):
        return _require_aware(day, "known_on")
    return datetime.combine(day, time.max, tzinfo=UTC)


def _require_aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(field, "a time zone is required; naive datetimes are ambiguous")
    return value


def require_aware(value: datetime, field: str) -> datetime:
    """`value` unchanged, or an `InvalidInputError` naming `field` when it has no zone."""
    return _require_aware(value, field)


def strip_text(value: Any) -> Any:
    """Trim surrounding white space from strings (quotes keep their inner spacing)."""
    return value.strip() if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(strip_text)]
