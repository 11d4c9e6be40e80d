"""Keeps the read model in step with the log.

Live, `Projector.handle` runs inside the append transaction (the store's `on_append`
hook): it first checks each event against the read model as it stands under the writer's
lock — unknown sources, claims retracted twice… — and then applies it, so the log and the
read model commit together or not at all. Replay runs the same `apply` without the checks.
Estimates are recomputed once per batch for each figure the batch touched.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
import structlog
from sqlalchemy import Connection

from ledger.domain.estimate import (
    ClaimStatus,
    ClaimView,
    EventRef,
    FigureEstimate,
    estimate_figure,
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
from ledger.errors import (
    AlreadyExistsError,
    InvalidInputError,
    InvalidTransitionError,
    UnknownClaimError,
    UnknownFigureError,
    UnknownSourceError,
)
from ledger.projections import queries as q
from ledger.projections import tables as t
from ledger.projections.claims import WITHDRAWING, WITHDRAWN_SOURCE, ClaimChange, apply_change
from ledger.projections.history import Cause, EstimateChange, EstimateSummary, changed_fields
from ledger.store.record import StoredEvent

log = structlog.get_logger("ledger.projections")

Batch = Sequence[tuple[StoredEvent, Event]]


class Projector:
    """Applies events to the SQL read model; one instance per open ledger."""

    def __init__(self) -> None:
        self._bodies: dict[str, str] = {}

    def handle(self, connection: Connection, batch: Batch, *, check: bool = True) -> None:
        """Check (live only) and apply a batch, then recompute the figures it touched."""
        touched: dict[str, tuple[StoredEvent, Event]] = {}
        for stored, event in batch:
            if check:
                self._check(connection, event)
            for key in self._apply(connection, stored, event):
                touched[key] = (stored, event)
        for key, (stored, event) in touched.items():
            self._recompute(connection, key, stored, event)
        if batch:
            _save_checkpoint(connection, batch[-1][0].position)

    def reset(self, connection: Connection) -> None:
        """Empty the read model (before a replay)."""
        for table in (*t.READ_MODEL, t.checkpoints):
            connection.execute(table.delete())
        self._bodies.clear()

    # -- checks: the ledger's rules, against the read model under the writer's lock --------

    def _check(self, connection: Connection, event: Event) -> None:
        match event:
            case SourceRegistered():
                if q.source(connection, event.source_id) is not None:
                    raise AlreadyExistsError("source", event.source_id)
                if event.parent is not None:
                    _need_source(connection, event.parent, "parent")
            case FigureDefined():
                if q.figure(connection, event.figure) is not None:
                    raise AlreadyExistsError("figure", event.figure)
                if event.parent is not None:
                    _need_figure(connection, event.parent, "parent")
            case ReportFiled():
                exists = connection.execute(
                    sa.select(t.reports.c.report_id).where(t.reports.c.report_id == event.report_id)
                ).first()
                if exists:
                    raise AlreadyExistsError("report", event.report_id)
                _need_source(connection, event.outlet, "outlet")
            case ClaimAsserted():
                self._check_claim(connection, event)
            case _:
                self._check_compensation(connection, event)

    def _check_claim(self, connection: Connection, event: ClaimAsserted) -> None:
        if q.claim(connection, event.claim_id) is not None:
            raise AlreadyExistsError("claim", event.claim_id)
        figure = _need_figure(connection, event.figure, "figure")
        _need_source(connection, event.origin, "origin")
        if event.derived_from is not None and q.claim(connection, event.derived_from) is None:
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

    def _check_compensation(self, connection: Connection, event: Compensation) -> None:
        target = q.claim(connection, event.claim_id)
        if target is None:
            if q.event_type_of(connection, event.claim_id) is not None:
                raise InvalidTransitionError(
                    "claim_id",
                    f"{event.claim_id} is an event, not a claim: a compensating event cannot "
                    "itself be retracted; record a new claim instead",
                )
            raise UnknownClaimError(event.claim_id, "claim_id")
        if not isinstance(event, ClaimCorrected):
            _need_source(connection, event.by, "by")
        if not target.status.counts:
            raise InvalidTransitionError(
                "claim_id", f"claim {event.claim_id} is already {target.status.value}"
            )
        if event.published_at is not None and event.published_at < target.published_at:
            raise InvalidInputError(
                "published_at",
                f"{event.published_at.isoformat()} is before the claim was published "
                f"({target.published_at.isoformat()})",
            )
        if isinstance(event, ClaimSuperseded):
            replacement = q.claim(connection, event.replacement)
            if replacement is None:
                raise UnknownClaimError(event.replacement, "replacement")
            if replacement.claim_id == target.claim_id:
                raise InvalidInputError("replacement", "a claim cannot supersede itself")
            if (replacement.figure, replacement.root_origin) != (target.figure, target.root_origin):
                raise InvalidInputError(
                    "replacement",
                    "must be a claim of the same figure from the same origin "
                    f"({target.figure}, {target.root_origin})",
                )

    # -- apply: events are facts; this never refuses -----------------------------------------

    def _apply(self, connection: Connection, stored: StoredEvent, event: Event) -> set[str]:
        match event:
            case SourceRegistered():
                connection.execute(
                    t.sources.insert().values(
                        source_id=event.source_id,
                        name=event.name,
                        kind=event.kind.value,
                        parent=event.parent,
                        notes=event.notes,
                        position=stored.position,
                    )
                )
                return set()
            case FigureDefined():
                connection.execute(
                    t.figures.insert().values(
                        figure=event.figure,
                        unit=event.unit,
                        kind=event.kind.value,
                        parent=event.parent,
                        description=event.description,
                        position=stored.position,
                    )
                )
                return {event.figure}
            case ReportFiled():
                connection.execute(
                    t.reports.insert().values(
                        report_id=event.report_id,
                        outlet=event.outlet,
                        published_at=event.published_at,
                        report=event.model_dump_json(),
                        position=stored.position,
                    )
                )
                return set()
            case ClaimAsserted():
                return self._assert(connection, stored, event)
            case _:
                return self._compensate(connection, stored, event)

    def _assert(
        self, connection: Connection, stored: StoredEvent, event: ClaimAsserted
    ) -> set[str]:
        parent = q.claim(connection, event.derived_from) if event.derived_from else None
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
            position=stored.position,
            root_claim_id=parent.root_claim_id if parent else event.claim_id,
            root_origin=parent.root_origin if parent else event.origin,
        )
        asserted = view.model_dump_json()
        connection.execute(
            t.claims.insert().values(
                claim_id=view.claim_id,
                figure=view.figure,
                report_id=view.report_id,
                derived_from=view.derived_from,
                position=view.position,
                published_at=view.published_at,
                status=view.status.value,
                asserted=asserted,
                current=asserted,
            )
        )
        if parent is not None:
            via = parent.withdrawn_via or (
                parent.claim_id if parent.status.value in _WITHDRAWN_STATUSES else None
            )
            if via is not None:
                when = max(view.published_at, _withdrawn_on(connection, via) or view.published_at)
                change = ClaimChange(
                    type=WITHDRAWN_SOURCE, position=stored.position, published_at=when, via=via
                )
                self._change(connection, view, change)
        return {event.figure}

    def _compensate(
        self, connection: Connection, stored: StoredEvent, event: Compensation
    ) -> set[str]:
        target = q.claim(connection, event.claim_id)
        assert target is not None, f"event {stored.position} names unknown claim {event.claim_id}"
        change = ClaimChange(
            type=event.type,
            position=stored.position,
            published_at=event.published_at or stored.recorded_at,
            by=event.by,
            reason=event.reason,
            replacement=getattr(event, "replacement", None),
        )
        self._change(connection, target, change)
        touched = {target.figure}
        if event.type in WITHDRAWING:
            touched |= self._withdraw_relays(connection, target.claim_id, change)
        return touched

    def _withdraw_relays(
        self, connection: Connection, claim_id: str, cause: ClaimChange
    ) -> set[str]:
        touched: set[str] = set()
        pending = [claim_id]
        while pending:
            for relay in q.relays(connection, pending.pop()):
                if relay.withdrawn_via is None:
                    change = ClaimChange(
                        type=WITHDRAWN_SOURCE,
                        position=cause.position,
                        published_at=cause.published_at,
                        via=claim_id,
                    )
                    self._change(connection, relay, change)
                    touched.add(relay.figure)
                pending.append(relay.claim_id)
        return touched

    def _change(self, connection: Connection, view: ClaimView, change: ClaimChange) -> None:
        updated = apply_change(view, change)
        connection.execute(
            t.claims.update()
            .where(t.claims.c.claim_id == view.claim_id)
            .values(status=updated.status.value, current=updated.model_dump_json())
        )
        connection.execute(
            t.claim_changes.insert().values(
                claim_id=view.claim_id,
                figure=view.figure,
                position=change.position,
                published_at=change.published_at,
                change=change.model_dump_json(),
            )
        )

    # -- estimates -----------------------------------------------------------------------------

    def compute(
        self, connection: Connection, key: str, claims: Sequence[ClaimView]
    ) -> FigureEstimate:
        """The policy's estimate of `key` from `claims` (no provenance event set)."""
        figure = q.figure(connection, key)
        if figure is None:
            raise UnknownFigureError(key, suggestion=suggest(connection, key))
        independence = {c.root_origin: self._body(connection, c.root_origin) for c in claims}
        return estimate_figure(q.figure_info(figure), claims, independence)

    def _recompute(
        self, connection: Connection, key: str, stored: StoredEvent, event: Event
    ) -> None:
        fresh = self.compute(connection, key, q.claims(connection, key))
        previous = q.estimate(connection, key)
        if previous is not None and _comparable(previous) == _comparable(fresh):
            return
        ref = EventRef(
            position=stored.position,
            event_type=stored.type,
            event_id=str(stored.event_id),
            recorded_at=stored.recorded_at,
        )
        current = fresh.model_copy(
            update={
                "position": stored.position,
                "provenance": fresh.provenance.model_copy(update={"changed_by": ref}),
            }
        )
        text = current.model_dump_json()
        updated = connection.execute(
            t.estimates.update()
            .where(t.estimates.c.figure == key)
            .values(position=stored.position, estimate=text)
        )
        if updated.rowcount == 0:
            connection.execute(
                t.estimates.insert().values(figure=key, position=stored.position, estimate=text)
            )
        before = EstimateSummary.of(previous) if previous is not None else None
        after = EstimateSummary.of(current)
        entry = EstimateChange(
            figure=key,
            position=stored.position,
            recorded_at=stored.recorded_at,
            before=before,
            after=after,
            changed=changed_fields(before, after),
            cause=_cause(ref, event),
        )
        connection.execute(
            t.estimate_history.insert().values(
                figure=key,
                position=stored.position,
                recorded_at=stored.recorded_at,
                entry=entry.model_dump_json(),
            )
        )

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


