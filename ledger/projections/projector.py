"""Keeps the read model in step with the log.

Live, `Projector.handle` runs inside the append transaction (the store's `on_append`
hook): it first checks each event against the read model as it stands under the writer's
lock — unknown sources, claims retracted twice… — and then applies it, so the log and the
read model commit together or not at all. Replay runs the same `apply` without the checks.
Estimates are recomputed once per batch for each figure the batch touched: from the few
columns the policy reads of each claim (`PolicyClaim`), storing the headline
(`EstimateSummary`) and a history entry. Readers rebuild the provenance from the claims.

Speed (docs/performance.md): the write path issues plain statements on the transaction's
own DBAPI cursor (building SQLAlchemy statements cost more than running them), and keeps
a `_Memory` of what it read and wrote — sources, figures, each figure's headline and the
policy columns of the claims of recently touched figures (an LRU). The memory is
only trusted for the exact log prefix it was built from: the (position, hash) of the last
event it applied must be the `prev_hash` link of the next batch, so an append by another
process, a rolled-back append or a replay elsewhere empties it first.
"""

from __future__ import annotations

import difflib
import heapq
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import Connection

from ledger.domain.estimate import (
    ClaimStatus,
    ClaimView,
    EstimateSummary,
    EventRef,
    FigureBound,
    FigureEstimate,
    Nesting,
    PolicyClaim,
    estimate_figure,
    policy_claim,
    summarize_figure,
)
from ledger.domain.events import (
    ClaimAsserted,
    ClaimCorrected,
    ClaimSuperseded,
    Compensation,
    Event,
    FigureDefined,
    ReportFiled,
    SourceRegistered,
)
from ledger.domain.history import Cause, EstimateChange, changed_fields
from ledger.domain.model import Figure, FigureKind
from ledger.domain.policy import NO_NESTING
from ledger.domain.quantity import Hedge
from ledger.domain.rules import check_compensation
from ledger.domain.values import as_of_key, microseconds
from ledger.errors import (
    AlreadyExistsError,
    InvalidInputError,
    InvalidTransitionError,
    LogTruncatedError,
    ReadModelBehindError,
    StoreError,
    UnknownClaimError,
    UnknownFigureError,
    UnknownSourceError,
)
from ledger.projections import queries as q
from ledger.projections import tables as t
from ledger.projections.claims import WITHDRAWING, WITHDRAWN_SOURCE, ClaimChange, apply_change
from ledger.store.record import StoredEvent

log = structlog.get_logger("ledger.projections")

Batch = Sequence[tuple[StoredEvent, Event]]
Caused = tuple[StoredEvent, Event, str]
"""An event of the batch and the figure it touched (a nested figure's reaches its parent)."""
ClaimsAt = Callable[[str], list[ClaimView]]
"""A figure key → its claims as they stood at the moment a reader asks about."""
Headline = Callable[[Figure, bool], EstimateSummary | None]
"""A nested figure's headline (with its own children's floors, or without) at that moment."""


