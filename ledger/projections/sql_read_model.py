"""The read model in SQL: the tables of `ledger.projections.tables`, written by the
`Projector` inside the append transaction and read by `ledger.projections.queries`.

`SqlReadModel` only routes: a `reading()` is a transaction of the store, each of its
answers one query of `queries`, and `apply` is `Projector.handle` on the append
transaction's connection. Replay, catch-up and the deep comparison work on the store's
connection directly (`ledger.service.maintenance`), through `store` and `projector`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from ledger.domain.estimate import ClaimView, EstimateSummary, EventRef
from ledger.domain.events import ReportFiled
from ledger.domain.history import EstimateChange
from ledger.domain.model import Figure, Source
from ledger.domain.standing import ClaimChange
from ledger.projections import queries as q
from ledger.projections.projector import Projector
from ledger.projections.read_model import Batch, ReadModel, Reads
from ledger.projections.state import nearest_figure
from ledger.store.sql import SQLStore


class SqlReads(Reads):
    """The read model as one transaction's connection sees it."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def checkpoint(self) -> int:
        return q.checkpoint(self.connection)

    def source(self, source_id: str) -> Source | None:
        return q.source(self.connection, source_id)

    def sources(self) -> list[Source]:
        return q.sources(self.connection)

    def nearest_source(self, source_id: str) -> str | None:
        return q.suggest_source(self.connection, source_id)

    def figure(self, key: str) -> Figure | None:
        return q.figure(self.connection, key)

    def figures(self) -> list[Figure]:
        return q.figures(self.connection)

    def children(self, key: str) -> list[Figure]:
        return q.children(self.connection, key)

    def nearest_figure(self, key: str) -> str | None:
        return nearest_figure(self.connection, key)

    def report(self, report_id: str) -> tuple[ReportFiled, int] | None:
        return q.report(self.connection, report_id)

    def has_report(self, report_id: str) -> bool:
        return q.reports_exists(self.connection, report_id)

    def nearest_report(self, report_id: str) -> str | None:
        return q.suggest_report(self.connection, report_id)

    def claim(self, claim_id: str) -> ClaimView | None:
        return q.claim(self.connection, claim_id)

    def claims(self, key: str) -> list[ClaimView]:
        return q.claims(self.connection, key)

    def claims_as_of(
        self, key: str, *, position: int | None = None, known_on: datetime | None = None
    ) -> list[ClaimView]:
        return q.claims_as_of(self.connection, key, position=position, known_on=known_on)

    def claims_by_figure(self) -> Iterator[tuple[str, list[ClaimView]]]:
        return q.claims_by_figure(self.connection)

    def claims_of_report(self, report_id: str) -> list[ClaimView]:
        return q.claims_of_report(self.connection, report_id)

    def claims_originated(self, source_id: str) -> list[ClaimView]:
        return q.claims_originated(self.connection, source_id)

    def claims_carried(self, outlet: str) -> list[ClaimView]:
        return q.claims_carried(self.connection, outlet)

    def changes_issued(self, source_id: str) -> list[tuple[str, str, ClaimChange]]:
        return q.changes_issued(self.connection, source_id)

    def summary(self, key: str) -> EstimateSummary | None:
        return q.summary(self.connection, key)

    def summaries(self) -> dict[str, EstimateSummary]:
        return q.summaries(self.connection)

    def changed_by(self, key: str) -> EventRef | None:
        return q.changed_by(self.connection, key)

    def changes_by_figure(self) -> dict[str, EventRef]:
        return q.changes_by_figure(self.connection)

    def last_change(self, key: str, position: int) -> EventRef | None:
        return q.last_change(self.connection, key, position)

    def history(
        self, key: str, *, after: int | None = None, limit: int | None = None
    ) -> list[EstimateChange]:
        return q.history(self.connection, key, after=after, limit=limit)

    def position_before(self, moment: datetime) -> int:
        return q.position_before(self.connection, moment)

    def head_position(self) -> int:
        """The last position in the log (read in the same transaction)."""
        return q.head_position(self.connection)


class SqlReadModel(ReadModel):
    """The read model in the SQL database of `store`; one per open ledger."""

    def __init__(self, store: SQLStore) -> None:
        self.store = store
        self.projector = Projector()

    @contextmanager
    def reading(self) -> Iterator[SqlReads]:
        with self.store.transaction() as connection:
            yield SqlReads(connection)

    def apply(self, unit: Any, batch: Batch, *, check: bool = True) -> None:
        self.projector.handle(unit, batch, check=check)

    @property
    def failed_at(self) -> int | None:
        return self.projector.failed_at
