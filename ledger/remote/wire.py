"""The wire under `RemoteLedger`: a request's path, query and body, and an answer parsed
into the API's own types."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar, cast
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

from ledger.service import inputs

T = TypeVar("T")
_ANY: TypeAdapter[Any] = TypeAdapter(Any)


def parsed(response: httpx.Response, shape: type[T]) -> T:
    return adapter(shape).validate_json(response.content)


_ADAPTERS: dict[object, TypeAdapter[Any]] = {}


def adapter(shape: type[T]) -> TypeAdapter[T]:
    """One adapter per shape (building one costs far more than using it)."""
    found = _ADAPTERS.get(shape)
    if found is None:
        found = _ADAPTERS[shape] = TypeAdapter(shape)
    return cast(TypeAdapter[T], found)


def as_json(body: Any) -> bytes:
    if isinstance(body, BaseModel):
        return body.model_dump_json().encode()
    return _ANY.dump_json(body)


def published(value: datetime | str | None) -> datetime | None:
    return inputs.optional_time(value, "published_at")


def compensation(
    by: str, reason: str, evidence: str | None, published_at: datetime | str | None
) -> dict[str, Any]:
    """The body of a retraction, dispute or refutation (what their Python methods take)."""
    return given(by=by, reason=reason, evidence=evidence, published_at=published(published_at))


def param(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value).lower() if isinstance(value, bool) else str(value)


def given(**query: Any) -> dict[str, Any]:
    return {k: v for k, v in query.items() if v is not None}


def path_of(*parts: str) -> str:
    return "/v1/" + "/".join(quote(part, safe="") for part in parts)


def figure_path(figure: str, what: str) -> str:
    key = inputs.text(figure, "figure")
    return f"/v1/figures/{quote(key, safe='/')}/{what}"
