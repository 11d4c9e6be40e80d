"""The ledger: the Python API users call. It turns requests into events, appends them with
the read model in the same transaction, and answers queries from the read model."""

from __future__ import annotations

import copy
import getpass
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, Self

import structlog

from ledger.domain.estimate import ClaimView, EstimateSummary, EventRef, FigureEstimate
from ledger.domain.events import (
    ClaimAsserted,
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
from ledger.domain.values import end_of, new_claim_id, require_aware, require_position
from ledger.errors import (
    AlreadyExistsError,
    ConcurrencyError,
    InvalidInputError,
    UnknownClaimError,
    UnknownFigureError,
    UnknownReportError,
)
from ledger.logs import configure as configure_logging
from ledger.projections import queries as q
from ledger.projections.history import EstimateChange
from ledger.projections.projector import ClaimsAt, Projector, suggest
from ledger.service.commands import (
    claim_event,
    compensation_fields,
    report_events,
    validated,
)
from ledger.service.mapper import from_stored, to_new_event
from ledger.service.results import (
    LedgerEvent,
    RecordedClaim,
    RecordedEvent,
    RecordedReport,
    ReplayResult,
)
from ledger.store.record import NewEvent, StoredEvent, VerifyResult
from ledger.store.sql import SQLStore, rows_after

log = structlog.get_logger("ledger")

DEFAULT_FILE = "ledger.db"


def default_url() -> str:
    """`LEDGER_DATABASE_URL`, else `ledger.db` in the working directory."""
    return os.environ.get("LEDGER_DATABASE_URL") or f"sqlite:///{Path(DEFAULT_FILE).resolve()}"


Progress = Callable[[int, int], None]
"""Called during long work with (done, total)."""


class Ledger:
    """An open claim ledger. Use `ledger.open(url)`; close it (or use `with`) when done."""

    def __init__(self, store: SQLStore, *, actor: str | None = None) -> None:
        self.store = store
        self.actor = actor or _default_actor()
        self.correlation_id: str | None = None
        self.causation_id: str | None = None
        self._projector = Projector()

    def acting(
        self,
        actor: str | None = None,
        *,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> Ledger:
        """The same ledger, recording who acts and why in each event's metadata.

        `lg.acting("alice", correlation_id=request_id).retract(...)`: the view shares the
        connection pool; it needs no closing of its own.
        """
        view = copy.copy(self)
        view.actor = actor or self.actor
        view.correlation_id = correlation_id or self.correlation_id
        view.causation_id = causation_id or self.causation_id
        return view

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Release the database connections."""
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        """The database URL this ledger is stored at."""
        return self.store.url

    # -- writing -----------------------------------------------------------------------------

    def register_source(
        self,
        source_id: str,
        *,
        name: str,
        kind: SourceKind | str,
        parent: str | None = None,
        notes: str | None = None,
    ) -> Source:
        """Register an actor that asserts or relays figures."""
        source = validated(
            Source, "", source_id=source_id, name=name, kind=kind, parent=parent, notes=notes
        )
        self._append([SourceRegistered(**source.model_dump())], expect_new=f"source:{source_id}")
        return source

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

    def append_report(self, report: Report) -> RecordedReport:
        """Record one report and all its claims, atomically."""
        return self.append_reports([report])[0]

    def append_reports(self, reports: Sequence[Report]) -> list[RecordedReport]:
        """Record many reports in one transaction: all of them or none."""
        events: list[Event] = []
        for index, report in enumerate(reports):
            prefix = f"reports[{index}]." if len(reports) > 1 else ""
            events.extend(report_events(report, prefix))
        stored = self._append(events)
        return _recorded_reports(reports, stored, events)

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
            self._projector.handle(connection, list(zip(stored, events, strict=True)))
            count += len(current)
            if recorded is not None:
                for result in _recorded_reports([r for r, _ in current], stored, events):
                    recorded(result)

        self.store.append_chunks(chunks(), on_append=project)
        return count

    def _records(
        self, reports: list[tuple[Report, list[Event]]], correlation_id: str
    ) -> list[NewEvent]:
        metadata = self._metadata(correlation_id)
        return [to_new_event(event, metadata) for _, events in reports for event in events]

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
        event = ClaimRetracted(
            claim_id=claim_id, **compensation_fields(by, reason, evidence, published_at)
        )
        return self._compensate(event)

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
        with self.store.transaction() as connection:
            if not q.reports_exists(connection, report_id):
                raise UnknownReportError(report_id, "report_id")
            claims = [c for c in q.claims_of_report(connection, report_id) if c.status.counts]
        common = compensation_fields(by, reason, evidence, published_at)
        events: list[Event] = [
            ClaimRetracted(claim_id=c.claim_id, report_id=report_id, **common) for c in claims
        ]
        if not events:
            raise InvalidInputError("report_id", f"report {report_id} has no claim left to retract")
        return [self._recorded(s, e) for s, e in zip(self._append(events), events, strict=True)]

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
        event = ClaimDisputed(
            claim_id=claim_id, **compensation_fields(by, reason, evidence, published_at)
        )
        return self._compensate(event)

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
        event = ClaimRefuted(
            claim_id=claim_id, **compensation_fields(by, reason, evidence, published_at)
        )
        return self._compensate(event)

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
            claim_id=claim_id,
            replacement=replacement,
            **compensation_fields(by, reason, evidence, published_at),
        )
        return self._compensate(event)

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
        with self.store.transaction() as connection:
            old = q.claim(connection, claim_id)
        if old is None:
            raise UnknownClaimError(claim_id, "claim_id")
        new_id = new_claim_id()
        fields = {
            "figure": figure or old.figure,
            "value": value or old.value,
            "as_of": as_of or old.as_of,
            "origin": origin or old.origin,
            "quote": old.quote if quote is None else quote,
            "derived_from": derived_from or old.derived_from,
        }
        claim = validated(Claim, "", claim_id=new_id, **fields)
        replacement = claim_event(claim, "", old.report_id, old.outlet, old.published_at)
        replacement = replacement.model_copy(update={"corrects": claim_id})
        corrected = ClaimCorrected(
            claim_id=claim_id,
            by=self.actor,
            reason=reason,
            evidence=evidence,
            replacement=new_id,
        )
        stored = self._append([corrected, replacement])
        return RecordedClaim(
            claim_id=new_id,
            figure=replacement.figure,
            value=replacement.value,
            quantity=replacement.quantity,
            position=stored[1].position,
        )

    # -- reading -----------------------------------------------------------------------------

    def estimate(
        self,
        figure: str,
        *,
        at_position: int | None = None,
        recorded_before: datetime | None = None,
        known_on: date | datetime | None = None,
    ) -> FigureEstimate:
        """The estimate of a figure: now, after position n, at a recorded time, or as known
        on a date (reports published by then). At most one of the three may be given."""
        chosen = [x for x in (at_position, recorded_before, known_on) if x is not None]
        if len(chosen) > 1:
            raise InvalidInputError(
                "at_position", "give at most one of at_position, recorded_before, known_on"
            )
        with self.store.transaction() as connection:
            head = q.checkpoint(connection)
            self._need_figure(connection, figure)
            if recorded_before is not None:
                at_position = q.position_before(
                    connection, require_aware(recorded_before, "recorded_before")
                )
            changed_by: EventRef | None
            claims_at: ClaimsAt | None = None
            if at_position is not None:
                require_position(at_position, "at_position")
                position = at_position = min(at_position, head)

                def claims_at(key: str) -> list[ClaimView]:
                    return q.claims_as_of(connection, key, position=position)

                changed_by = q.last_change(connection, figure, at_position)
            elif known_on is not None:
                last = end_of(known_on)

                def claims_at(key: str) -> list[ClaimView]:
                    return q.claims_as_of(connection, key, known_on=last)

                changed_by, position = None, head
            else:  # now: the claims as they stand, and the event behind the stored headline
                changed_by, position = q.changed_by(connection, figure), head
            fresh = self._projector.compute(connection, figure, claims_at)
        return _stamped(fresh, changed_by, position)

    def history(self, figure: str) -> list[EstimateChange]:
        """Every change of a figure's estimate, each with before, after and its cause."""
        with self.store.transaction() as connection:
            self._need_figure(connection, figure)
            return q.history(connection, figure)

    def figures(self) -> list[Figure]:
        """Every defined figure."""
        with self.store.transaction() as connection:
            return q.figures(connection)

    def estimates(self) -> list[FigureEstimate]:
        """The current estimate of every figure, by key."""
        with self.store.transaction() as connection:
            head = q.checkpoint(connection)
            changes = q.changes_by_figure(connection)
            found: dict[str, FigureEstimate] = {}
            for key, claims in q.claims_by_figure(connection):
                found[key] = self._projector.compute(connection, key, claims=claims)
            for key in changes.keys() - found.keys():  # figures without claims: no data
                found[key] = self._projector.compute(connection, key, claims=[])
        return [_stamped(found[key], changes[key], head) for key in sorted(changes)]

    def summaries(self) -> dict[str, EstimateSummary]:
        """The headline of every figure's current estimate (low, best, high, status, support),
        as the projection stores it: one read, without rebuilding any provenance."""
        with self.store.transaction() as connection:
            return q.summaries(connection)

    def sources(self) -> list[Source]:
        """Every registered source."""
        with self.store.transaction() as connection:
            return q.sources(connection)

    def claims(self, figure: str) -> list[ClaimView]:
        """Every claim of a figure, with where it stands now."""
        with self.store.transaction() as connection:
            self._need_figure(connection, figure)
            return q.claims(connection, figure)

    def claim(self, claim_id: str) -> ClaimView:
        """One claim, with where it stands now."""
        with self.store.transaction() as connection:
            found = q.claim(connection, claim_id)
        if found is None:
            raise UnknownClaimError(claim_id, "claim_id")
        return found

    def events(self, after: int = 0) -> Iterator[LedgerEvent]:
        """Every event after a position, decoded, lazily."""
        require_position(after, "after")
        return self._events(after)

    def _events(self, after: int) -> Iterator[LedgerEvent]:
        for stored in self.store.read_all(after):
            yield _ledger_event(stored)

    def head(self) -> int:
        """The last position in the log."""
        return self.store.head()[0]

    def verify(self) -> VerifyResult:
        """Check the hash chain end to end; the first bad position if any."""
        return self.store.verify()

    def catch_up(self) -> int:
        """Rebuild the read model if it lags the log (after `ledger import`, or when a newer
        version adds a projection); returns how many events it is behind (0: nothing done)."""
        with self.store.transaction() as connection:
            behind = q.head_position(connection) - q.checkpoint(connection)
        if behind:
            log.warning("read model behind the log; rebuilding", behind=behind)
            self.replay(check=False)
        return behind

    def replay(self, *, check: bool = True, progress: Progress | None = None) -> ReplayResult:
        """Rebuild every projection from position 0. With `check`, compare the rebuilt read
        model with the one kept live and report any difference."""
        started = time.perf_counter()
        with self.store.transaction(write=True) as connection:
            before = q.dump(connection) if check else None
            total = q.head_position(connection)
            self._projector.reset(connection)
            count = 0
            batch: list[tuple[StoredEvent, Event]] = []
            for stored in rows_after(connection, 0):
                if batch and batch[-1][0].metadata.get("batch") != stored.metadata.get("batch"):
                    self._projector.handle(connection, batch, check=False)
                    batch = []
                batch.append((stored, from_stored(stored)))
                count += 1
                if progress and count % 1000 == 0:
                    progress(count, total)
            self._projector.handle(connection, batch, check=False)
            after = q.dump(connection) if check else None
            figures = len(q.figure_keys(connection))
        if progress:
            progress(count, total)
        differences: tuple[str, ...] = ()
        if before is not None and after is not None:
            differences = tuple(
                f"{name}: {len(before[name])} live rows vs {len(after[name])} rebuilt"
                if len(before[name]) != len(after[name])
                else f"{name}: rows differ"
                for name in before
                if before[name] != after[name]
            )
        seconds = time.perf_counter() - started
        log.info(
            "replayed",
            events=count,
            figures=figures,
            seconds=round(seconds, 3),
            identical=not differences if check else None,
        )
        return ReplayResult(
            events=count,
            figures=figures,
            seconds=seconds,
            identical=(not differences) if check else None,
            differences=differences,
        )

    # -- internals ---------------------------------------------------------------------------

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
        metadata = self._metadata(self.correlation_id)
        records = [to_new_event(event, metadata) for event in events]

        def project(connection: Any, stored: Sequence[StoredEvent]) -> None:
            self._projector.handle(connection, list(zip(stored, events, strict=True)))

        expected = {expect_new: 0} if expect_new else None
        try:
            return self.store.append(records, expected, on_append=project)
        except ConcurrencyError as error:
            kind, _, key = error.stream_id.partition(":")
            raise AlreadyExistsError(kind, key) from error

    def _metadata(self, correlation_id: str | None) -> dict[str, Any]:
        """The metadata of one batch: who acts, the batch id, correlation and causation."""
        batch = str(uuid.uuid4())
        return {
            "actor": self.actor,
            "batch": batch,
            "correlation_id": correlation_id or batch,
            "causation_id": self.causation_id,
        }

    def _need_figure(self, connection: Any, figure: str) -> None:
        if q.figure(connection, figure) is None:
            raise UnknownFigureError(figure, "figure", suggest(connection, figure))


def open(url: str | None = None, *, actor: str | None = None, synchronous: str = "FULL") -> Ledger:
    """Open (and create or migrate to the newest schema) the ledger at `url`.

    `url`: `sqlite:///path.db` (default: `LEDGER_DATABASE_URL`, else ./ledger.db),
    `sqlite://` for a throw-away in-memory ledger, or `postgresql://user@host/db`.
    """
    if not structlog.is_configured():
        configure_logging()
    store = SQLStore(url or default_url(), synchronous=synchronous)
    log.debug("opened", url=store.url, dialect=store.dialect)
    opened = Ledger(store, actor=actor)
    opened.catch_up()
    return opened


def _default_actor() -> str:
    try:
        return os.environ.get("LEDGER_ACTOR") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _ledger_event(stored: StoredEvent) -> LedgerEvent:
    return LedgerEvent(
        position=stored.position,
        stream_id=stored.stream_id,
        stream_version=stored.stream_version,
        event_id=str(stored.event_id),
        type=stored.type,
        schema_version=stored.schema_version,
        recorded_at=stored.recorded_at,
        metadata=stored.metadata,
        hash=stored.hash,
        event=from_stored(stored),
    )


def _recorded_reports(
    reports: Sequence[Report], stored: Sequence[StoredEvent], events: Sequence[Event]
) -> list[RecordedReport]:
    """What was recorded of each report: its positions and its claims' quantities."""
    results, cursor = [], 0
    for report in reports:
        size = 1 + len(report.claims)
        pairs = list(
            zip(stored[cursor : cursor + size], events[cursor : cursor + size], strict=True)
        )
        cursor += size
        claims = tuple(
            RecordedClaim(
                claim_id=e.claim_id,
                figure=e.figure,
                value=e.value,
                quantity=e.quantity,
                position=s.position,
            )
            for s, e in pairs
            if isinstance(e, ClaimAsserted)
        )
        results.append(
            RecordedReport(
                report_id=report.report_id,
                outlet=report.outlet,
                published_at=report.published_at,
                claims=claims,
                first_position=pairs[0][0].position,
                last_position=pairs[-1][0].position,
            )
        )
    return results


def _stamped(
    estimate: FigureEstimate, changed_by: EventRef | None, position: int
) -> FigureEstimate:
    """An estimate as read at `position`, naming the event that last changed it."""
    provenance = estimate.provenance.model_copy(update={"changed_by": changed_by})
    return estimate.model_copy(update={"position": position, "provenance": provenance})


__all__ = [
    "Ledger",
    "LedgerEvent",
    "Progress",
    "RecordedClaim",
    "RecordedEvent",
    "RecordedReport",
    "ReplayResult",
    "default_url",
    "open",
]
