"""What the write path keeps in memory: one object, one lifetime, one invalidation rule.

`ProjectionState` holds the sources, the figures and each figure's `FigureState` (its
origins' latest statements and its headline) for exactly one prefix of the log: the one
ending at `head`, the (position, hash) of the last event the projection applied. A batch
whose link (`prev_hash` of its first event) is not `head` — another process appended, an
append rolled back, the read model was rebuilt elsewhere — finds the state emptied first;
everything is then read again from the read model as it is needed.

It is also what the domain's checks and the nesting recompute read (`Known`, `Figures`),
answering from memory when it can and from the read model when it must.
"""

from __future__ import annotations

import difflib
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ledger.domain.asserted import Relayed, claim_document
from ledger.domain.estimate import ClaimView, EstimateSummary, policy_claim
from ledger.domain.events import ClaimAsserted
from ledger.domain.fold import FigureState
from ledger.domain.model import Figure, FigureKind
from ledger.domain.policy import ClaimStatus, PolicyClaim
from ledger.domain.quantity import Hedge
from ledger.domain.values import as_of_key
from ledger.projections import queries as q
from ledger.projections import statements as s
from ledger.projections.claim_views import claim_view
from ledger.projections.statements import Sql

Asserted = tuple[ClaimAsserted, Relayed | None, PolicyClaim]
"""A claim asserted in this batch: its event, the claim it relays, its policy row."""


