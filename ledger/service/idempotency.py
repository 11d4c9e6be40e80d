"""Idempotent writes (the IETF `Idempotency-Key` header draft), kept in the log itself.

A write made under an `Idempotency` takes its event ids from the key and the principal
(`event_id`), and records a fingerprint of the request in each event's metadata. So a
retry of it — after a dropped connection, a timeout, a crash between commit and answer —
finds the events it recorded (`Writing.earlier`) and answers them again, writing nothing;
the same key with another request is an `IdempotencyKeyReusedError`; and two copies racing
each other are told apart by the store itself, which keeps an event id once.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from typing import Any

from ledger.errors import InvalidInputError

NAMESPACE = uuid.UUID("3b8f6f0e-4d4c-5e55-9a57-1d0c6b7e2a10")
"""The UUID namespace event ids of idempotent writes are derived in (never change it)."""

HEADER = "Idempotency-Key"
_KEY = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as the draft's examples


@dataclass(frozen=True)
class Idempotency:
    """One request's key, the principal sending it, and the request's fingerprint."""

    principal: str
    key: str
    request: str  # hex SHA-256 of what was asked: method, path and body

    @classmethod
    def of(cls, principal: str, key: str, request: bytes) -> Idempotency:
        """Refuses a key that is empty, too long or not visible ASCII."""
        if not _KEY.fullmatch(key):
            raise InvalidInputError(HEADER, "must be 1 to 255 visible ASCII characters")
        return cls(principal, key, hashlib.sha256(request).hexdigest())

    def event_id(self, index: int) -> uuid.UUID:
        """The id of the request's `index`-th event: the same for every retry of it."""
        return uuid.uuid5(NAMESPACE, f"{self.principal}\x00{self.key}\x00{index}")

    def metadata(self) -> dict[str, Any]:
        """What each of its events records of it."""
        return {"idempotency_key": self.key, "request": self.request}
