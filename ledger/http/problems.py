"""Errors as RFC 9457 problem details (`application/problem+json`).

Every `LedgerError` maps to a status by its place in the error tree; the body names the
error's class (`error`), the field and reason the Python error names, and the error's own
attributes, so that the remote client (`ledger.remote`) raises the very same class.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger.errors import (
    ConflictError,
    InvalidInputError,
    LedgerError,
    LogDamagedError,
    NotFoundError,
    NotSupportedError,
    ReadOnlyError,
    StoreError,
    field_path,
)

PROBLEM = "application/problem+json"
TYPES = "https://claim-ledger.example/problems/"
"""Where a problem's `type` points: one name per kind of problem (docs/service.md)."""


def status_of(error: LedgerError) -> int:
    """The HTTP status for an error of the ledger's tree."""
    match error:
        case InvalidInputError():
            return 422
        case NotFoundError():
            return 404
        case ConflictError() | LogDamagedError() | ReadOnlyError():
            return 409  # a read-only ledger: a log it cannot apply, or a replica's reader
        case NotSupportedError():
            return 400
        case StoreError():
            return 503
    return 500


def problem(
    status: int,
    title: str,
    detail: str,
    kind: str,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem details response."""
    body: dict[str, Any] = {"type": TYPES + kind, "title": title, "status": status}
    body["detail"] = detail
    if instance is not None:
        body["instance"] = instance
    body.update({key: value for key, value in extra.items() if value is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def ledger_problem(request: Request, error: LedgerError) -> JSONResponse:
    """The problem for an error the ledger raised; `error` names its class."""
    status = status_of(error)
    kind = _kebab(type(error).__name__.removesuffix("Error"))
    field = getattr(error, "field", None)
    headers = {"Retry-After": "1"} if status == 503 else None
    return problem(
        status,
        _title(type(error)),
        str(error),
        kind,
        request.url.path,
        headers,
        error=type(error).__name__,
        field=field,
        path=list(field_path(field)) if isinstance(field, str) else None,
        attributes=_attributes(error),
    )


def validation_problem(request: Request, error: RequestValidationError) -> JSONResponse:
    """A body, path or query that does not fit the route's types: every fault, the first
    as the `InvalidInputError` the Python API would raise. JSON that does not parse is a
    400, anything else a 422."""
    found = list(error.errors())
    malformed = any(f.get("type") == "json_invalid" for f in found)
    if len(found) > 1:  # a body of one thing or a list of them: the branch it was not
        found = [f for f in found if f.get("type") not in _WRONG_BRANCH] or found
    faults = [
        ("body" if malformed else _field(f.get("loc", ())), str(f.get("msg", "invalid")))
        for f in found
    ]
    field, reason = faults[0] if faults else ("body", "invalid request")
    return problem(
        400 if malformed else 422,
        "Malformed JSON" if malformed else _title(InvalidInputError),
        f"{field}: {reason}",
        "malformed-json" if malformed else "invalid-input",
        request.url.path,
        error=InvalidInputError.__name__,
        field=field,
        path=list(field_path(field)),
        attributes={"field": field, "reason": reason},
        errors=[{"field": f, "reason": r} for f, r in faults],
    )


def http_problem(request: Request, error: StarletteHTTPException) -> JSONResponse:
    """Starlette's own errors (an unknown route, a method not allowed) as problems."""
    status = error.status_code
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    kind = {404: "no-such-route"}.get(status, _kebab(title.replace(" ", "")))
    headers = dict(error.headers) if error.headers else None
    return problem(status, title, str(error.detail), kind, request.url.path, headers)


_WRONG_BRANCH = {"list_type", "model_type", "model_attributes_type", "dict_type"}


def _field(location: Any) -> str:
    """A location as the ledger writes a field: `reports[3].claims[0].value`."""
    parts = [
        p
        for p in location
        if p not in ("body", "query", "path", "header")
        and not (isinstance(p, str) and "[" in p)  # a branch of a union: list[Report]
    ]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return f"body{text}" if text.startswith("[") else text or "body"


def _attributes(error: LedgerError) -> dict[str, Any]:
    """The error's own attributes that JSON can carry (to raise it again, remotely)."""
    return {
        name: value
        for name, value in vars(error).items()
        if not name.startswith("_") and isinstance(value, str | int | float | bool | None)
    }


def _title(cls: type[LedgerError]) -> str:
    """`UnknownFigureError` → "Unknown figure"."""
    return _kebab(cls.__name__.removesuffix("Error")).replace("-", " ").capitalize()


def _kebab(name: str) -> str:
    out = "".join(f"-{c.lower()}" if c.isupper() else c for c in name).lstrip("-")
    return out or "ledger"
