"""The read model as the service sees it: an interface, kept in SQL or in memory.

`ReadModel` is what the ledger answers queries from and keeps in step with the log.
`reading()` gives one consistent `Reads` — a transaction on SQL — whose methods are the
questions the service asks, in the domain's words, returning the domain's types.
`apply` is the write side: the store's append hook calls it inside the append
transaction with the batch just stored, and it checks each event by the ledger's rules
(`ledger.domain.decide`) and applies it, or raises the typed error and changes nothing.

Two implementations pass one contract suite (`tests/projections`):
`ledger.projections.sql_read_model.SqlReadModel`, the tables of `ledger.projections.tables`
written by the `Projector`, and `ledger.projections.memory.MemoryReadModel`, the same fold
over plain dictionaries, for a ledger in memory and the service's own fast tests.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from ledger.domain.estimate import ClaimView, EstimateSummary, EventRef
from ledger.domain.events import Event, ReportFiled
from ledger.domain.history import EstimateChange
from ledger.domain.model import Figure, Source
from ledger.domain.standing import ClaimChange
from ledger.store.record import StoredEvent

Batch = Sequence[tuple[StoredEvent, Event]]
"""Events as stored, each with its domain event: what one append (or chunk) recorded."""


class Reads(abc.ABC):
    """The read model as one consistent view: every answer of one `reading()` is of the
    same prefix of the log."""

    @abc.abstractmethod
    def checkpoint(self) -> int:
        """The last position the read model has applied (0 when empty)."""

    # -- sources, figures, reports ---------------------------------------------------------

    @abc.abstractmethod
    def source(self, source_id: str) -> Source | None:
        """One registered source."""

    @abc.abstractmethod
    def sources(self) -> list[Source]:
        """Every registered source, by id."""

    @abc.abstractmethod
    def nearest_source(self, source_id: str) -> str | None:
        """The registered source id nearest to a mistyped one, if one is close."""

    @abc.abstractmethod
    def figure(self, key: str) -> Figure | None:
        """One defined figure."""

    @abc.abstractmethod
    def figures(self) -> list[Figure]:
        """Every defined figure, by key."""

    @abc.abstractmethod
    def children(self, key: str) -> list[Figure]:
        """The figures defined with `key` as their parent, by key."""

    @abc.abstractmethod
    def nearest_figure(self, key: str) -> str | None:
        """The defined figure key nearest to a mistyped one, if one is close."""

    @abc.abstractmethod
    def report(self, report_id: str) -> tuple[ReportFiled, int] | None:
        """A filed report as recorded, and the position it was recorded at."""

    @abc.abstractmethod
    def has_report(self, report_id: str) -> bool:
        """Whether a report with this id was filed."""

    @abc.abstractmethod
    def nearest_report(self, report_id: str) -> str | None:
        """The filed report id nearest to a mistyped one, if one is close."""

    # -- claims ------------------------------------------------------------------------------

    @abc.abstractmethod
    def claim(self, claim_id: str) -> ClaimView | None:
        """A claim as it stands now."""

    @abc.abstractmethod
    def claims(self, key: str) -> list[ClaimView]:
        """Every claim of a figure as it stands now, in the order they were recorded."""

    @abc.abstractmethod
    def claims_as_of(
        self, key: str, *, position: int | None = None, known_on: datetime | None = None
    ) -> list[ClaimView]:
        """Every claim of a figure as it stood after `position`, or as known on `known_on`
        (published by then; corrections of our own extraction always apply)."""

    @abc.abstractmethod
    def claims_by_figure(self) -> Iterator[tuple[str, list[ClaimView]]]:
        """Every figure that has claims, by key, with its claims as they stand now."""

    @abc.abstractmethod
    def claims_of_report(self, report_id: str) -> list[ClaimView]:
        """Every claim a report carried, as it stands now, in the order recorded."""

    @abc.abstractmethod
    def claims_originated(self, source_id: str) -> list[ClaimView]:
        """Every claim whose origin is `source_id`, as it stands now, in the order recorded."""

    @abc.abstractmethod
    def claims_carried(self, outlet: str) -> list[ClaimView]:
        """Every claim in a report `outlet` published, as it stands now, in the order
        recorded."""

    @abc.abstractmethod
    def changes_issued(self, source_id: str) -> list[tuple[str, str, ClaimChange]]:
        """(claim id, figure, change) for every compensating event `source_id` issued, in
        order."""

    # -- estimates and their history ------------------------------------------------------

    @abc.abstractmethod
    def summary(self, key: str) -> EstimateSummary | None:
        """The stored headline of one figure's current estimate (None: never computed)."""

    @abc.abstractmethod
    def summaries(self) -> dict[str, EstimateSummary]:
        """The stored headline of every figure's current estimate."""

    @abc.abstractmethod
    def changed_by(self, key: str) -> EventRef | None:
        """The event that last changed a figure's estimate (None for an unknown figure)."""

    @abc.abstractmethod
    def changes_by_figure(self) -> dict[str, EventRef]:
        """The event that last changed each figure's estimate."""

    @abc.abstractmethod
    def last_change(self, key: str, position: int) -> EventRef | None:
        """The event that last changed a figure's estimate at or before `position`."""

    @abc.abstractmethod
    def history(
        self, key: str, *, after: int | None = None, limit: int | None = None
    ) -> list[EstimateChange]:
        """The changes of a figure's estimate, oldest first: those after position `after`,
        at most `limit`."""

    @abc.abstractmethod
    def position_before(self, moment: datetime) -> int:
        """The last position recorded strictly before `moment` (0 if none)."""


class ReadModel(abc.ABC):
    """The ledger's read model: queries (`reading`) and keeping in step with the log
    (`apply`); see the module docstring."""

    @property
    @abc.abstractmethod
    def failed_at(self) -> int | None:
        """The position of the event the last refused batch stopped at (None: it applied)."""

    @abc.abstractmethod
    def reading(self) -> AbstractContextManager[Reads]:
        """One consistent view of the read model, for the length of a `with` block."""

    @abc.abstractmethod
    def apply(self, unit: Any, batch: Batch, *, check: bool = True) -> None:
        """Check (with `check`) and apply a batch just stored, inside the append
        transaction: the store's `on_append` hook, with the `unit` it hands over (a
        SQLAlchemy connection for the SQL stores, None in memory). A refused batch raises
        the typed error and leaves the read model as it was."""

    def appending(self) -> AbstractContextManager[None]:
        """Around one append, however many batches it applies: a failure anywhere in it
        leaves the read model as it was before. SQL needs nothing (the store's transaction
        rolls the rows back); a read model in memory undoes what it applied."""
        return contextlib.nullcontext()

    def close(self) -> None:  # noqa: B027 - optional for read models holding no resources
        """Release what the read model holds; it must not be used afterwards."""