class Projector:
    """Applies events to the SQL read model; one instance per open ledger."""

    def __init__(self, *, remembered_claims: int = 50_000) -> None:
        self._bodies: dict[str, str] = {}
        self._memory = _Memory(remembered_claims)
        self.failed_at: int | None = None  # the event the last refused batch stopped at

    def handle(self, connection: Connection, batch: Batch, *, check: bool = True) -> None:
        """Check (live only) and apply a batch, then recompute the figures it touched."""
        if not batch:
            return
        first = batch[0][0]
        sql = _Sql(connection)
        if self._memory.follow(sql, first.position - 1, first.prev_hash):
            _need_checkpoint_at(sql, first.position - 1)  # else `_save_checkpoint` checks
        self.failed_at = None
        try:
            touched: dict[str, list[Caused]] = {}
            for stored, event in batch:
                self.failed_at = stored.position
                if check:
                    self._check(sql, event)
                for key in self._apply(sql, stored, event):
                    touched.setdefault(key, []).append((stored, event, key))
            self.failed_at = batch[-1][0].position
            self._recompute(sql, touched)
            _save_checkpoint(sql, first.position - 1, batch[-1][0].position)
            self.failed_at = None
        except BaseException:
            self._memory.forget()
            raise
        finally:
            self._memory.batch.clear()
        last = batch[-1][0]
        self._memory.head = (last.position, last.hash)

    def reset(self, connection: Connection) -> None:
        """Empty the read model (before a replay)."""
        for table in (*t.READ_MODEL, t.checkpoints):
            connection.execute(table.delete())
        self._bodies.clear()
        self._memory.forget()

    # -- checks: the ledger's rules, against the read model under the writer's lock --------

    def _check(self, sql: _Sql, event: Event) -> None:
        memory = self._memory
        match event:
            case SourceRegistered():
                if memory.source(sql, event.source_id):
                    raise AlreadyExistsError("source", event.source_id)
                if event.parent is not None:
                    self._need_source(sql, event.parent, "parent")
            case FigureDefined():
                if memory.figure(sql, event.figure) is not None:
                    raise AlreadyExistsError("figure", event.figure)
                if event.parent is not None:
                    self._need_figure(sql, event.parent, "parent")
            case ReportFiled():
                if sql.one(_REPORT_EXISTS, (event.report_id,)) is not None:
                    raise AlreadyExistsError("report", event.report_id)
                self._need_source(sql, event.outlet, "outlet")
            case ClaimAsserted():
                self._check_claim(sql, event)
            case _:
                self._check_compensation(sql, event)

    def _check_claim(self, sql: _Sql, event: ClaimAsserted) -> None:
        if self._memory.claim_exists(sql, event.claim_id):
            raise AlreadyExistsError("claim", event.claim_id)
        figure = self._need_figure(sql, event.figure, "figure")
        self._need_source(sql, event.origin, "origin")
        if event.derived_from is not None and self._memory.claim(sql, event.derived_from) is None:
            raise UnknownClaimError(event.derived_from, "derived_from")
        unit = event.quantity.unit
        if unit is not None and unit != figure.unit:
            raise InvalidInputError(
                "value", f"{event.value!r} is in {unit}, but {event.figure} counts {figure.unit}"
            )
        if _day(event.as_of, event.published_at) > event.published_at:
            raise InvalidInputError(
                "as_of",
                f"{event.as_of} is later than the report's publication "
                f"({event.published_at.isoformat()}); a report cannot count the future",
            )

    def _check_compensation(self, sql: _Sql, event: Compensation) -> None:
        target = self._memory.claim(sql, event.claim_id)
        if target is None:
            if q.event_type_of(sql.connection, event.claim_id) is not None:
                raise InvalidTransitionError(
                    "claim_id",
                    f"{event.claim_id} is an event, not a claim: a compensating event cannot "
                    "itself be retracted; record a new claim instead",
                )
            raise UnknownClaimError(event.claim_id, "claim_id")
        if not isinstance(event, ClaimCorrected):
            self._need_source(sql, event.by, "by")
        replacement = None
        if isinstance(event, ClaimSuperseded):
            replacement = self._memory.claim(sql, event.replacement)
            if replacement is None:
                raise UnknownClaimError(event.replacement, "replacement")
        check_compensation(event, target, replacement, lambda source: self._body_of(sql, source))

    def _need_source(self, sql: _Sql, source_id: str, field: str) -> None:
        if not self._memory.source(sql, source_id):
            raise UnknownSourceError(source_id, field, q.suggest_source(sql.connection, source_id))

    def _need_figure(self, sql: _Sql, key: str, field: str) -> Figure:
        found = self._memory.figure(sql, key)
        if found is None:
            raise UnknownFigureError(key, field, suggest(sql.connection, key))
        return found

    # -- apply: events are facts; this never refuses -----------------------------------------

    def _apply(self, sql: _Sql, stored: StoredEvent, event: Event) -> set[str]:
        match event:
            case SourceRegistered():
                sql.run(
                    _INSERT_SOURCE,
                    (
                        event.source_id,
                        event.name,
                        event.kind.value,
                        event.parent,
                        event.notes,
                        stored.position,
                    ),
                )
                self._memory.sources[event.source_id] = event.parent
                return set()
            case FigureDefined():
                sql.run(
                    _INSERT_FIGURE,
                    (
                        event.figure,
                        event.unit,
                        event.kind.value,
                        event.parent,
                        event.description,
                        stored.position,
                    ),
                )
                self._memory.figures[event.figure] = Figure(
                    figure=event.figure,
                    unit=event.unit,
                    kind=event.kind,
                    parent=event.parent,
                    description=event.description,
                )
                if event.parent is not None and event.parent in self._memory.kids:
                    self._memory.kids[event.parent].append(event.figure)
                return {event.figure}
            case ReportFiled():
                sql.run(
                    _INSERT_REPORT,
                    (
                        event.report_id,
                        event.outlet,
                        sql.time(event.published_at),
                        event.model_dump_json(),
                        stored.position,
                    ),
                )
                return set()
            case ClaimAsserted():
                return self._assert(sql, stored, event)
            case _:
                return self._compensate(sql, stored, event)

    def _assert(self, sql: _Sql, stored: StoredEvent, event: ClaimAsserted) -> set[str]:
        parent = self._memory.claim(sql, event.derived_from) if event.derived_from else None
        view = ClaimView(
            claim_id=event.claim_id,
            report_id=event.report_id,
            figure=event.figure,
            value=event.value,
            quantity=event.quantity,
            as_of=event.as_of,
            origin=event.origin,
            outlet=event.outlet,
            published_at=event.published_at,
            derived_from=event.derived_from,
            quote=event.quote,
            note=event.note,
            position=stored.position,
            root_claim_id=parent.root_claim_id if parent else event.claim_id,
            root_origin=parent.root_origin if parent else event.origin,
            root_published_at=(parent.root_published_at or parent.published_at) if parent else None,
            root_position=_root_position(parent) if parent else None,
        )
        asserted = view.model_dump_json()
        quantity = view.quantity
        root = policy_claim(view)
        sql.run(
            _INSERT_CLAIM,
            (
                view.claim_id,
                view.figure,
                view.report_id,
                view.origin,
                view.derived_from,
                view.position,
                sql.time(view.published_at),
                view.status.value,
                view.root_claim_id,
                view.root_origin,
                view.as_of.isoformat(),
                str(quantity.low),
                _text(quantity.high),
                _text(quantity.number),
                quantity.hedge.value,
                microseconds(view.published_at),
                view.withdrawn_via,
                root.root_published_us,
                root.root_position,
                asserted,
                asserted,
            ),
        )
        self._memory.asserted(view)
        if parent is not None:
            via = parent.withdrawn_via or (
                parent.claim_id if parent.status.value in _WITHDRAWN_STATUSES else None
            )
            if via is not None:
                when = max(view.published_at, _withdrawn_on(sql, via) or view.published_at)
                change = ClaimChange(
                    type=WITHDRAWN_SOURCE, position=stored.position, published_at=when, via=via
                )
                self._change(sql, view, change)
        return {event.figure}

    def _compensate(self, sql: _Sql, stored: StoredEvent, event: Compensation) -> set[str]:
        target = self._memory.claim(sql, event.claim_id)
        assert target is not None, f"event {stored.position} names unknown claim {event.claim_id}"
        change = ClaimChange(
            type=event.type,
            position=stored.position,
            published_at=event.published_at or stored.recorded_at,
            by=event.by,
            reason=event.reason,
            evidence=event.evidence,
            replacement=getattr(event, "replacement", None),
        )
        self._change(sql, target, change)
        touched = {target.figure}
        if event.type in WITHDRAWING:
            touched |= self._withdraw_relays(sql, target.claim_id, change)
        return touched

    def _withdraw_relays(self, sql: _Sql, claim_id: str, cause: ClaimChange) -> set[str]:
        touched: set[str] = set()
        pending = [claim_id]
        while pending:
            for relay in _relays(sql, pending.pop()):
                if relay.withdrawn_via is None:
                    change = ClaimChange(
                        type=WITHDRAWN_SOURCE,
                        position=cause.position,
                        published_at=cause.published_at,
                        via=claim_id,
                    )
                    self._change(sql, relay, change)
                    if relay.status.counts:  # otherwise its own standing already excludes it
                        touched.add(relay.figure)
                pending.append(relay.claim_id)
        return touched

    def _change(self, sql: _Sql, view: ClaimView, change: ClaimChange) -> None:
        updated = apply_change(view, change)
        sql.run(
            _UPDATE_CLAIM,
            (
                updated.status.value,
                updated.withdrawn_via,
                updated.model_dump_json(),
                view.claim_id,
            ),
        )
        sql.run(
            _INSERT_CHANGE,
            (
                view.claim_id,
                view.figure,
                change.by,
                change.position,
                sql.time(change.published_at),
                change.model_dump_json(),
            ),
        )
        self._memory.changed(updated)

    # -- estimates -----------------------------------------------------------------------------

    def compute(
        self,
        connection: Connection,
        key: str,
        claims_at: ClaimsAt | None = None,
        *,
        claims: Sequence[ClaimView] | None = None,
    ) -> FigureEstimate:
        """The policy's estimate of `key` with its provenance (no provenance event set).

        Now (`claims_at` None): from its claims as they stand (`claims`, when the caller has
        read them already) and the stored headlines of its nested figures — what the live
        projection used. At a past moment: from `claims_at(key)`, and its children's lows
        and its parent's high rebuilt from their claims at the same moment.
        """
        figure = q.figure(connection, key)
        if figure is None:
            raise UnknownFigureError(key, suggestion=suggest(connection, key))
        if claims_at is None:
            claims = q.claims(connection, key) if claims is None else claims

            def headline(other: Figure, floors: bool) -> EstimateSummary | None:
                return q.summary(connection, other.figure)

        else:
            claims = claims_at(key)

            def headline(other: Figure, floors: bool) -> EstimateSummary | None:
                return self._headline_at(connection, other, claims_at, floors=floors)

        nesting = self._nesting(connection, figure, headline)
        independence = {c.root_origin: self._body(connection, c.root_origin) for c in claims}
        return estimate_figure(q.figure_info(figure), claims, independence, nesting)

    def _nesting(self, connection: Connection, figure: Figure, headline: Headline) -> Nesting:
        """Its children's lows (floors) and its parent's high (a ceiling), as `headline` gives
        them; a parent's high never depends on its children, so it is taken without floors."""
        if figure.kind is not FigureKind.CUMULATIVE:
            return NO_NESTING
        floors = []
        for child in q.children(connection, figure.figure):
            found = headline(child, True) if _nests(child, figure) else None
            if found is not None and (bound := found.bound(child.figure, "low")) is not None:
                floors.append(bound)
        ceiling = None
        parent = q.figure(connection, figure.parent) if figure.parent else None
        if parent is not None and _nests(figure, parent):
            found = headline(parent, False)
            ceiling = found.bound(parent.figure, "high") if found is not None else None
        return Nesting(tuple(floors), ceiling)

    def _headline_at(
        self, connection: Connection, figure: Figure, claims_at: ClaimsAt, *, floors: bool
    ) -> EstimateSummary:
        """A figure's headline at a moment; with `floors`, its children's lows applied."""
        claims = [policy_claim(claim) for claim in claims_at(figure.figure)]
        nesting = NO_NESTING
        if floors:

            def headline(other: Figure, floors: bool) -> EstimateSummary | None:
                return self._headline_at(connection, other, claims_at, floors=floors)

            nested = self._nesting(connection, figure, headline)
            nesting = Nesting(floors=nested.floors)
        independence = {c.root_origin: self._body(connection, c.root_origin) for c in claims}
        return summarize_figure(figure.kind, claims, independence, nesting)

    def _recompute(self, sql: _Sql, touched: Mapping[str, list[Caused]]) -> None:
        """Store the new headline of every figure the batch touched, and a history entry.

        Every batch that touches a figure changes its provenance (a new claim, a claim's
        new standing, a relay now resting on a withdrawn claim), so every touch is a change
        even when the numbers stay: the entry then says what changed ("provenance").
        Nested figures follow: deepest first, a figure whose low or as-of moved passes the
        change up to its parent (a floor); then a figure whose high or as-of moved has its
        children weighed again against it (a ceiling). Each figure gets one entry, naming
        every event of the batch that reached it.
        """
        memory = self._memory
        causes = {key: list(events) for key, events in touched.items()}
        before: dict[str, EstimateSummary | None] = {}
        fresh: dict[str, EstimateSummary] = {}
        pending = [(-self._depth(sql, key), key) for key in causes]  # deepest first
        heapq.heapify(pending)
        while pending:
            depth, key = heapq.heappop(pending)
            before[key] = memory.summary(sql, key)
            fresh[key] = after = self._headline(sql, key, fresh)
            figure = memory.figure(sql, key)
            assert figure is not None, f"figure {key} was touched but is not defined"
            parent = memory.figure(sql, figure.parent) if figure.parent else None
            if parent is not None and _nests(figure, parent) and _moved(before[key], after, "low"):
                if parent.figure not in causes:
                    heapq.heappush(pending, (depth + 1, parent.figure))
                causes[parent.figure] = _merged(causes.get(parent.figure, []), causes[key])
        for key in [k for k in fresh if _moved(before[k], fresh[k], "high")]:
            parent = memory.figure(sql, key)
            for child in memory.children(sql, key):
                if not _nests(memory.figure(sql, child), parent):
                    continue
                if child not in fresh:
                    old = memory.summary(sql, child)
                    if old is None or old.low is None:
                        continue  # nothing of its own to weigh against the new ceiling
                    before[child] = old
                causes[child] = _merged(causes.get(child, []), causes[key])
                fresh[child] = self._headline(sql, child, fresh)
        for key, after in fresh.items():
            self._store(sql, key, before[key], after, causes[key])

    def _headline(
        self, sql: _Sql, key: str, fresh: Mapping[str, EstimateSummary]
    ) -> EstimateSummary:
        """A figure's headline from its claims, its children's lows and its parent's high
        (as just recomputed in this batch, else as stored)."""
        memory = self._memory
        figure = memory.figure(sql, key)
        assert figure is not None, f"figure {key} was touched but is not defined"
        claims = memory.claims_of(sql, key)
        independence = {c.root_origin: self._body_of(sql, c.root_origin) for c in claims}
        nesting = NO_NESTING
        if figure.kind is FigureKind.CUMULATIVE:

            def bound(other: str, which: str) -> FigureBound | None:
                found = fresh.get(other) or memory.summary(sql, other)
                return found.bound(other, which) if found is not None else None

            floors = [
                found
                for child in memory.children(sql, key)
                if _nests(memory.figure(sql, child), figure)
                and (found := bound(child, "low")) is not None
            ]
            parent = memory.figure(sql, figure.parent) if figure.parent else None
            ceiling = bound(parent.figure, "high") if parent and _nests(figure, parent) else None
            nesting = Nesting(tuple(floors), ceiling)
        return summarize_figure(figure.kind, claims, independence, nesting)

    def _store(
        self,
        sql: _Sql,
        key: str,
        before: EstimateSummary | None,
        after: EstimateSummary,
        causes: Sequence[Caused],
    ) -> None:
        stored = causes[-1][0]
        ref = _ref(stored)
        summary, changed_by = after.model_dump_json(), ref.model_dump_json()
        updated = sql.run(_UPDATE_ESTIMATE, (stored.position, summary, changed_by, key)).rowcount
        if updated == 0:
            sql.run(_INSERT_ESTIMATE, (key, stored.position, summary, changed_by))
        entry = EstimateChange(
            figure=key,
            position=stored.position,
            recorded_at=stored.recorded_at,
            before=before,
            after=after,
            changed=changed_fields(before, after),
            causes=tuple(_cause(_ref(s), e, None if f == key else f) for s, e, f in causes),
        )
        sql.run(
            _INSERT_HISTORY,
            (key, stored.position, sql.time(stored.recorded_at), entry.model_dump_json()),
        )
        # What a later read of the stored row gives (numbers go through JSON).
        self._memory.summaries[key] = EstimateSummary.model_validate_json(summary)

    def _depth(self, sql: _Sql, key: str) -> int:
        """How many parents a figure has above it."""
        depth, figure = 0, self._memory.figure(sql, key)
        while figure is not None and figure.parent is not None:
            depth, figure = depth + 1, self._memory.figure(sql, figure.parent)
        return depth

    def _body(self, connection: Connection, source_id: str) -> str:
        """The top-level body a source belongs to (itself when it has no parent)."""
        if source_id not in self._bodies:
            body, seen = source_id, {source_id}
            while (found := q.source(connection, body)) is not None and found.parent:
                if found.parent in seen:
                    break
                body = found.parent
                seen.add(body)
            self._bodies[source_id] = body
        return self._bodies[source_id]

    def _body_of(self, sql: _Sql, source_id: str) -> str:
        """`_body`, walking the parents the memory knows (the same answer, without queries)."""
        if source_id not in self._bodies:
            body, seen = source_id, {source_id}
            while self._memory.source(sql, body) and (parent := self._memory.sources[body]):
                if parent in seen:
                    break
                body = parent
                seen.add(body)
            self._bodies[source_id] = body
        return self._bodies[source_id]


