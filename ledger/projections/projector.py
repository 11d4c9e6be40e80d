"""Keeps the read model in step with the log: writes what the domain's fold decides.

Live, `Projector.handle` runs inside the append transaction (the store's `on_append`
hook), so the log and the read model commit together or not at all. For each event it
asks the domain whether the event may be appended (`ledger.domain.decide`, live only),
writes its rows, and evolves the figure's state (`ledger.domain.fold`); then it
recomputes, once per batch, every figure the batch touched and the nested figures the
change reaches (`ledger.domain.nesting`), and writes each new headline and its history
entry. The rules live in the domain; this module only reads and writes rows. What it
keeps in memory between batches is `ProjectionState`, valid for one prefix of the log.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

import structlog
from sqlalchemy import Connection

from ledger.domain.asserted import claim_row
from ledger.domain.decide import decide
from ledger.domain.estimate import ClaimView, EstimateSummary, policy_claim
from ledger.domain.events import (
    ClaimAsserted,
    Compensation,
    Event,
    FigureDefined,
    ReportFiled,
    SourceRegistered,
)
from ledger.domain.history import (
    cause_document,
)
from ledger.domain.nesting import Recomputed, recompute
from ledger.domain.policy import Nesting
from ledger.domain.standing import WITHDRAWING, WITHDRAWN_SOURCE, ClaimChange, apply_change
from ledger.errors import LogTruncatedError, ReadModelBehindError
from ledger.projections import queries as q
from ledger.projections import statements as s
from ledger.projections import tables as t
from ledger.projections.claim_views import claim_view
from ledger.projections.entries import Refs, entry_document
from ledger.projections.state import ProjectionState
from ledger.projections.statements import Sql, json_text
from ledger.store.record import StoredEvent
from ledger.store.sql_engine import SQLITE_CACHE_KIB

log = structlog.get_logger("ledger.projections")

Batch = Sequence[tuple[StoredEvent, Event]]
Caused = tuple[StoredEvent, Event, str]
"""An event of the batch and the figure it touched (a nested figure's reaches its parent)."""


class Projector:
    """Applies events to the SQL read model; one instance per open ledger."""

    def __init__(self) -> None:
        self.state = ProjectionState()
        self.failed_at: int | None = None  # the event the last refused batch stopped at
        self._headlines: dict[str, tuple[object, ...]] | None = None  # see `rebuilding`

    def handle(self, connection: Connection, batch: Batch, *, check: bool = True) -> None:
        """Check (live only) and apply a batch, then recompute the figures it touched."""
        if not batch:
            return
        first, last = batch[0][0], batch[-1][0]
        sql = Sql(connection)
        if self.state.follow(sql, first.position - 1, first.prev_hash):
            _need_checkpoint_at(sql, first.position - 1)  # else `_save_checkpoint` checks
            self._write_headlines(sql)  # the emptied state reads them again
        self.failed_at = None
        try:
            touched: dict[str, list[Caused]] = {}
            for stored, event in batch:
                self.failed_at = stored.position
                if check:
                    decide(event, self.state)
                for key in self._apply(sql, stored, event):
                    touched.setdefault(key, []).append((stored, event, key))
            self.failed_at = last.position
            refs = Refs()
            for change in recompute(touched, self.state, self._headline, _position):
                self._store(sql, change, refs)
            _save_checkpoint(sql, first.position - 1, last.position)
            self.failed_at = None
        except BaseException:
            self.state.forget()
            raise
        self.state.done((last.position, last.hash))

    def reset(self, connection: Connection) -> None:
        """Empty the read model (before a replay)."""
        for table in (*t.READ_MODEL, t.checkpoints):
            connection.execute(table.delete())
        self.state.forget()

    @contextmanager
    def rebuilding(self, connection: Connection) -> Iterator[None]:
        """Empty the read model for a fold of the log from its start. On SQLite the indexes
        the fold does not read are dropped and built once, at the end, from the finished
        tables (a failure rolls the transaction, and them, back). PostgreSQL keeps them:
        dropping one would lock its table against readers until the rebuild commits.
        Each figure's headline row is written once, at the end: the fold keeps every
        figure's state, so nothing reads the rows before then. On SQLite the connection's
        page cache is `REBUILD_CACHE_KIB` meanwhile (see there)."""
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _cache_size(connection, REBUILD_CACHE_KIB)
        try:
            self.reset(connection)
            deferred = t.unread_by_fold() if sqlite else []
            for index in deferred:
                index.drop(connection, checkfirst=True)  # a ledger missing one still rebuilds
            self._headlines = {}
            try:
                yield
                self._write_headlines(Sql(connection))
            finally:
                self._headlines = None
            for index in deferred:
                index.create(connection, checkfirst=True)
        finally:
            if sqlite:
                _cache_size(connection, SQLITE_CACHE_KIB)

    # -- apply: events are facts; this never refuses -----------------------------------------

    def _apply(self, sql: Sql, stored: StoredEvent, event: Event) -> set[str]:
        match event:
            case SourceRegistered():
                sql.run(
                    s.INSERT_SOURCE,
                    (
                        event.source_id,
                        event.name,
                        event.kind.value,
                        event.parent,
                        event.notes,
                        stored.position,
                    ),
                )
                self.state.add_source(event.source_id, event.parent)
                return set()
            case FigureDefined():
                sql.run(
                    s.INSERT_FIGURE,
                    (
                        event.figure,
                        event.unit,
                        event.kind.value,
                        event.parent,
                        event.description,
                        stored.position,
                    ),
                )
                self.state.defined(event.defined())
                return {event.figure}
            case ReportFiled():
                sql.run(
                    s.INSERT_REPORT,
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

    def _assert(self, sql: Sql, stored: StoredEvent, event: ClaimAsserted) -> set[str]:
        state = self.state.state(event.figure)  # loaded before the claim is written
        parent = self.state.relayed(event.derived_from) if event.derived_from else None
        claim = claim_row(event, stored.position, parent)
        quantity = event.quantity
        sql.run(
            s.INSERT_CLAIM,
            (
                claim.claim_id,
                event.figure,
                claim.report_id,
                event.origin,
                event.derived_from,
                claim.position,
                sql.time(event.published_at),
                claim.status.value,
                claim.root_claim_id,
                claim.root_origin,
                event.as_of.isoformat(),
                str(quantity.low),
                _text(quantity.high),
                _text(quantity.number),
                quantity.hedge.value,
                claim.published_us,
                None,
                claim.root_published_us,
                claim.root_position,
                None,  # `current`: written once the claim's standing changes
            ),
        )
        self.state.keep_asserted(event, parent, claim)
        state.asserted(claim)
        if parent is not None and (via := parent.withdrawn) is not None:
            when = max(event.published_at, _withdrawn_on(sql, via) or event.published_at)
            change = ClaimChange.withdrawn_source(stored.position, when, via)
            view = self.state.claim(claim.claim_id)
            assert view is not None, f"claim {claim.claim_id} was just written"
            self._change(sql, view, change)
        return {event.figure}

    def _compensate(self, sql: Sql, stored: StoredEvent, event: Compensation) -> set[str]:
        target = self.state.claim(event.claim_id)
        assert target is not None, f"event {stored.position} names unknown claim {event.claim_id}"
        change = ClaimChange.of(event, stored.position, stored.recorded_at)
        self._change(sql, target, change)
        touched = {target.figure}
        if event.type in WITHDRAWING:
            touched |= self._withdraw_relays(sql, target.claim_id, change)
        return touched

    def _withdraw_relays(self, sql: Sql, claim_id: str, cause: ClaimChange) -> set[str]:
        """A withdrawn claim withdraws the claims relaying it, and theirs."""
        touched: set[str] = set()
        pending = [claim_id]
        while pending:
            for relay in _relays(sql, pending.pop()):
                relay = self.state.claim(relay.claim_id) or relay
                if relay.withdrawn_via is None:
                    change = ClaimChange.withdrawn_source(
                        cause.position, cause.published_at, claim_id
                    )
                    self._change(sql, relay, change)
                    if relay.status.counts:  # otherwise its own standing already excludes it
                        touched.add(relay.figure)
                pending.append(relay.claim_id)
        return touched

    def _change(self, sql: Sql, view: ClaimView, change: ClaimChange) -> None:
        state = self.state.state(view.figure)  # loaded before the change is written
        updated = apply_change(view, change)
        sql.run(
            s.UPDATE_CLAIM,
            (updated.status.value, updated.withdrawn_via, updated.model_dump_json(), view.claim_id),
        )
        sql.run(
            s.INSERT_CHANGE,
            (
                view.claim_id,
                view.figure,
                change.by,
                change.position,
                sql.time(change.published_at),
                change.model_dump_json(),
            ),
        )
        self.state.keep(updated)
        state.changed(policy_claim(view), policy_claim(updated))

    # -- estimates ---------------------------------------------------------------------------

    def _write_headlines(self, sql: Sql) -> None:
        """Write the headlines a rebuild holds back (each figure's last)."""
        if self._headlines:
            sql.many(s.UPSERT_ESTIMATE, list(self._headlines.values()))
            self._headlines.clear()

    def _headline(self, key: str, nesting: Nesting) -> EstimateSummary:
        state = self.state
        return state.state(key).headline(state, state.body, nesting)

    def _store(self, sql: Sql, change: Recomputed[Caused], ref: Refs) -> None:
        """Write a figure's new headline (its row in `estimates`) and its history entry."""
        key, before, after = change.figure, change.before, change.after
        stored = change.causes[-1][0]
        changed_by = ref(stored)
        summary = json_text(after.model_dump(mode="json"))
        row = (
            stored.position,
            sql.number(after.low),
            sql.number(after.best),
            sql.number(after.high),
            after.status.value,
            after.claims,
            after.reports,
            after.origins,
            after.earlier,
            None if after.as_of is None else after.as_of.isoformat(),
            summary,
            json_text(changed_by),
            key,
        )
        if self._headlines is not None:  # a rebuild: each figure's last headline, at its end
            self._headlines[key] = row
        elif sql.run(s.UPDATE_ESTIMATE, row).rowcount == 0:
            sql.run(s.INSERT_ESTIMATE, row)
        earlier = self.state.stored(key) if before is not None else None
        causes = [cause_document(ref(s), e, None if f == key else f) for s, e, f in change.causes]
        entry = entry_document(key, changed_by, earlier, summary, before, after, causes)
        sql.run(
            s.INSERT_HISTORY,
            (key, stored.position, sql.time(stored.recorded_at), json_text(entry)),
        )
        self.state.store(key, after, summary)


REBUILD_CACHE_KIB = 2 * 1024
"""A rebuild's page cache on SQLite, in KiB: SQLite's own default, not the 64 MiB an
append gets. The fold holds every figure's state already (about 120 MiB at a million
events), and building the deferred indexes sorts in as much memory again as the cache:
with 64 MiB a rebuild at a million events ran 26 % faster but peaked at 319 MB instead of
189 MB, over the 200 MB it is held to (docs/performance.md)."""


def _cache_size(connection: Connection, kib: int) -> None:
    connection.exec_driver_sql(f"PRAGMA cache_size=-{int(kib)}")


def _position(caused: Caused) -> int:
    return caused[0].position


def _text(number: object) -> str | None:
    return None if number is None else str(number)


def _withdrawn_on(sql: Sql, claim_id: str) -> datetime | None:
    """When a claim (or the claim it rests on) was withdrawn."""
    for (text,) in sql.rows(s.CHANGES_OF, (claim_id,)):
        change = ClaimChange.model_validate_json(text)
        if change.type in WITHDRAWING or change.type == WITHDRAWN_SOURCE:
            return change.published_at
    return None


def _relays(sql: Sql, claim_id: str) -> list[ClaimView]:
    """The claims that name `claim_id` as `derived_from`, as they stand now."""
    return [claim_view(row) for row in sql.rows(s.RELAYS, (claim_id,))]


def _need_checkpoint_at(sql: Sql, head: int) -> None:
    """Refuse to apply events after `head` unless the read model has applied exactly up to
    it. More: the events it applied are gone from the log, and applying over them would
    erase the evidence (the checkpoint) and mix the old rows with the new. Less: events
    were appended without their projection, and applying around them would skip them.

    Checked before a batch unless the projector itself applied `head` last (its state
    continues the log); `_save_checkpoint` checks truncation again, at no cost."""
    row = sql.one(s.CHECKPOINT, (q.READ_MODEL_CHECKPOINT,))
    applied = row[0] if row is not None else 0
    if applied > head:
        raise LogTruncatedError(applied, head)
    if applied < head:
        raise ReadModelBehindError(
            f"the read model has applied the log up to position {applied}, but this batch "
            f"starts at {head + 1}: events were appended without their projection; reopen "
            "the ledger"
        )


def _save_checkpoint(sql: Sql, head: int, position: int) -> None:
    """Move the checkpoint from `head` (the position before the batch) to `position`;
    never back from further on."""
    name = q.READ_MODEL_CHECKPOINT
    if sql.run(s.UPDATE_CHECKPOINT, (position, name, head)).rowcount == 0:
        _need_checkpoint_at(sql, head)
        sql.run(s.INSERT_CHECKPOINT, (name, position))
