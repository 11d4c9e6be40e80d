"""The read model in memory: the same fold as the SQL projector, over dictionaries.

`MemoryReadModel.apply` does for `Tables` what `Projector.handle` does for the SQL
tables, with the same pure domain: each event is checked by `decide` (live), its rows are
written and its figure's `FigureState` evolved; then `nesting.recompute` gives, once per
batch, the new headline of every figure the batch reached, written with its history entry
as the same documents. So a ledger in memory refuses what a ledger in SQL refuses, with the
same typed errors, and answers with the same estimates, history and claims.

Every write goes through a journal: a refused batch, or an `appending()` block that
fails, is undone, as a rolled-back transaction would be. The figure states are a cache of
the claims (one rule: emptied whenever anything is undone).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import orjson

from ledger.domain.asserted import Relayed, claim_document, claim_row
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
from ledger.domain.fold import FigureState
from ledger.domain.history import (
    cause_document,
)
from ledger.domain.model import Figure, Source
from ledger.domain.nesting import Recomputed, recompute
from ledger.domain.policy import Nesting, PolicyClaim
from ledger.domain.standing import WITHDRAWING, WITHDRAWN_SOURCE, ClaimChange, apply_change
from ledger.errors import LogTruncatedError, ReadModelBehindError
from ledger.projections.entries import Refs, entry_document
from ledger.projections.memory_tables import (
    ChangeRow,
    ClaimRow,
    Journal,
    MemoryReads,
    Tables,
    closest,
)
from ledger.projections.read_model import Batch, ReadModel
from ledger.store.record import StoredEvent

Caused = tuple[StoredEvent, Event, str]


class MemoryReadModel(ReadModel):
    """The read model in memory; thread-safe; gone when the process ends."""

    def __init__(self) -> None:
        self.tables = Tables()
        self._lock = threading.RLock()
        self.journal = Journal()
        self._states: dict[str, FigureState] = {}  # the cache: figure → its state
        self._failed_at: int | None = None

    @property
    def failed_at(self) -> int | None:
        return self._failed_at

    @contextmanager
    def reading(self) -> Iterator[MemoryReads]:
        with self._lock:
            yield MemoryReads(self.tables)

    @contextmanager
    def appending(self) -> Iterator[None]:
        with self._lock, self._undoing():
            yield

    @contextmanager
    def _undoing(self) -> Iterator[None]:
        """The journal's block; whatever is undone, the figure states are emptied too."""
        try:
            with self.journal.block():
                yield
        except BaseException:
            self._states.clear()
            raise

    def adopt(self, other: MemoryReadModel) -> None:
        """Take `other`'s tables as this read model's own (a rebuild replacing it)."""
        with self._lock:
            self.tables = other.tables
            self._states.clear()

    # -- apply -------------------------------------------------------------------------------

    def apply(self, unit: Any, batch: Batch, *, check: bool = True) -> None:
        if not batch:
            return
        with self._lock, self._undoing():
            first, last = batch[0][0], batch[-1][0]
            self._need_checkpoint_at(first.position - 1)
            self._failed_at = None
            for stored, _ in batch:
                self.journal.add(self.tables.event_ids, str(stored.event_id))
            touched: dict[str, list[Caused]] = {}
            for stored, event in batch:
                self._failed_at = stored.position
                if check:
                    decide(event, _Known(self))
                for key in self._apply(stored, event):
                    touched.setdefault(key, []).append((stored, event, key))
                self.journal.append(self.tables.recorded, stored.recorded_at)
            self._failed_at = last.position
            refs = Refs()
            for change in recompute(touched, _Known(self), self._headline, _position):
                self._store(change, refs)
            self.journal.put(self.tables.checkpoint, "read_model", last.position)
            self._failed_at = None

    def _need_checkpoint_at(self, head: int) -> None:
        """As the SQL projector: apply only right after the last position applied."""
        applied = self.tables.checkpoint["read_model"]
        if applied > head:
            raise LogTruncatedError(applied, head)
        if applied < head:
            raise ReadModelBehindError(
                f"the read model has applied the log up to position {applied}, but this "
                f"batch starts at {head + 1}: events were appended without their projection"
            )

    def _apply(self, stored: StoredEvent, event: Event) -> set[str]:
        t = self.tables
        match event:
            case SourceRegistered():
                source = Source(
                    source_id=event.source_id,
                    name=event.name,
                    kind=event.kind,
                    parent=event.parent,
                    notes=event.notes,
                )
                self.journal.put(t.sources, event.source_id, (source, stored.position))
                return set()
            case FigureDefined():
                self.journal.put(t.figures, event.figure, (event.defined(), stored.position))
                return {event.figure}
            case ReportFiled():
                self.journal.put(
                    t.reports, event.report_id, (event.model_dump_json(), stored.position)
                )
                return set()
            case ClaimAsserted():
                return self._assert(stored, event)
            case _:
                return self._compensate(stored, event)

    def _assert(self, stored: StoredEvent, event: ClaimAsserted) -> set[str]:
        t = self.tables
        state = self.state(event.figure)  # loaded before the claim is written
        parent = self._relayed(event.derived_from) if event.derived_from else None
        document = claim_document(event, stored.position, parent)
        row = claim_row(event, stored.position, parent)
        claim = ClaimRow(
            figure=event.figure,
            report_id=event.report_id,
            origin=event.origin,
            outlet=event.outlet,
            derived_from=event.derived_from,
            position=stored.position,
            published_at=event.published_at,
            asserted=orjson.dumps(document).decode(),
            current=None,
            row=row,
        )
        self.journal.put(t.claims, event.claim_id, claim)
        self.journal.push(t.by_figure, event.figure, event.claim_id)
        self.journal.push(t.by_report, event.report_id, event.claim_id)
        self.journal.push(t.by_origin, event.origin, event.claim_id)
        self.journal.push(t.by_outlet, event.outlet, event.claim_id)
        if event.derived_from is not None:
            self.journal.push(t.relays, event.derived_from, event.claim_id)
        state.asserted(row)
        if parent is not None and (via := parent.withdrawn) is not None:
            when = max(event.published_at, self._withdrawn_on(via) or event.published_at)
            change = ClaimChange.withdrawn_source(stored.position, when, via)
            self._change(claim.view(), change)
        return {event.figure}

    def _compensate(self, stored: StoredEvent, event: Compensation) -> set[str]:
        found = self.tables.claims.get(event.claim_id)
        assert found is not None, f"event {stored.position} names unknown claim {event.claim_id}"
        target = found.view()
        change = ClaimChange.of(event, stored.position, stored.recorded_at)
        self._change(target, change)
        touched = {target.figure}
        if event.type in WITHDRAWING:
            touched |= self._withdraw_relays(target.claim_id, change)
        return touched

    def _withdraw_relays(self, claim_id: str, cause: ClaimChange) -> set[str]:
        """A withdrawn claim withdraws the claims relaying it, and theirs."""
        touched: set[str] = set()
        pending = [claim_id]
        while pending:
            for relay_id in list(self.tables.relays.get(pending.pop(), ())):
                relay = self.tables.claims[relay_id].view()
                if relay.withdrawn_via is None:
                    change = ClaimChange.withdrawn_source(
                        cause.position, cause.published_at, claim_id
                    )
                    self._change(relay, change)
                    if relay.status.counts:  # otherwise its own standing already excludes it
                        touched.add(relay.figure)
                pending.append(relay.claim_id)
        return touched

    def _change(self, view: ClaimView, change: ClaimChange) -> None:
        t = self.tables
        state = self.state(view.figure)  # loaded before the change is written
        updated = apply_change(view, change)
        claim = t.claims[view.claim_id]
        row = dataclasses.replace(
            claim.row, status=updated.status, withdrawn_via=updated.withdrawn_via
        )
        self.journal.put(
            t.claims,
            view.claim_id,
            dataclasses.replace(claim, current=updated.model_dump_json(), row=row),
        )
        entry = ChangeRow(
            view.claim_id, view.figure, change.by, change.position, change.model_dump_json()
        )
        self.journal.push(t.changes_of, view.claim_id, entry)
        self.journal.push(t.changes_by_figure, view.figure, entry)
        if change.by is not None:
            self.journal.push(t.issued, change.by, entry)
        state.changed(policy_claim(view), policy_claim(updated))

    def _relayed(self, claim_id: str) -> Relayed | None:
        found = self.tables.claims.get(claim_id)
        return Relayed.of(found.row) if found is not None else None

    def _withdrawn_on(self, claim_id: str) -> datetime | None:
        """When a claim (or the claim it rests on) was withdrawn."""
        for row in self.tables.changes_of.get(claim_id, ()):
            change = row.parsed()
            if change.type in WITHDRAWING or change.type == WITHDRAWN_SOURCE:
                return change.published_at
        return None

    # -- figure states and headlines ---------------------------------------------------------

    def state(self, key: str) -> FigureState:
        """A figure's state; built from its claims the first time it is needed."""
        found = self._states.get(key)
        if found is None:
            figure = self.tables.figures[key][0]
            claims = [self.tables.claims[c].row for c in self.tables.by_figure.get(key, ())]
            stored = self.tables.estimates.get(key)
            summary = EstimateSummary.model_validate_json(stored[0]) if stored else None
            found = self._states[key] = FigureState.of(figure, claims, summary)
        return found

    def _headline(self, key: str, nesting: Nesting) -> EstimateSummary:
        return self.state(key).headline(_Known(self), _Known(self).body, nesting)

    def _store(self, change: Recomputed[Caused], ref: Refs) -> None:
        """Write a figure's new headline and its history entry (as the projector does)."""
        key, before, after = change.figure, change.before, change.after
        stored = change.causes[-1][0]
        changed_by = ref(stored)
        summary = orjson.dumps(after.model_dump(mode="json")).decode()
        earlier = self.tables.estimates.get(key) if before is not None else None
        self.journal.put(self.tables.estimates, key, (summary, orjson.dumps(changed_by).decode()))
        causes = [cause_document(ref(s), e, None if f == key else f) for s, e, f in change.causes]
        entry = entry_document(
            key, changed_by, None if earlier is None else earlier[0], summary, before, after, causes
        )
        self.journal.push(self.tables.history, key, (stored.position, orjson.dumps(entry).decode()))
        numbers = (after.low, after.best, after.high)
        whole = all(n is None or n == n.to_integral_value() for n in numbers)
        self.state(key).summary = after if whole else EstimateSummary.model_validate_json(summary)


