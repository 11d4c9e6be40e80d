"""Small value types shared by the domain: identifiers, numbers and times."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer
from pydantic_core import PydanticCustomError

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


EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)
"""The ledger's window of time: an instant it records or is asked about lies between these,
a day clear of the calendar's ends, so that it can be shown in any zone and turned into
UTC without overflowing (year 9999 at -05:00 is past the end of the calendar in UTC)."""

_NUMERIC = re.compile(r"\s*[-+]?\d+(\.\d*)?\s*")
_ZONE_HINT = "e.g. 2022-01-09T12:00:00Z or +06:00"


def _not_a_number(value: Any) -> Any:
    """Times are ISO 8601 text or date/datetime objects; a number (or text of one) is
    refused, never read as seconds since 1970."""
    if isinstance(value, bool | int | float | Decimal) or (
        isinstance(value, str) and _NUMERIC.fullmatch(value)
    ):
        raise _invalid(
            "time_not_text",
            f"a time is ISO 8601 text with a zone ({_ZONE_HINT}), not a number: {value!r}",
        )
    return value


def within_window(value: datetime) -> str | None:
    """Why an aware time lies outside the ledger's window (`EARLIEST`–`LATEST`), or None."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc <= LATEST:
        return (
            f"{value.isoformat()} is outside the ledger's window of time "
            "(0001-01-02 to 9999-12-30 in UTC)"
        )
    return None


def _invalid(kind: str, message: str) -> PydanticCustomError:
    """A validation error whose message reads as given (no "Value error, " before it)."""
    return PydanticCustomError(kind, message)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise _invalid("time_without_zone", f"a time zone is required ({_ZONE_HINT})")
    problem = within_window(value)
    if problem is not None:
        raise _invalid("time_outside_window", problem)
    return value


def _date_or_aware(value: Any) -> Any:
    if isinstance(value, datetime):
        return _aware(value)
    return value


AwareDatetime = Annotated[datetime, BeforeValidator(_not_a_number), AfterValidator(_aware)]
"""A datetime with a zone, within the ledger's window; naive datetimes are rejected, never
assumed UTC, and numbers are never read as Unix times."""

AsOf = Annotated[date | datetime, BeforeValidator(_not_a_number), AfterValidator(_date_or_aware)]
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
    problem = within_window(value)
    if problem is not None:
        raise InvalidInputError(field, problem)
    return value


def require_aware(value: datetime, field: str) -> datetime:
    """`value` unchanged, or an `InvalidInputError` naming `field` when it has no zone or
    lies outside the ledger's window of time."""
    return _require_aware(value, field)


MAX_POSITION = 2**63 - 1
"""The largest position a store can hold (a signed 64-bit integer)."""


def require_position(value: Any, field: str) -> int:
    """`value` as a log position (an int from 0 to `MAX_POSITION`), or an
    `InvalidInputError` naming `field`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(field, f"must be a whole number, not {type(value).__name__}")
    if not 0 <= value <= MAX_POSITION:
        raise InvalidInputError(field, f"must be from 0 to {MAX_POSITION}")
    return value


def strip_text(value: Any) -> Any:
    """Trim surrounding white space from strings (quotes keep their inner spacing)."""
    return value.strip() if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(strip_text)]
