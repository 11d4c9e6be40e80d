"""A problem details response (RFC 9457) as the `LedgerError` the local ledger raises."""

from __future__ import annotations

from typing import Any

import httpx

import ledger.errors as errors
from ledger.errors import (
    ConflictError,
    DatabaseUnavailableError,
    InvalidInputError,
    LedgerError,
    PermissionDeniedError,
    StoreError,
)


def error_of(response: httpx.Response) -> LedgerError:
    """The error a failed response stands for: the very class the server's ledger raised
    (named by the problem's `error`, with its attributes), else one by status."""
    body: dict[str, Any] = {}
    if response.headers.get("content-type", "").split(";")[0].endswith("json"):
        try:
            loaded = response.json()
        except ValueError:
            loaded = None
        if isinstance(loaded, dict):
            body = loaded
    detail = str(body.get("detail") or response.text or response.reason_phrase)
    named = getattr(errors, str(body.get("error")), None)
    if isinstance(named, type) and issubclass(named, LedgerError):
        error = named.__new__(named)
        Exception.__init__(error, detail)
        vars(error).update(body.get("attributes") or {})
        return error
    return by_status(response.status_code, detail)


def by_status(status: int, detail: str) -> LedgerError:
    """An error for a status whose problem names no error of the ledger's tree."""
    if status in (401, 403):
        return PermissionDeniedError(detail)
    if status in (400, 413, 415, 422):
        return InvalidInputError("body", detail)
    if status == 409:
        return ConflictError(detail)
    if status == 503:
        return DatabaseUnavailableError(detail)
    return StoreError(f"HTTP {status}: {detail}")