class _Known:
    """What the domain's checks (`Known`), the nesting recompute (`Figures`) and a
    figure's state (`Claims`) read of the read model in memory."""

    def __init__(self, model: MemoryReadModel) -> None:
        self.model = model
        self.t = model.tables

    def has_source(self, source_id: str) -> bool:
        return source_id in self.t.sources

    def figure(self, key: str) -> Figure | None:
        found = self.t.figures.get(key)
        return found[0] if found else None

    def has_report(self, report_id: str) -> bool:
        return report_id in self.t.reports

    def has_claim(self, claim_id: str) -> bool:
        return claim_id in self.t.claims

    def claim(self, claim_id: str) -> ClaimView | None:
        found = self.t.claims.get(claim_id)
        return found.view() if found else None

    def is_event(self, event_id: str) -> bool:
        return event_id in self.t.event_ids

    def body(self, source_id: str) -> str:
        body, seen = source_id, {source_id}
        while (found := self.t.sources.get(body)) is not None and (parent := found[0].parent):
            if parent in seen:
                break
            body = parent
            seen.add(body)
        return body

    def nearest_source(self, source_id: str) -> str | None:
        return closest(source_id, list(self.t.sources))

    def nearest_figure(self, key: str) -> str | None:
        return closest(key, list(self.t.figures))

    def children(self, key: str) -> list[str]:
        return sorted(k for k, (f, _) in self.t.figures.items() if f.parent == key)

    def summary(self, key: str) -> EstimateSummary | None:
        return self.model.state(key).summary

    def origin_claims(self, figure: str, origin: str) -> list[PolicyClaim]:
        rows = [self.t.claims[c].row for c in self.t.by_figure.get(figure, ())]
        return [row for row in rows if row.root_origin == origin]

    def statement_claims(self, figure: str, root_claim_id: str) -> list[PolicyClaim]:
        rows = [self.t.claims[c].row for c in self.t.by_figure.get(figure, ())]
        return [row for row in rows if row.root_claim_id == root_claim_id]


def _position(caused: Caused) -> int:
    return caused[0].position
