"""Who is asking: a bearer token, looked up among the ledger's keys, and its scope.

A key found valid is remembered for a second (`Keys.remembered`), so most requests know
their principal without a look-up; the others look it up on a worker thread. Either way
the key is known, and its scope checked, before the request's body is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ledger.service.keys import Keys, Scope

_bearer = HTTPBearer(auto_error=False, description="A key from `ledger keys create`.")

Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
"""A route's `Authorization: Bearer` header (and the schema's security scheme)."""


async def bearer(request: Request) -> HTTPAuthorizationCredentials | None:
    """The request's `Authorization: Bearer` header, read without a dependency."""
    return await _bearer(request)


@dataclass(frozen=True)
class Principal:
    """The key a request carries: its name acts in the events it appends."""

    name: str
    scope: Scope


async def principal(
    request: Request, credentials: HTTPAuthorizationCredentials | None, scope: Scope
) -> Principal:
    """The request's key, which must hold `scope`: 401 without a key or for one unknown or
    revoked, 403 for a key whose scope falls short."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _challenge("this request needs a key: Authorization: Bearer TOKEN")
    keys: Keys = request.app.state.keys
    token = credentials.credentials
    key = keys.remembered(token)
    if key is None:
        key = await request.app.state.served.in_thread(keys.authenticate, token)
    if key is None:
        raise _challenge("the key is unknown or revoked")
    found = Principal(key.name, Scope(key.scope))
    request.state.principal = found.name
    if not found.scope.allows(scope):
        raise HTTPException(
            403, f"key {found.name!r} has scope {found.scope.value}; this needs {scope.value}"
        )
    return found


def _challenge(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": 'Bearer realm="ledger"'})
