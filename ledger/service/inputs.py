"""What callers hand the API, checked at its boundary.

Python does not check the types a caller passes; without these checks a `None`, a number
where text belongs or a time without a zone would fail deep inside with a `TypeError` or
an `AttributeError`, or be stored as something it was not meant to be. Each function here
returns the value (sometimes converted: an ISO string to a time) or raises an
`InvalidInputError` naming the parameter and saying what was expected, before anything is
appended.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ledger.domain.values import MAX_POSITION, require_aware
from ledger.errors import InvalidInputError

Model = TypeVar("Model", bound=BaseModel)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ZONE_HINT = "e.g. 2022-01-09T12:00:00Z or 2022-01-09T12:00:00+06:00"


def _kind(value: object) -> str:
    """How a wrong value is named in a message: its type, and the value when short."""
    shown = repr(value)
    return f"{type(value).__name__} {shown}" if len(shown) <= 40 else type(value).__name__


def text(value: object, field: str) -> str:
    """A string (an id, a name, a key)."""
    if not isinstance(value, str):
        raise InvalidInputError(field, f"expected text, got {_kind(value)}")
    return value


def optional_text(value: object, field: str) -> str | None:
    """A string, or None."""
    return None if value is None else text(value, field)


def reason(value: object, field: str = "reason") -> str:
    """Why a compensating event was made: text that is not blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInputError(field, "say why; a compensating event needs a reason")
    return text(value, field).strip()


def position(value: object, field: str) -> int:
    """A ledger position: a whole number from 0 to `MAX_POSITION` (`True` is not one)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(field, f"expected a position (an integer), got {_kind(value)}")
    if value < 0:
        raise InvalidInputError(field, "must be 0 or more")
    if value > MAX_POSITION:
        raise InvalidInputError(field, f"must be at most {MAX_POSITION}")
    return value


def flag(value: object, field: str) -> bool:
    """True or False."""
    if not isinstance(value, bool):
        raise InvalidInputError(field, f"expected True or False, got {_kind(value)}")
    return value


def callback(value: object, field: str) -> Callable[..., Any] | None:
    """A function, or None."""
    if value is not None and not callable(value):
        raise InvalidInputError(field, f"expected a function or None, got {_kind(value)}")
    return value


def _aware(moment: datetime, field: str, written: object) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInputError(
            field, f"{written!r} has no time zone; a naive time is ambiguous ({ZONE_HINT})"
        )
    return require_aware(moment, field)  # and within the ledger's window of time


def _parsed_time(value: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise InvalidInputError(
            field, f"{value!r} is not an ISO 8601 time ({ZONE_HINT})"
        ) from error
    return _aware(moment, field, value)


def aware_time(value: object, field: str) -> datetime:
    """A moment: an aware `datetime`, or an ISO 8601 string with a zone. A naive time is
    refused, never assumed UTC; so is a bare date (which instant of the day?)."""
    if isinstance(value, datetime):
        return _aware(value, field, value)
    if isinstance(value, str):
        return _parsed_time(value, field)
    raise InvalidInputError(field, f"expected a time with a zone ({ZONE_HINT}), got {_kind(value)}")


def optional_time(value: object, field: str) -> datetime | None:
    """`aware_time`, or None."""
    return None if value is None else aware_time(value, field)


def day_or_time(value: object, field: str) -> date | datetime:
    """A calendar date or a moment: a `date`, an aware `datetime`, or an ISO 8601 string
    of either (`2017-10-03`, `2017-10-03T12:00:00+02:00`). A naive time is refused."""
    if isinstance(value, datetime):
        return _aware(value, field, value)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        written = value.strip()
        if _DATE.fullmatch(written):
            try:
                return date.fromisoformat(written)
            except ValueError as error:
                raise InvalidInputError(field, f"{value!r} is not a valid date") from error
        return _parsed_time(written, field)
    raise InvalidInputError(
        field, f"expected a date (2022-01-09) or a time with a zone, got {_kind(value)}"
    )


def instance(value: object, model: type[Model], field: str) -> Model:
    """An instance of `model` (a `ledger.Report`, …), not a look-alike dict."""
    if not isinstance(value, model):
        raise InvalidInputError(
            field,
            f"expected a ledger.{model.__name__}, got {_kind(value)} "
            f"(build one with ledger.{model.__name__}(...))",
        )
    return value


def validated(model: type[Model], prefix: str, **fields: Any) -> Model:
    """`model(**fields)`, its first validation error as an `InvalidInputError` naming the
    field (after `prefix`, e.g. `reports[2].claims[0].`)."""
    try:
        return model(**fields)
    except ValidationError as error:
        first = error.errors()[0]
        field = prefix + ".".join(str(p) for p in first["loc"])
        raise InvalidInputError(field or model.__name__.lower(), first["msg"]) from error
