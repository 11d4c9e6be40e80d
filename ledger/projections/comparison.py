"""The read model as plain data, and where two copies of it differ: how `replay` and
`verify(deep=True)` compare a rebuild with the stored read model."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import Connection

from ledger.projections import tables as t

__all__ = ["differences", "dump"]


_SURROGATE = ("change_id", "entry_id")


def _dumped_columns(table: sa.Table) -> list[str]:
    """The columns `dump` keeps: all but the surrogate ids a rebuild numbers afresh."""
    return [c.name for c in table.columns if c.name not in _SURROGATE]


def dump(connection: Connection) -> dict[str, list[str]]:
    """The whole read model as plain data, for comparing a rebuild with the live state:
    each table's rows in key order, each row the JSON list of its `_dumped_columns`."""
    result: dict[str, list[str]] = {}
    for table in t.READ_MODEL:
        order = list(table.primary_key.columns)
        rows = connection.execute(sa.select(table).order_by(*order))
        columns = _dumped_columns(table)
        result[table.name] = [
            json.dumps([_plain(getattr(row, c)) for c in columns]) for row in rows
        ]
    return result


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    return value.isoformat() if isinstance(value, datetime) else value


def differences(stored: dict[str, list[str]], rebuilt: dict[str, list[str]]) -> list[str]:
    """Where two `dump`s differ: for each table that differs, its first differing row
    (by key) and column, e.g. `estimates: figure 'x': summary.best is 999999 in the stored
    read model, 164 rebuilt`."""
    found = []
    for table in t.READ_MODEL:
        mine, theirs = stored[table.name], rebuilt[table.name]
        if mine != theirs:
            found.append(f"{table.name}: {_table_difference(table, mine, theirs)}")
    return found


def _table_difference(table: sa.Table, stored: list[str], rebuilt: list[str]) -> str:
    columns = _dumped_columns(table)
    keys = [c.name for c in table.primary_key.columns if c.name in columns]
    keys = keys or [columns[0], "position"]  # a change or history entry: its subject, when
    at = [columns.index(k) for k in keys]

    def key(row: list[object]) -> tuple[object, ...]:
        return tuple(row[i] for i in at)

    def name(row: list[object]) -> str:
        return ", ".join(f"{k} {row[i]!r}" for k, i in zip(keys, at, strict=True))

    mine = [json.loads(row) for row in stored]
    theirs = [json.loads(row) for row in rebuilt]
    counts = (
        "" if len(mine) == len(theirs) else f" ({len(mine)} rows stored, {len(theirs)} rebuilt)"
    )
    for a, b in zip(mine, theirs, strict=False):
        if a != b and key(a) == key(b):
            column = next(i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)
            path, x, y = _first_change(a[column], b[column], columns[column])
            return (
                f"{name(a)}: {path} is {_short(x)} in the stored read model, "
                f"{_short(y)} rebuilt{counts}"
            )
        if a != b:
            break
    known = {key(row) for row in theirs}
    extra = next((row for row in mine if key(row) not in known), None)
    if extra is not None:
        return f"{name(extra)} is in the stored read model but not in the rebuild{counts}"
    known = {key(row) for row in mine}
    missing = next((row for row in theirs if key(row) not in known), None)
    if missing is not None:
        return f"{name(missing)} is missing from the stored read model{counts}"
    return f"the same rows in another order or number{counts}"


def _first_change(a: object, b: object, path: str) -> tuple[str, object, object]:
    """The first place two column values differ, looking inside JSON text: a path like
    `summary.best` and the two values there."""
    if isinstance(a, str) and isinstance(b, str) and a[:1] in "{[" and b[:1] in "{[":
        try:
            a, b = json.loads(a), json.loads(b)
        except ValueError:
            return path, a, b
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(a.keys() | b.keys()):
            if a.get(k) != b.get(k):
                return _first_change(a.get(k), b.get(k), f"{path}.{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_change(x, y, f"{path}[{i}]")
    return path, a, b


def _short(value: object, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"