class _Sql:
    """Plain statements on the DBAPI cursor of the transaction's own connection.

    The projector's statements are few and fixed; building and compiling them through
    SQLAlchemy cost several times more than running them. Times are bound through the
    column type's own processor, so rows are byte for byte what SQLAlchemy would write.
    `?` placeholders become `%s` for psycopg. Driver errors become `StoreError`.
    """

    _texts: dict[tuple[str, str], str] = {}  # noqa: RUF012 - a process-wide translation cache

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        dialect = connection.dialect
        self._dialect = dialect.name
        self._qmark = dialect.paramstyle == "qmark"
        self._time = t.claims.c.published_at.type.dialect_impl(dialect).bind_processor(dialect)
        self._errors: type[Exception] = dialect.loaded_dbapi.Error
        raw: Any = connection.connection.dbapi_connection
        self._cursor: Any = raw.cursor()

    def _text(self, text: str) -> str:
        if self._qmark:
            return text
        key = (self._dialect, text)
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

    def one(self, text: str, params: Sequence[Any] = ()) -> Any:
        """The first row of a query, or None."""
        return self.run(text, params).fetchone()

    def rows(self, text: str, params: Sequence[Any] = ()) -> Iterator[Any]:
        """Every row of a query (fetched at once: the cursor is shared)."""
        return iter(self.run(text, params).fetchall())

    def time(self, moment: datetime) -> Any:
        """A time as the `UTCDateTime` columns store it."""
        return self._time(moment) if self._time is not None else moment


