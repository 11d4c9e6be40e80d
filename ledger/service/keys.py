"""API keys: who may call the HTTP service, and what they may do there.

A key is a name, a `Scope` and a token. The token (`ledger_…`, 256 random bits) is handed
out once, by `Keys.create`; what is kept is its SHA-256, so a copy of the database lets
nobody in. `Keys.authenticate` hashes the bearer token of a request and looks the hash up.

Keys are not facts the ledger records: they are neither events (an export carries no
credentials) nor part of the read model (a replay leaves them be). A SQL ledger keeps them
in its `api_keys` table (`ledger.service.sql_keys.SqlKeys`), one in memory in a dict
(`MemoryKeys`); a ledger picks its kind once (`ledger.service.ledger.keys_for`).

Revoking a key stamps `revoked_at`, and the key stays listed; revoking it again is an
`InvalidTransitionError`, as retracting a claim twice is. A key found valid is trusted for
`REMEMBERED` seconds without looking again (every request of a service authenticates, and
the look-up would cost it a quarter of a durable append): a key revoked through this
object stops working at once, one revoked by another process (the CLI, another server)
within that second.
"""

from __future__ import annotations

import abc
import builtins
import difflib
import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

import structlog

from ledger.errors import (
    AlreadyExistsError,
    InvalidInputError,
    InvalidTransitionError,
    UnknownKeyError,
)
from ledger.service import inputs

__all__ = ["TOKEN_PREFIX", "ApiKey", "Keys", "MemoryKeys", "Scope", "token_hash"]

log = structlog.get_logger("ledger.keys")

TOKEN_PREFIX = "ledger_"
"""How every token begins, so that one pasted where it should not be is recognised."""

MAX_NAME = 100
REMEMBERED = 1.0
"""Seconds a key found valid is trusted without looking it up again."""
_REMEMBER_AT_MOST = 1024
_NAME = re.compile(r"[A-Za-z0-9._@-]+")


class Scope(StrEnum):
    """What a key may do, each including the ones before it: read ⊂ append ⊂ admin."""

    READ = "read"
    APPEND = "append"
    ADMIN = "admin"

    def allows(self, needed: Scope) -> bool:
        """Whether a key of this scope may do what needs `needed`."""
        order = list(Scope)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True)
class ApiKey:
    """A key as the ledger keeps it: never its token."""

    name: str
    scope: Scope
    created_at: datetime
    revoked_at: datetime | None = None

    def allows(self, needed: Scope) -> bool:
        """Whether this key, unless revoked, may do what needs `needed`."""
        return self.revoked_at is None and self.scope.allows(needed)


def token_hash(token: str) -> str:
    """What is kept of a token: the hex SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh token: the prefix and 32 random bytes, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def checked_name(value: object) -> str:
    """A key's name: 1 to 100 letters, digits and `. _ @ -`."""
    name = inputs.text(value, "name")
    if not name.strip():
        raise InvalidInputError("name", "must not be blank")
    if len(name) > MAX_NAME:
        raise InvalidInputError("name", f"must be at most {MAX_NAME} characters")
    if not _NAME.fullmatch(name):
        raise InvalidInputError("name", "may hold only letters, digits and . _ @ -")
    return name


def checked_scope(value: object) -> Scope:
    """A scope, or its name."""
    try:
        return Scope(inputs.text(value, "scope"))
    except ValueError:
        choices = ", ".join(Scope)
        raise InvalidInputError("scope", f"{value!r} is not one of {choices}") from None


