"""Who is asking: a bearer token, looked up among the ledger's keys, and its scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ledger.service.keys import ApiKey, Scope

Authenticate = Callable[[str], ApiKey | None]
"""A token → its key, or None for a token unknown or revoked (`Ledger.keys.authenticate`)."""

_bearer = HTTPBearer(auto_error=False, description="A key from `ledger keys create`.")


@dataclass(frozen=True)
class Principal:
    """The key a request carries: its name acts in the events it appends."""

    name: str
    scope: Scope


def _challenge(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": 'Bearer realm="ledger"'})


def requires(scope: Scope) -> Callable[..., Principal]:
    """A dependency: the request's principal, which must hold `scope` (401 without a valid
    key, 403 with a key whose scope falls short)."""

    def principal(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise _challenge("this request needs a key: Authorization: Bearer TOKEN")
        authenticate: Authenticate = request.app.state.authenticate
        key = authenticate(credentials.credentials)
        if key is None:
            raise _challenge("the key is unknown or revoked")
        found = Principal(key.name, Scope(key.scope))
        request.state.principal = found.name
        if not found.scope.allows(scope):
            raise HTTPException(
                403, f"key {found.name!r} has scope {found.scope.value}; this needs {scope.value}"
            )
        return found

    return principal


Reader = Annotated[Principal, Depends(requires(Scope.READ))]
Appender = Annotated[Principal, Depends(requires(Scope.APPEND))]
Admin = Annotated[Principal, Depends(requires(Scope.ADMIN))]
