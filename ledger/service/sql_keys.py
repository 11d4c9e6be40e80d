"""API keys in a SQL ledger's `api_keys` table (`SqlKeys`), on the store's connections.

Changes run as writes (`SQLStore.transaction(write=True)`: `BEGIN IMMEDIATE` on SQLite,
the writers' lock on PostgreSQL), so a check and the change it leads to see the same
table. Authentication is one read of the unique index on `token_hash`.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ledger.errors import AlreadyExistsError
from ledger.service.keys import ApiKey, Keys, Scope
from ledger.store.schema import api_keys
from ledger.store.sql import SQLStore

__all__ = ["SqlKeys"]

_KEY_COLUMNS = (api_keys.c.name, api_keys.c.scope, api_keys.c.created_at, api_keys.c.revoked_at)
_BY_HASH = sa.select(*_KEY_COLUMNS).where(api_keys.c.token_hash == sa.bindparam("digest"))
"""Every request's look-up: built once (building a statement costs more than running it)."""


def _key_of(row: Any) -> ApiKey:
    return ApiKey(row.name, Scope(row.scope), row.created_at, row.revoked_at)


class SqlKeys(Keys):
    """Keys kept in the ledger's database, beside its log: the token's hash, never it."""

    def __init__(self, store: SQLStore) -> None:
        super().__init__()
        self.store = store

    def _add(self, key: ApiKey, digest: str) -> None:
        row = {
            "name": key.name,
            "scope": str(key.scope),
            "token_hash": digest,
            "created_at": key.created_at,
            "revoked_at": None,
        }
        with self.store.transaction(write=True) as connection:
            taken = connection.execute(
                sa.select(api_keys.c.name).where(api_keys.c.name == key.name)
            ).first()
            if taken is not None:
                raise AlreadyExistsError("key", key.name)
            connection.execute(api_keys.insert().values(row))

    def _all(self) -> builtins.list[ApiKey]:
        with self.store.transaction() as connection:
            rows = connection.execute(sa.select(*_KEY_COLUMNS)).all()
        return [_key_of(row) for row in rows]

    def _revoke(self, name: str, at: datetime) -> tuple[ApiKey, bool] | None:
        with self.store.transaction(write=True) as connection:
            row = connection.execute(
                sa.select(*_KEY_COLUMNS).where(api_keys.c.name == name)
            ).first()
            if row is None:
                return None
            key = _key_of(row)
            if key.revoked_at is not None:
                return key, False
            connection.execute(
                api_keys.update().where(api_keys.c.name == name).values(revoked_at=at)
            )
        return ApiKey(key.name, key.scope, key.created_at, at), True

    def _by_hash(self, digest: str) -> ApiKey | None:
        with self.store.transaction() as connection:
            row = connection.execute(_BY_HASH, {"digest": digest}).first()
        return None if row is None else _key_of(row)