class Keys(abc.ABC):
    """A ledger's API keys. The checks, the tokens and the logs are here; where the keys
    are kept is each kind's own (`_add`, `_all`, `_revoke`, `_by_hash`)."""

    def __init__(self) -> None:
        self._recent: dict[str, tuple[float, ApiKey]] = {}  # digest: (found at, key)

    def create(self, name: str, scope: Scope | str) -> tuple[ApiKey, str]:
        """A new key and its token — shown this once, never kept. `AlreadyExistsError` if
        the name is taken (by a revoked key too); `InvalidInputError` for a bad name or
        scope."""
        key = ApiKey(checked_name(name), checked_scope(scope), datetime.now(UTC))
        token = new_token()
        self._add(key, token_hash(token))
        log.info("key created", name=key.name, scope=str(key.scope))
        return key, token

    def list(self) -> builtins.list[ApiKey]:
        """Every key, revoked ones too, by name."""
        return sorted(self._all(), key=lambda key: key.name)

    def revoke(self, name: str) -> ApiKey:
        """Revoke the key named `name` from now on; `UnknownKeyError` if there is none,
        `InvalidTransitionError` if it is revoked already."""
        name = inputs.text(name, "name")
        found = self._revoke(name, datetime.now(UTC))
        if found is None:
            names = [key.name for key in self._all()]
            nearest = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
            raise UnknownKeyError(name, "name", nearest[0] if nearest else None)
        key, revoked_now = found
        self._recent = {d: seen for d, seen in self._recent.items() if seen[1].name != name}
        if not revoked_now:
            since = key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "?"
            raise InvalidTransitionError("name", f"key {name!r} is revoked already (since {since})")
        log.info("key revoked", name=key.name, scope=str(key.scope))
        return key

    def authenticate(self, token: str) -> ApiKey | None:
        """The key whose token this is, unless unknown or revoked (then None); a key
        found valid less than `REMEMBERED` seconds ago is not looked up again."""
        remembered = self.remembered(token)
        if remembered is not None:
            return remembered
        digest = token_hash(token)
        now = time.monotonic()
        key = self._by_hash(digest)
        if key is None or key.revoked_at is not None:
            self._recent.pop(digest, None)
            return None
        if len(self._recent) >= _REMEMBER_AT_MOST:
            self._recent = {}
        self._recent[digest] = (now, key)
        return key

    def remembered(self, token: str) -> ApiKey | None:
        """The key of `token` if it was found valid less than `REMEMBERED` seconds ago,
        else None; never looks it up (`authenticate` does)."""
        seen = self._recent.get(token_hash(inputs.text(token, "token")))
        return seen[1] if seen is not None and time.monotonic() - seen[0] < REMEMBERED else None

    @abc.abstractmethod
    def _add(self, key: ApiKey, digest: str) -> None:
        """Keep a new key; `AlreadyExistsError` if its name is taken."""

    @abc.abstractmethod
    def _all(self) -> builtins.list[ApiKey]:
        """Every key, in any order."""

    @abc.abstractmethod
    def _revoke(self, name: str, at: datetime) -> tuple[ApiKey, bool] | None:
        """Revoke the key `name` at `at` unless it is revoked already: the key as it now
        is, and whether this call revoked it; None if there is no such key."""

    @abc.abstractmethod
    def _by_hash(self, digest: str) -> ApiKey | None:
        """The key whose token hashes to `digest`, revoked or not."""


class MemoryKeys(Keys):
    """Keys of a ledger in memory: gone when it is."""

    def __init__(self) -> None:
        super().__init__()
        self._keys: dict[str, tuple[ApiKey, str]] = {}  # name: (key, digest)
        self._lock = threading.Lock()

    def _add(self, key: ApiKey, digest: str) -> None:
        with self._lock:
            if key.name in self._keys:
                raise AlreadyExistsError("key", key.name)
            self._keys[key.name] = (key, digest)

    def _all(self) -> builtins.list[ApiKey]:
        with self._lock:
            return [key for key, _ in self._keys.values()]

    def _revoke(self, name: str, at: datetime) -> tuple[ApiKey, bool] | None:
        with self._lock:
            if name not in self._keys:
                return None
            key, digest = self._keys[name]
            if key.revoked_at is not None:
                return key, False
            revoked = replace(key, revoked_at=at)
            self._keys[name] = (revoked, digest)
            return revoked, True

    def _by_hash(self, digest: str) -> ApiKey | None:
        with self._lock:
            for key, kept in self._keys.values():
                if secrets.compare_digest(kept, digest):
                    return key
        return None
