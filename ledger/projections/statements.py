"""The projection's SQL: a few fixed statements, run on the append transaction's cursor.

Building and compiling these through SQLAlchemy cost several times more than running
them, so they are plain text on the DBAPI cursor of the transaction's own connection.
Times are bound through the column type's own processor, so rows are byte for byte what
SQLAlchemy would write; `?` placeholders become `%s` for psycopg; driver errors become
`StoreError`. Each row shape is spelled once, here, from the columns of
`ledger.projections.tables`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import Connection

from ledger.errors import StoreError
from ledger.projections import tables as t
from ledger.projections.claim_views import VIEW_SQL


class Sql:
    """Plain statements on the DBAPI cursor of one transaction's connection."""

    _texts: dict[tuple[str, str], str] = {}  # noqa: RUF012 - a process-wide translation cache

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        dialect = connection.dialect
        self.dialect = dialect.name
        self._qmark = dialect.paramstyle == "qmark"
        self._time = t.claims.c.published_at.type.dialect_impl(dialect).bind_processor(dialect)
        self._errors: type[Exception] = dialect.loaded_dbapi.Error
        raw: Any = connection.connection.dbapi_connection
        self._cursor: Any = raw.cursor()

    def _text(self, text: str) -> str:
        if self._qmark:
            return text
        key = (self.dialect, text)
        found = self._texts.get(key)
        if found is None:
            found = self._texts[key] = text.replace("?", "%s")
        return found

    def run(self, text: str, params: Sequence[Any] = ()) -> Any:
        """Execute one statement; returns the cursor (rows, `rowcount`)."""
        try:
            self._cursor.execute(self._text(text), params)
        except self._errors as error:
            raise StoreError(str(error).splitlines()[0]) from error
        return self._cursor

    def many(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        """Execute one statement for each of `rows`."""
        if not rows:
            return
        try:
            self._cursor.executemany(self._text(text), rows)
        except self._errors as error:
            raise StoreError(str(error).splitlines()[0]) from error

    def one(self, text: str, params: Sequence[Any] = ()) -> Any:
        """The first row of a query, or None."""
        return self.run(text, params).fetchone()

    def rows(self, text: str, params: Sequence[Any] = ()) -> Iterator[Any]:
        """Every row of a query (fetched at once: the cursor is shared)."""
        return iter(self.run(text, params).fetchall())

    def number(self, value: Decimal | None) -> Any:
        """A decimal for a NUMERIC column (SQLite's driver takes it as text)."""
        if value is None or self.dialect != "sqlite":
            return value
        return str(value)

    def time(self, moment: datetime) -> Any:
        """A time as the `UTCDateTime` columns store it."""
        if self.dialect == "sqlite":  # SQLAlchemy's own text for it, without its layers
            at = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
            return at.isoformat(" ", "microseconds")[:26]  # without the zone
        return self._time(moment) if self._time is not None else moment


def json_text(document: Any) -> str:
    """A read-model document (JSON-ready values) as text."""
    return orjson.dumps(document).decode()


def insert(table: sa.Table) -> str:
    """`INSERT INTO table (every column but an autoincremented key) VALUES (?, …)`."""
    names = [c.name for c in table.columns if not (c.primary_key and c.autoincrement is True)]
    return f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"


def select(table: sa.Table, columns: Sequence[str], where: str, order: str = "") -> str:
    """`SELECT columns FROM table WHERE where [ORDER BY order]`."""
    text = f"SELECT {', '.join(columns)} FROM {table.name} WHERE {where}"
    return f"{text} ORDER BY {order}" if order else text


POLICY_CLAIM = ("claim_id", "report_id", "position", *t.POLICY_COLUMNS[2:])
"""The columns a `PolicyClaim` is read from, in its fields' order (`ledger.projections.rows`)."""

EVENT_HASH = "SELECT hash FROM events WHERE position = ?"
SOURCE = "SELECT parent FROM sources WHERE source_id = ?"
CHILDREN = "SELECT figure FROM figures WHERE parent = ? ORDER BY figure"
FIGURE = "SELECT figure, unit, kind, parent, description FROM figures WHERE figure = ?"
REPORT_EXISTS = "SELECT 1 FROM reports WHERE report_id = ?"
CLAIM_EXISTS = "SELECT 1 FROM claims WHERE claim_id = ?"
CLAIM = f"{VIEW_SQL} WHERE c.claim_id = ?"
RELAYED = (
    "SELECT claim_id, root_claim_id, root_origin, root_published_us, root_position, status, "
    "withdrawn_via FROM claims WHERE claim_id = ?"
)
POLICY_CLAIMS = select(t.claims, POLICY_CLAIM, "figure = ?", "position")
STATEMENT_CLAIMS = select(t.claims, POLICY_CLAIM, "root_claim_id = ? AND figure = ?")
ORIGIN_CLAIMS = select(t.claims, POLICY_CLAIM, "figure = ? AND root_origin = ?")
"""(These two are unordered: ordered by position, SQLite would walk every claim of the
figure by its (figure, position) index instead of the few it asks for by their own.)"""
RELAYS = f"{VIEW_SQL} WHERE c.derived_from = ? ORDER BY c.position"
CHANGES_OF = "SELECT change FROM claim_changes WHERE claim_id = ? ORDER BY change_id"
SUMMARY = "SELECT summary FROM estimates WHERE figure = ?"
INSERT_SOURCE = insert(t.sources)
INSERT_FIGURE = insert(t.figures)
INSERT_REPORT = insert(t.reports)
INSERT_CLAIM = insert(t.claims)
UPDATE_CLAIM = "UPDATE claims SET status = ?, withdrawn_via = ?, current = ? WHERE claim_id = ?"
INSERT_CHANGE = insert(t.claim_changes)
ESTIMATE_COLUMNS = [c.name for c in t.estimates.columns if c.name != "figure"]
UPDATE_ESTIMATE = (
    f"UPDATE estimates SET {', '.join(f'{name} = ?' for name in ESTIMATE_COLUMNS)} WHERE figure = ?"
)
INSERT_ESTIMATE = (
    f"INSERT INTO estimates ({', '.join(ESTIMATE_COLUMNS)}, figure) "
    f"VALUES ({', '.join('?' * (len(ESTIMATE_COLUMNS) + 1))})"
)
UPSERT_ESTIMATE = (
    f"{INSERT_ESTIMATE} ON CONFLICT (figure) DO UPDATE SET "
    f"{', '.join(f'{name} = excluded.{name}' for name in ESTIMATE_COLUMNS)}"
)
INSERT_HISTORY = insert(t.estimate_history)
CHECKPOINT = "SELECT position FROM checkpoints WHERE name = ?"
UPDATE_CHECKPOINT = "UPDATE checkpoints SET position = ? WHERE name = ? AND position <= ?"
INSERT_CHECKPOINT = "INSERT INTO checkpoints (name, position) VALUES (?, ?)"