class ProjectionState:
    """The projection's memory of the log prefix ending at `head` (see the module)."""

    def __init__(self) -> None:
        self.head: tuple[int, str] | None = None
        self._sources: dict[str, str | None] = {}  # source id → parent
        self._bodies: dict[str, str] = {}
        self._figures: dict[str, Figure] = {}
        self._children: dict[str, list[str]] = {}
        self._states: dict[str, FigureState] = {}
        self._stored: dict[str, str] = {}  # each state's summary as stored (JSON text)
        self._batch: dict[str, ClaimView] = {}  # claims read or written in this batch
        self._written: dict[str, Asserted] = {}  # claims asserted in this batch
        self.sql: Sql | None = None

    # -- the one rule ---------------------------------------------------------------------

    def follow(self, sql: Sql, position: int, digest: str) -> bool:
        """Start a batch linked to (`position`, `digest`); empties the state unless it
        continues `head`. True when it did not (the caller then checks the checkpoint)."""
        self.sql = sql
        if self.head == (position, digest):
            return False
        self.forget()
        return True

    def forget(self) -> None:
        """Empty everything (a refused batch, another prefix of the log, a reset)."""
        self.head = None
        self._sources.clear()
        self._bodies.clear()
        self._figures.clear()
        self._children.clear()
        self._states.clear()
        self._stored.clear()
        self._batch.clear()
        self._written.clear()

    def done(self, head: tuple[int, str]) -> None:
        """The batch applied; the state now stands for the log up to `head`."""
        self.head = head
        self._batch.clear()
        self._written.clear()

    # -- sources and figures ----------------------------------------------------------------

    def has_source(self, source_id: str) -> bool:
        if source_id in self._sources:
            return True
        row = self._sql.one(s.SOURCE, (source_id,))
        if row is None:
            return False
        self._sources[source_id] = row[0]
        return True

    def add_source(self, source_id: str, parent: str | None) -> None:
        self._sources[source_id] = parent

    def body(self, source_id: str) -> str:
        """The top-level body a source belongs to (itself when it has no parent)."""
        found = self._bodies.get(source_id)
        if found is None:
            body, seen = source_id, {source_id}
            while self.has_source(body) and (parent := self._sources[body]):
                if parent in seen:
                    break
                body = parent
                seen.add(body)
            found = self._bodies[source_id] = body
        return found

    def figure(self, key: str) -> Figure | None:
        found = self._figures.get(key)
        if found is None:
            row = self._sql.one(s.FIGURE, (key,))
            if row is None:
                return None
            found = self._figures[key] = Figure(
                figure=row[0],
                unit=row[1],
                kind=FigureKind(row[2]),
                parent=row[3],
                description=row[4],
            )
        return found

    def defined(self, figure: Figure) -> None:
        """A new figure: it has no claims yet, and its parent one more child."""
        self._figures[figure.figure] = figure
        self._states[figure.figure] = FigureState(figure)
        if figure.parent is not None and figure.parent in self._children:
            self._children[figure.parent].append(figure.figure)

    def children(self, key: str) -> list[str]:
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = [row[0] for row in self._sql.rows(s.CHILDREN, (key,))]
        return found

    # -- claims and reports -----------------------------------------------------------------

    def has_report(self, report_id: str) -> bool:
        return self._sql.one(s.REPORT_EXISTS, (report_id,)) is not None

    def has_claim(self, claim_id: str) -> bool:
        if claim_id in self._batch or claim_id in self._written:
            return True
        return self._sql.one(s.CLAIM_EXISTS, (claim_id,)) is not None

    def claim(self, claim_id: str) -> ClaimView | None:
        found = self._batch.get(claim_id)
        if found is None and (written := self._written.get(claim_id)) is not None:
            event, parent, row = written
            document = claim_document(event, row.position, parent)
            found = self._batch[claim_id] = ClaimView.model_validate(document)
        if found is None:
            read = self._sql.one(s.CLAIM, (claim_id,))
            if read is None:
                return None
            found = self._batch[claim_id] = claim_view(read)
        return found

    def keep(self, claim: ClaimView) -> None:
        """A claim as this batch changed it."""
        self._batch[claim.claim_id] = claim

    def keep_asserted(self, event: ClaimAsserted, parent: Relayed | None, row: PolicyClaim) -> None:
        """A claim this batch asserted."""
        self._written[row.claim_id] = (event, parent, row)

    def relayed(self, claim_id: str) -> Relayed | None:
        """What a relay of `claim_id` takes from it (None: no such claim)."""
        changed = self._batch.get(claim_id)
        if changed is not None:
            return Relayed.of(policy_claim(changed))
        written = self._written.get(claim_id)
        if written is not None:
            return Relayed.of(written[2])
        row = self._sql.one(s.RELAYED, (claim_id,))
        if row is None:
            return None
        return Relayed(row[0], row[1], row[2], row[3], row[4], _STATUSES[row[5]], row[6])

    def is_event(self, event_id: str) -> bool:
        return q.event_type_of(self._sql.connection, event_id) is not None

    def nearest_source(self, source_id: str) -> str | None:
        return q.suggest_source(self._sql.connection, source_id)

    def nearest_figure(self, key: str) -> str | None:
        return nearest_figure(self._sql.connection, key)

    # -- figure states ------------------------------------------------------------------------

    def state(self, key: str) -> FigureState:
        """A figure's state; read from the read model the first time it is needed."""
        found = self._states.get(key)
        if found is None:
            figure = self.figure(key)
            assert figure is not None, f"figure {key} was touched but is not defined"
            claims = [policy_row(row) for row in self._sql.rows(s.POLICY_CLAIMS, (key,))]
            row = self._sql.one(s.SUMMARY, (key,))
            summary = None
            if row is not None:
                self._stored[key] = row[0]
                summary = EstimateSummary.model_validate_json(row[0])
            found = self._states[key] = FigureState.of(figure, claims, summary)
        return found

    def stored(self, key: str) -> str | None:
        """A figure's headline as stored: the JSON text of `state(key).summary`."""
        self.state(key)
        return self._stored.get(key)

    def store(self, key: str, summary: EstimateSummary, text: str) -> None:
        """A figure's new headline, as just stored (`text`): the model as a read of the
        stored text gives it (a number that is not whole goes through a JSON float)."""
        self._stored[key] = text
        numbers = (summary.low, summary.best, summary.high)
        whole = all(n is None or n == n.to_integral_value() for n in numbers)
        self.state(key).summary = summary if whole else EstimateSummary.model_validate_json(text)

    def summary(self, key: str) -> EstimateSummary | None:
        return self.state(key).summary

    def origin_claims(self, figure: str, origin: str) -> list[PolicyClaim]:
        """Every claim of an effective origin on a figure, as they stand."""
        rows = sorted(self._sql.rows(s.ORIGIN_CLAIMS, (figure, origin)), key=_position)
        return [policy_row(row) for row in rows]

    def statement_claims(self, figure: str, root_claim_id: str) -> list[PolicyClaim]:
        """A claim and every claim relaying it, on a figure, as they stand."""
        rows = sorted(self._sql.rows(s.STATEMENT_CLAIMS, (root_claim_id, figure)), key=_position)
        return [policy_row(row) for row in rows]

    @property
    def _sql(self) -> Sql:
        assert self.sql is not None, "the projection state is used outside a batch"
        return self.sql


_HEDGES = {hedge.value: hedge for hedge in Hedge}
_STATUSES = {status.value: status for status in ClaimStatus}
_AS_OF: dict[str, tuple[date | datetime, datetime]] = {}  # as-of texts repeat: parse once


def _position(row: Any) -> int:
    return int(row[2])


def policy_row(row: Any) -> PolicyClaim:
    """A row of `statements.POLICY_CLAIM` columns as the policy reads it."""
    as_of = _AS_OF.get(row[5])
    if as_of is None:
        text = row[5]
        value = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
        as_of = (value, as_of_key(value))
        if len(_AS_OF) < 100_000:
            _AS_OF[text] = as_of
    return PolicyClaim(
        row[0],
        row[1],
        row[2],
        row[3],
        sys.intern(row[4]),
        *as_of,
        Decimal(row[6]),
        None if row[7] is None else Decimal(row[7]),
        None if row[8] is None else Decimal(row[8]),
        _HEDGES[row[9]],
        row[10],
        _STATUSES[row[11]],
        row[12],
        row[13],
        row[14],
    )


def nearest_figure(connection: Any, key: str) -> str | None:
    """The nearest known figure key to a mistyped one."""
    matches = difflib.get_close_matches(key, q.figure_keys(connection), n=1, cutoff=0.6)
    return matches[0] if matches else None
