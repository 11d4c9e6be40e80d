"""Writing to the ledger: sources, figures, reports and the compensating events (retract,
dispute, refute, supersede, correct), each turned into events and appended with the read
model in the same transaction. `Writing` is the part of `Ledger` that does it.

A ledger opened read-only (on a replica) refuses each of them with `ReadOnlyError` before
it reads or writes anything."""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from ledger.domain.events import (
    ClaimCorrected,
    ClaimDisputed,
    ClaimRefuted,
    ClaimRetracted,
    ClaimSuperseded,
    Compensation,
    Event,
    FigureDefined,
    SourceRegistered,
)
from ledger.domain.model import Claim, Figure, FigureKind, Report, Source, SourceKind
from ledger.domain.values import new_claim_id
from ledger.errors import (
    AlreadyExistsError,
    ConcurrencyError,
    InvalidInputError,
    LogDamagedError,
    ReadOnlyError,
    UnknownClaimError,
    UnknownReportError,
)
from ledger.projections.read_model import ReadModel
from ledger.service import inputs
from ledger.service.collector import cycles_uncollected
from ledger.service.commands import claim_event, compensation_fields, report_events
from ledger.service.idempotency import Idempotency
from ledger.service.inputs import validated
from ledger.service.mapper import to_new_event
from ledger.service.results import (
    RecordedClaim,
    RecordedEvent,
    RecordedReport,
    recorded_claim,
    recorded_reports,
)
from ledger.store.record import EventStore, NewEvent, StoredEvent

_W = TypeVar("_W", bound="Writing")
_P = ParamSpec("_P")
_R = TypeVar("_R")