class _Memory:
    """What the projector knows without asking the database, for one log prefix.

    `head` is the (position, hash) of the last event applied. `follow` is called with the
    link of each new batch; if it does not continue `head`, everything that can change
    (estimates, claims) is dropped. Sources and figures, which never change once recorded,
    are dropped too unless the head this memory last saw is still in the log (it is not
    after a rolled-back append). `batch` holds the claims read or written during the batch
    being handled and is emptied after it.
    """

    def __init__(self, remembered_claims: int) -> None:
        self.limit = remembered_claims
        self.head: tuple[int, str] | None = None
        self.sources: dict[str, str | None] = {}  # source id → parent
        self.figures: dict[str, Figure] = {}
        self.kids: dict[str, list[str]] = {}  # figure → the figures nested in it
        self.summaries: dict[str, EstimateSummary] = {}  # each figure's stored headline
        self.views: OrderedDict[str, list[PolicyClaim]] = OrderedDict()
        self.remembered = 0
        self.batch: dict[str, ClaimView] = {}

    def follow(self, sql: _Sql, position: int, digest: str) -> bool:
        """Keep what still holds for a batch linked to (`position`, `digest`); True when
        this memory did not know that link (the caller then checks the read model's
        checkpoint)."""
        if self.head == (position, digest):
            return False
        if self.head is not None:
            seen = sql.one(_EVENT_HASH, (self.head[0],))
            if seen is None or seen[0] != self.head[1]:
                self.forget()
        self.summaries.clear()
        self.views.clear()
        self.remembered = 0
        self.head = None
        return True

    def forget(self) -> None:
        self.head = None
        self.sources.clear()
        self.figures.clear()
        self.kids.clear()
        self.summaries.clear()
        self.views.clear()
        self.remembered = 0
        self.batch.clear()

    def source(self, sql: _Sql, source_id: str) -> bool:
        if source_id in self.sources:
            return True
        row = sql.one(_SOURCE, (source_id,))
        if row is None:
            return False
        self.sources[source_id] = row[0]
        return True

    def figure(self, sql: _Sql, key: str) -> Figure | None:
        found = self.figures.get(key)
        if found is None:
            row = sql.one(_FIGURE, (key,))
            if row is None:
                return None
            found = self.figures[key] = Figure(
                figure=row[0],
                unit=row[1],
                kind=FigureKind(row[2]),
                parent=row[3],
                description=row[4],
            )
        return found

    def children(self, sql: _Sql, key: str) -> list[str]:
        """The figures defined with `key` as their parent."""
        found = self.kids.get(key)
        if found is None:
            found = self.kids[key] = [row[0] for row in sql.rows(_CHILDREN, (key,))]
        return found

    def claim_exists(self, sql: _Sql, claim_id: str) -> bool:
        return claim_id in self.batch or sql.one(_CLAIM_EXISTS, (claim_id,)) is not None

    def claim(self, sql: _Sql, claim_id: str) -> ClaimView | None:
        found = self.batch.get(claim_id)
        if found is None:
            row = sql.one(_CLAIM, (claim_id,))
            if row is None:
                return None
            found = self.batch[claim_id] = ClaimView.model_validate_json(row[0])
        return found

    def summary(self, sql: _Sql, key: str) -> EstimateSummary | None:
        found = self.summaries.get(key)
        if found is None:
            row = sql.one(_SUMMARY, (key,))
            if row is None:
                return None
            found = self.summaries[key] = EstimateSummary.model_validate_json(row[0])
        return found

    def claims_of(self, sql: _Sql, key: str) -> list[PolicyClaim]:
        views = self.views.get(key)
        if views is not None:
            self.views.move_to_end(key)
            return views
        views = [_policy_claim(row) for row in sql.rows(_POLICY_CLAIMS, (key,))]
        if len(views) <= self.limit:
            self.views[key] = views
            self.remembered += len(views)
            self._trim()
        return views

    def asserted(self, view: ClaimView) -> None:
        self.batch[view.claim_id] = view
        views = self.views.get(view.figure)
        if views is not None:
            views.append(policy_claim(view))
            self.remembered += 1
            self._trim()

    def _trim(self) -> None:
        """Drop the least recently used figures until at most `limit` claims are kept."""
        while self.remembered > self.limit:
            _, dropped = self.views.popitem(last=False)
            self.remembered -= len(dropped)

    def changed(self, view: ClaimView) -> None:
        self.batch[view.claim_id] = view
        views = self.views.get(view.figure)
        if views is not None:
            for index, old in enumerate(views):
                if old.claim_id == view.claim_id:
                    views[index] = policy_claim(view)
                    break