_WITHDRAWN_STATUSES = {
    ClaimStatus.RETRACTED.value,
    ClaimStatus.REFUTED.value,
    ClaimStatus.CORRECTED.value,
}


def _comparable(estimate: FigureEstimate) -> str:
    neutral = estimate.model_copy(
        update={
            "position": 0,
            "provenance": estimate.provenance.model_copy(update={"changed_by": None}),
        }
    )
    return neutral.model_dump_json()


def _cause(ref: EventRef, event: Event) -> Cause:
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


def _withdrawn_on(connection: Connection, claim_id: str) -> datetime | None:
    query = sa.select(t.claim_changes.c.change).where(t.claim_changes.c.claim_id == claim_id)
    for text in connection.execute(query).scalars():
        change = ClaimChange.model_validate_json(text)
        if change.type in WITHDRAWING or change.type == WITHDRAWN_SOURCE:
            return change.published_at
    return None


def _day(as_of: date | datetime, published_at: datetime) -> datetime:
    """An as-of compared with a publication time: a date counts from its start, in the
    publication's own zone (a report dated 9 January may count 9 January)."""
    if isinstance(as_of, datetime):
        return as_of
    return datetime.combine(as_of, datetime.min.time(), tzinfo=published_at.tzinfo)


def _need_source(connection: Connection, source_id: str, field: str) -> None:
    if q.source(connection, source_id) is None:
        raise UnknownSourceError(source_id, field)


def _need_figure(connection: Connection, key: str, field: str) -> FigureDefined:
    found = q.figure(connection, key)
    if found is None:
        raise UnknownFigureError(key, field, suggest(connection, key))
    return FigureDefined(figure=found.figure, unit=found.unit, kind=found.kind, parent=found.parent)


def suggest(connection: Connection, key: str) -> str | None:
    """The nearest known figure key to a mistyped one."""
    matches = difflib.get_close_matches(key, q.figure_keys(connection), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _save_checkpoint(connection: Connection, position: int) -> None:
    updated = connection.execute(
        t.checkpoints.update()
        .where(t.checkpoints.c.name == q.READ_MODEL_CHECKPOINT)
        .values(position=position)
    )
    if updated.rowcount == 0:
        connection.execute(
            t.checkpoints.insert().values(name=q.READ_MODEL_CHECKPOINT, position=position)
        )