def _writes(method: Callable[Concatenate[_W, _P], _R]) -> Callable[Concatenate[_W, _P], _R]:
    """A write: refused with `ReadOnlyError`, naming it, by a ledger opened read-only."""

    @functools.wraps(method)
    def checked(self: _W, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        if self.read_only:
            raise ReadOnlyError(method.__name__)
        return method(self, *args, **kwargs)

    return checked


class Writing:
    """`Ledger`'s writing methods; the attributes they use are set by `Ledger.__init__`."""

    read_only: bool
    store: EventStore
    read_model: ReadModel
    actor: str
    correlation_id: str | None
    causation_id: str | None
    damage: LogDamagedError | None
    idempotency: Idempotency | None
    retried: bool  # an idempotent write found already recorded (see `Ledger.idempotent`)
    watchers: list[Callable[[], None]]

    @_writes
    def register_source(
        self,
        source_id: str,
        *,
        name: str,
        kind: SourceKind | str,
        parent: str | None = None,
        notes: str | None = None,
    ) -> Source:
        """Register an actor that asserts or relays figures (`kind`: government, media, ngo,
        person, channel, military, international or other)."""
        source = validated(
            Source, "", source_id=source_id, name=name, kind=kind, parent=parent, notes=notes
        )
        self._append([SourceRegistered(**source.model_dump())], expect_new=f"source:{source_id}")
        return source

    @_writes
    def define_figure(
        self,
        figure: str,
        *,
        unit: str = "people",
        kind: FigureKind | str = FigureKind.CUMULATIVE,
        parent: str | None = None,
        description: str | None = None,
    ) -> Figure:
        """Define what is counted: `event/measure/place`, its unit, cumulative or level."""
        defined = validated(
            Figure, "", figure=figure, unit=unit, kind=kind, parent=parent, description=description
        )
        self._append([FigureDefined(**defined.model_dump())], expect_new=f"figure:{figure}")
        return defined

    @_writes
    def append_report(self, report: Report) -> RecordedReport:
        """Record one report and all its claims, atomically."""
        return self.append_reports([inputs.instance(report, Report, "report")])[0]

    @_writes
    def append_reports(self, reports: Sequence[Report]) -> list[RecordedReport]:
        """Record many reports in one transaction: all of them or none."""
        if not isinstance(reports, list | tuple):
            raise InvalidInputError("reports", "expected a list of ledger.Report")
        with cycles_uncollected():
            events: list[Event] = []
            for index, report in enumerate(reports):
                prefix = f"reports[{index}]." if len(reports) > 1 else ""
                inputs.instance(report, Report, prefix.rstrip(".") or "report")
                events.extend(report_events(report, prefix))
            stored = self._append(events)
            return recorded_reports(_positioned(stored, events))

    @_writes
    def append_report_stream(
        self,
        reports: Iterable[Report],
        *,
        recorded: Callable[[RecordedReport], None] | None = None,
        chunk_size: int = 1000,
    ) -> int:
        """Record reports from any iterable — a generator reading a large file — in ONE
        transaction, all of them or none, holding only `chunk_size` reports at a time.

        Each chunk is a batch of its own in the read model (an estimate's history moves
        chunk by chunk; all chunks commit together, under one correlation id). `recorded`
        is called with each report as it is written, before the commit: a caller that
        shows them must wait for this to return. Errors name a report by its index in
        the stream (`reports[41].claims[0].value`). Returns how many reports were recorded.
        """
        correlation_id = self.correlation_id or str(uuid.uuid4())
        current: list[tuple[Report, list[Event]]] = []
        count = 0

        def chunks() -> Iterator[list[NewEvent]]:
            pending: list[tuple[Report, list[Event]]] = []
            for index, report in enumerate(reports):
                pending.append((report, report_events(report, f"reports[{index}].")))
                if len(pending) >= chunk_size:
                    current[:] = pending
                    yield self._records(current, correlation_id)
                    pending = []
            if pending:
                current[:] = pending
                yield self._records(current, correlation_id)

        def project(connection: Any, stored: Sequence[StoredEvent]) -> None:
            nonlocal count
            events = [event for _, events in current for event in events]
            self.read_model.apply(connection, list(zip(stored, events, strict=True)))
            count += len(current)
            if recorded is not None:
                for result in recorded_reports(_positioned(stored, events)):
                    recorded(result)

        with cycles_uncollected(), self.read_model.appending():
            self.store.append_chunks(chunks(), on_append=project)
        self._committed()
        return count

    def _records(
        self, reports: list[tuple[Report, list[Event]]], correlation_id: str
    ) -> list[NewEvent]:
        metadata = self._metadata(correlation_id)
        return [to_new_event(event, metadata) for _, events in reports for event in events]

    @_writes
    def retract(
        self,
        claim_id: str,
        *,
        by: str,
        reason: str,
        evidence: str | None = None,
        published_at: datetime | None = None,
    ) -> RecordedEvent:
        """The issuer withdrew a claim. It stays on record and stops counting."""
        return self._compensate_claim(ClaimRetracted, claim_id, by, reason, evidence, published_at)

    @_writes
    def retract_report(
        self,
        report_id: str,
        *,
        by: str,
        reason: str,
        evidence: str | None = None,
        published_at: datetime | None = None,
    ) -> list[RecordedEvent]:
        """Withdraw every claim of a report that still counts, in one transaction."""
        inputs.text(report_id, "report_id")
        common = compensation_fields(by, reason, evidence, published_at)
        with self.read_model.reading() as reads:
            if not reads.has_report(report_id):
                raise UnknownReportError(report_id, "report_id", reads.nearest_report(report_id))
            claims = [c for c in reads.claims_of_report(report_id) if c.status.counts]
        events: list[Event] = [
            ClaimRetracted(claim_id=c.claim_id, report_id=report_id, **common) for c in claims
        ]
        if not events:
            raise InvalidInputError("report_id", f"report {report_id} has no claim left to retract")
        return [self._recorded(s, e) for s, e in zip(self._append(events), events, strict=True)]

    @_writes
    def dispute(
        self,
        claim_id: str,
        *,
        by: str,
        reason: str,
        evidence: str | None = None,
        published_at: datetime | None = None,
    ) -> RecordedEvent:
        """Someone questioned a claim: it still counts, flagged."""
        return self._compensate_claim(ClaimDisputed, claim_id, by, reason, evidence, published_at)

    @_writes
    def refute(
        self,
        claim_id: str,
        *,
        by: str,
        reason: str,
        evidence: str | None = None,
        published_at: datetime | None = None,
    ) -> RecordedEvent:
        """Evidence shows a claim is false: it stops counting."""
        return self._compensate_claim(ClaimRefuted, claim_id, by, reason, evidence, published_at)

    @_writes
    def supersede(
        self,
        claim_id: str,
        *,
        replacement: str,
        by: str,
        reason: str = "the origin published a newer figure",
        evidence: str | None = None,
        published_at: datetime | None = None,
    ) -> RecordedEvent:
        """The same origin published a newer figure (`replacement`) that replaces this one."""
        event = ClaimSuperseded(
            claim_id=inputs.text(claim_id, "claim_id"),
            replacement=inputs.text(replacement, "replacement"),
            **compensation_fields(by, reason, evidence, published_at),
        )
        return self._compensate(event)

    @_writes
    def correct(
        self,
        claim_id: str,
        *,
        reason: str,
        value: str | None = None,
        figure: str | None = None,
        as_of: date | datetime | None = None,
        origin: str | None = None,
        quote: str | None = None,
        derived_from: str | None = None,
        evidence: str | None = None,
    ) -> RecordedClaim:
        """Fix our own extraction mistake: the claim is marked corrected and a replacement
        with the given fields (the rest copied) is recorded in the same report."""
        inputs.text(claim_id, "claim_id")
        why = inputs.reason(reason)
        given = {
            "figure": inputs.optional_text(figure, "figure"),
            "value": inputs.optional_text(value, "value"),
            "as_of": None if as_of is None else inputs.day_or_time(as_of, "as_of"),
            "origin": inputs.optional_text(origin, "origin"),
            "quote": inputs.optional_text(quote, "quote"),
            "derived_from": inputs.optional_text(derived_from, "derived_from"),
        }
        evidence = inputs.optional_text(evidence, "evidence")
        with self.read_model.reading() as reads:
            old = reads.claim(claim_id)
        if old is None:
            raise UnknownClaimError(claim_id, "claim_id")
        new_id = new_claim_id()
        kept = {
            "figure": old.figure,
            "value": old.value,
            "as_of": old.as_of,
            "origin": old.origin,
            "quote": old.quote or None,  # events store "no quote" as ""
            "derived_from": old.derived_from,
        }
        fields = {key: kept[key] if given[key] is None else given[key] for key in kept}
        claim = validated(Claim, "", claim_id=new_id, **fields)
        replacement = claim_event(claim, "", old.report_id, old.outlet, old.published_at)
        replacement = replacement.model_copy(update={"corrects": claim_id})
        corrected = ClaimCorrected(
            claim_id=claim_id,
            by=self.actor,
            reason=why,
            evidence=evidence,
            replacement=new_id,
        )
        stored = self._append([corrected, replacement])
        return recorded_claim(stored[1].position, replacement)

    def _compensate_claim(
        self,
        kind: type[ClaimRetracted | ClaimDisputed | ClaimRefuted],
        claim_id: str,
        by: str,
        reason: str,
        evidence: str | None,
        published_at: datetime | None,
    ) -> RecordedEvent:
        """Record a retraction, dispute or refutation of one claim."""
        event = kind(
            claim_id=inputs.text(claim_id, "claim_id"),
            **compensation_fields(by, reason, evidence, published_at),
        )
        return self._compensate(event)

    def _compensate(self, event: Compensation) -> RecordedEvent:
        stored = self._append([event])
        return self._recorded(stored[0], event)

    def _recorded(self, stored: StoredEvent, event: Event) -> RecordedEvent:
        return RecordedEvent(
            event_id=str(stored.event_id),
            type=stored.type,
            claim_id=getattr(event, "claim_id", None),
            position=stored.position,
            recorded_at=stored.recorded_at,
        )

    def _append(
        self, events: Sequence[Event], *, expect_new: str | None = None
    ) -> list[StoredEvent]:
        if self.damage is not None:
            raise LogDamagedError(self.damage.position, self.damage.reason)
        metadata = self._metadata(self.correlation_id)
        records = [to_new_event(event, metadata) for event in events]
        if self.idempotency is not None:  # ids a retry of this request will have again
            records = [
                dataclasses.replace(record, event_id=self.idempotency.event_id(index))
                for index, record in enumerate(records)
            ]

        def project(connection: Any, stored: Sequence[StoredEvent]) -> None:
            self.read_model.apply(connection, list(zip(stored, events, strict=True)))

        expected = {expect_new: 0} if expect_new else None
        try:
            with self.read_model.appending():
                stored = self.store.append(records, expected, on_append=project)
        except ConcurrencyError as error:
            kind, _, key = error.stream_id.partition(":")
            raise AlreadyExistsError(kind, key) from error
        if stored and self.idempotency is not None:  # the store found them: a retry, answered
            self.retried = stored[0].metadata["batch"] != metadata["batch"]
        self._committed()
        return stored

    def _committed(self) -> None:
        """Tell those who watch the log (`Ledger.watch`) that it grew."""
        for wake in self.watchers:
            wake()

    def _metadata(self, correlation_id: str | None) -> dict[str, Any]:
        """The metadata of one batch: who acts, the batch id, correlation and causation."""
        batch = str(uuid.uuid4())
        return {
            "actor": self.actor,
            "batch": batch,
            "correlation_id": correlation_id or batch,
            "causation_id": self.causation_id,
            **(self.idempotency.metadata() if self.idempotency is not None else {}),
        }


def _positioned(stored: Sequence[StoredEvent], events: Sequence[Event]) -> list[tuple[int, Event]]:
    return [(record.position, event) for record, event in zip(stored, events, strict=True)]