_EVENT_HASH = "SELECT hash FROM events WHERE position = ?"
_SOURCE = "SELECT parent FROM sources WHERE source_id = ?"
_CHILDREN = "SELECT figure FROM figures WHERE parent = ? ORDER BY figure"
_FIGURE = "SELECT figure, unit, kind, parent, description FROM figures WHERE figure = ?"
_REPORT_EXISTS = "SELECT 1 FROM reports WHERE report_id = ?"
_CLAIM_EXISTS = "SELECT 1 FROM claims WHERE claim_id = ?"
_CLAIM = "SELECT current FROM claims WHERE claim_id = ?"
_POLICY_CLAIMS = (
    "SELECT claim_id, report_id, position, root_claim_id, root_origin, as_of, low, high, "
    "number, hedge, published_us, status, withdrawn_via, root_published_us, root_position "
    "FROM claims "
    "WHERE figure = ? ORDER BY position"
)
_RELAYS = "SELECT current FROM claims WHERE derived_from = ? ORDER BY position"
_CHANGES_OF = "SELECT change FROM claim_changes WHERE claim_id = ? ORDER BY change_id"
_SUMMARY = "SELECT summary FROM estimates WHERE figure = ?"
_INSERT_SOURCE = (
    "INSERT INTO sources (source_id, name, kind, parent, notes, position) VALUES (?, ?, ?, ?, ?, ?)"
)
_INSERT_FIGURE = (
    "INSERT INTO figures (figure, unit, kind, parent, description, position) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_INSERT_REPORT = (
    "INSERT INTO reports (report_id, outlet, published_at, report, position) VALUES (?, ?, ?, ?, ?)"
)
_INSERT_CLAIM = (
    "INSERT INTO claims (claim_id, figure, report_id, origin, derived_from, position, "
    "published_at, status, root_claim_id, root_origin, as_of, low, high, number, hedge, "
    "published_us, withdrawn_via, root_published_us, root_position, asserted, current) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE_CLAIM = "UPDATE claims SET status = ?, withdrawn_via = ?, current = ? WHERE claim_id = ?"
_INSERT_CHANGE = (
    "INSERT INTO claim_changes (claim_id, figure, issued_by, position, published_at, change) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_UPDATE_ESTIMATE = "UPDATE estimates SET position = ?, summary = ?, changed_by = ? WHERE figure = ?"
_INSERT_ESTIMATE = (
    "INSERT INTO estimates (figure, position, summary, changed_by) VALUES (?, ?, ?, ?)"
)
_INSERT_HISTORY = (
    "INSERT INTO estimate_history (figure, position, recorded_at, entry) VALUES (?, ?, ?, ?)"
)
_CHECKPOINT = "SELECT position FROM checkpoints WHERE name = ?"
_UPDATE_CHECKPOINT = "UPDATE checkpoints SET position = ? WHERE name = ? AND position <= ?"
_INSERT_CHECKPOINT = "INSERT INTO checkpoints (name, position) VALUES (?, ?)"


_WITHDRAWN_STATUSES = {
    ClaimStatus.RETRACTED.value,
    ClaimStatus.REFUTED.value,
    ClaimStatus.CORRECTED.value,
}


_HEDGES = {hedge.value: hedge for hedge in Hedge}
_STATUSES = {status.value: status for status in ClaimStatus}
_AS_OF: dict[str, tuple[date | datetime, datetime]] = {}  # as-of texts repeat: parse once


def _policy_claim(row: Sequence[Any]) -> PolicyClaim:
    """A `_POLICY_CLAIMS` row as the policy reads it."""
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
        row[4],
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


def _text(number: Decimal | None) -> str | None:
    return None if number is None else str(number)


def _cause(ref: EventRef, event: Event, via: str | None) -> Cause:
    """The event in words; `via` names the nested figure it touched, when not this one."""
    cause = _said(ref, event)
    if via is None:
        return cause
    return cause.model_copy(
        update={"via": via, "description": f"{cause.description} (in nested figure {via})"}
    )


def _said(ref: EventRef, event: Event) -> Cause:
    match event:
        case ClaimAsserted():
            return Cause(
                event=ref,
                claim_id=event.claim_id,
                by=event.origin,
                published_at=event.published_at,
                description=(
                    f"{event.outlet} reported {event.value!r} from {event.origin} "
                    f"(claim {event.claim_id})"
                ),
            )
        case FigureDefined():
            return Cause(event=ref, description=f"figure {event.figure} defined")
        case SourceRegistered() | ReportFiled():
            return Cause(event=ref, description=event.type)
        case _:
            verb = event.type.removeprefix("Claim").lower()
            return Cause(
                event=ref,
                claim_id=event.claim_id,
                by=event.by,
                reason=event.reason,
                published_at=event.published_at,
                description=f"claim {event.claim_id} {verb} by {event.by}: {event.reason}",
            )


def _withdrawn_on(sql: _Sql, claim_id: str) -> datetime | None:
    for (text,) in sql.rows(_CHANGES_OF, (claim_id,)):
        change = ClaimChange.model_validate_json(text)
        if change.type in WITHDRAWING or change.type == WITHDRAWN_SOURCE:
            return change.published_at
    return None


def _relays(sql: _Sql, claim_id: str) -> list[ClaimView]:
    """The claims that name `claim_id` as `derived_from`, as they stand now."""
    return [ClaimView.model_validate_json(text) for (text,) in sql.rows(_RELAYS, (claim_id,))]


def _day(as_of: date | datetime, published_at: datetime) -> datetime:
    """An as-of compared with a publication time: a date counts from its start, in the
    publication's own zone (a report dated 9 January may count 9 January)."""
    if isinstance(as_of, datetime):
        return as_of
    return datetime.combine(as_of, datetime.min.time(), tzinfo=published_at.tzinfo)


def _nests(child: Figure | None, parent: Figure | None) -> bool:
    """Whether a child's low bounds its parent: both cumulative, in the same unit."""
    return (
        child is not None
        and parent is not None
        and child.kind is parent.kind is FigureKind.CUMULATIVE
        and child.unit == parent.unit
    )


def _moved(before: EstimateSummary | None, after: EstimateSummary, which: str) -> bool:
    """Whether a figure's `low` or `high` (or its as-of) changed: what a nested figure reads."""
    old = (getattr(before, which), before.as_of) if before is not None else (None, None)
    return old != (getattr(after, which), after.as_of)


def _merged(first: Sequence[Caused], second: Sequence[Caused]) -> list[Caused]:
    """Two lists of causes as one, in log order, each event once."""
    found = {caused[0].position: caused for caused in (*first, *second)}
    return [found[position] for position in sorted(found)]


def _ref(stored: StoredEvent) -> EventRef:
    return EventRef(
        position=stored.position,
        event_type=stored.type,
        event_id=str(stored.event_id),
        recorded_at=stored.recorded_at,
    )


def _root_position(parent: ClaimView) -> int:
    return parent.position if parent.root_position is None else parent.root_position


def suggest(connection: Connection, key: str) -> str | None:
    """The nearest known figure key to a mistyped one."""
    matches = difflib.get_close_matches(key, q.figure_keys(connection), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _need_checkpoint_at(sql: _Sql, head: int) -> None:
    """Refuse to apply events after `head` unless the read model has applied exactly up to
    it. More: the events it applied are gone from the log, and applying over them would
    erase the evidence (the checkpoint) and mix the old rows with the new. Less: events
    were appended without their projection, and applying around them would skip them.

    Checked before a batch unless the projector itself applied `head` last (its memory
    continues the log); `_save_checkpoint` checks truncation again, at no cost."""
    row = sql.one(_CHECKPOINT, (q.READ_MODEL_CHECKPOINT,))
    applied = row[0] if row is not None else 0
    if applied > head:
        raise LogTruncatedError(applied, head)
    if applied < head:
        raise ReadModelBehindError(
            f"the read model has applied the log up to position {applied}, but this batch "
            f"starts at {head + 1}: events were appended without their projection; reopen "
            "the ledger"
        )


def _save_checkpoint(sql: _Sql, head: int, position: int) -> None:
    """Move the checkpoint from `head` (the position before the batch) to `position`;
    never back from further on (`_need_no_truncation`)."""
    name = q.READ_MODEL_CHECKPOINT
    if sql.run(_UPDATE_CHECKPOINT, (position, name, head)).rowcount == 0:
        _need_checkpoint_at(sql, head)
        sql.run(_INSERT_CHECKPOINT, (name, position))
