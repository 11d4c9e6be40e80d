"""The ledger: the Python API users call. It turns requests into events, appends them with
the read model in the same transaction, and answers queries from the read model."""

from __future__ import annotations

import copy
import getpass
import itertools
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
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
from ledger.domain.history import EstimateChange
from ledger.domain.model import Claim, Figure, FigureKind, Report, Source, SourceKind
from ledger.domain.values import end_of, new_claim_id
from ledger.errors import (
    AlreadyExistsError,
    ConcurrencyError,
    InvalidInputError,
    LogDamagedError,
    LogTruncatedError,
    UnknownClaimError,
    UnknownFigureError,
    UnknownReportError,
    UnknownSourceError,
)
from ledger.logs import configure as configure_logging
from ledger.projections import queries as q
from ledger.projections import reading
from ledger.projections.projector import Projector
from ledger.projections.reading import ClaimsAt
from ledger.projections.state import nearest_figure
from ledger.service import inputs
from ledger.service.audit import ContentError, apply_checked, first_fault, replay_fold
from ledger.service.commands import claim_event, compensation_fields, report_events
from ledger.service.inputs import validated
from ledger.service.mapper import from_stored, to_new_event
from ledger.service.results import (
    CompensationView,
    LedgerEvent,
    RecordedClaim,
    RecordedEvent,
    RecordedReport,
    ReplayResult,
    ReportView,
    SourceView,
)
from ledger.store.chain import GENESIS
from ledger.store.record import Anchor, NewEvent, StoredEvent, VerifyResult
from ledger.store.scan import scan
from ledger.store.sql import DEFAULT_LOCK_TIMEOUT, SQLStore, masked, rows_after

log = structlog.get_logger("ledger")

DEFAULT_FILE = "ledger.db"


def default_url() -> str:
    """`LEDGER_DATABASE_URL`, else `ledger.db` in the working directory."""
    return os.environ.get("LEDGER_DATABASE_URL") or f"sqlite:///{Path(DEFAULT_FILE).resolve()}"


def default_lock_timeout() -> float:
    """`LEDGER_LOCK_TIMEOUT` (seconds, more than 0), else the store's default."""
    text = os.environ.get("LEDGER_LOCK_TIMEOUT")
    if not text:
        return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise InvalidInputError("LEDGER_LOCK_TIMEOUT", f"{text!r} is not a number of seconds > 0")
    return seconds


Progress = Callable[[int, int], None]
"""Called during long work with (done, total)."""


class Ledger:
    """An open claim ledger. Use `ledger.open(url)`; close it (or use `with`) when done.

    Every method checks what it is handed before anything is written: a wrong type (None
    or a number where text belongs, a dict for a `Report`), a time without a zone, a
    publication time in the future or a blank reason raises an `InvalidInputError` naming
    the parameter, and nothing is appended. Times may be given as ISO 8601 strings.
    """

    def __init__(self, store: SQLStore, *, actor: str | None = None) -> None:
        self.store = store
        self.actor = actor or _default_actor()
        self.correlation_id: str | None = None
        self.causation_id: str | None = None
        self.damage: LogDamagedError | None = None  # set when the log cannot be applied
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
        actor = inputs.optional_text(actor, "actor")
        correlation_id = inputs.optional_text(correlation_id, "correlation_id")
        causation_id = inputs.optional_text(causation_id, "causation_id")
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
        """Register an actor that asserts or relays figures (`kind`: government, media, ngo,
        person, channel, military, international or other)."""
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
        return self.append_reports([inputs.instance(report, Report, "report")])[0]

    def append_reports(self, reports: Sequence[Report]) -> list[RecordedReport]:
        """Record many reports in one transaction: all of them or none."""
        if not isinstance(reports, list | tuple):
            raise InvalidInputError("reports", "expected a list of ledger.Report")
        events: list[Event] = []
        for index, report in enumerate(reports):
            prefix = f"reports[{index}]." if len(reports) > 1 else ""
            inputs.instance(report, Report, prefix.rstrip(".") or "report")
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
            claim_id=inputs.text(claim_id, "claim_id"),
            **compensation_fields(by, reason, evidence, published_at),
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
        inputs.text(report_id, "report_id")
        common = compensation_fields(by, reason, evidence, published_at)
        with self.store.transaction() as connection:
            if not q.reports_exists(connection, report_id):
                raise UnknownReportError(
                    report_id, "report_id", q.suggest_report(connection, report_id)
                )
            claims = [c for c in q.claims_of_report(connection, report_id) if c.status.counts]
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
            claim_id=inputs.text(claim_id, "claim_id"),
            **compensation_fields(by, reason, evidence, published_at),
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
            claim_id=inputs.text(claim_id, "claim_id"),
            **compensation_fields(by, reason, evidence, published_at),
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
            claim_id=inputs.text(claim_id, "claim_id"),
            replacement=inputs.text(replacement, "replacement"),
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
        with self.store.transaction() as connection:
            old = q.claim(connection, claim_id)
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
        on a date (reports published by then). At most one of the three may be given.

        `recorded_before` is a time with a zone; `known_on` a date (the whole day, UTC) or a
        time with a zone; either may be an ISO 8601 string."""
        inputs.text(figure, "figure")
        chosen = [x for x in (at_position, recorded_before, known_on) if x is not None]
        if len(chosen) > 1:
            raise InvalidInputError(
                "at_position", "give at most one of at_position, recorded_before, known_on"
            )
        if at_position is not None:
            at_position = inputs.position(at_position, "at_position")
        before = inputs.optional_time(recorded_before, "recorded_before")
        day = None if known_on is None else inputs.day_or_time(known_on, "known_on")
        with self.store.transaction() as connection:
            head = q.checkpoint(connection)
            self._need_figure(connection, figure)
            if before is not None:
                at_position = q.position_before(connection, before)
            changed_by: EventRef | None
            claims_at: ClaimsAt | None = None
            if at_position is not None:
                position = at_position = min(at_position, head)

                def claims_at(key: str) -> list[ClaimView]:
                    return q.claims_as_of(connection, key, position=position)

                changed_by = q.last_change(connection, figure, at_position)
            elif day is not None:
                last = end_of(day)

                def claims_at(key: str) -> list[ClaimView]:
                    return q.claims_as_of(connection, key, known_on=last)

                changed_by, position = None, head
            else:  # now: the claims as they stand, and the event behind the stored headline
                changed_by, position = q.changed_by(connection, figure), head
            fresh = reading.compute(connection, figure, claims_at)
        return _stamped(fresh, changed_by, position)

    def history(
        self, figure: str, *, after: int | None = None, limit: int | None = None
    ) -> list[EstimateChange]:
        """The changes of a figure's estimate, oldest first, each with before, after and its
        causes: all of them, or (keyset pages) the first `limit` after position `after`.
        The next page starts after the last entry's `position`."""
        inputs.text(figure, "figure")
        if after is not None:
            after = inputs.position(after, "after")
        if limit is not None and inputs.position(limit, "limit") == 0:
            raise InvalidInputError("limit", "must be 1 or more")
        with self.store.transaction() as connection:
            self._need_figure(connection, figure)
            return q.history(connection, figure, after=after, limit=limit)

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
                found[key] = reading.compute(connection, key, claims=claims)
            for key in changes.keys() - found.keys():  # figures without claims: no data
                found[key] = reading.compute(connection, key, claims=[])
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
        inputs.text(figure, "figure")
        with self.store.transaction() as connection:
            self._need_figure(connection, figure)
            return q.claims(connection, figure)

    def claim(self, claim_id: str) -> ClaimView:
        """One claim, with where it stands now."""
        inputs.text(claim_id, "claim_id")
        with self.store.transaction() as connection:
            found = q.claim(connection, claim_id)
        if found is None:
            raise UnknownClaimError(claim_id, "claim_id")
        return found

    def report(self, report_id: str) -> ReportView:
        """A filed report as recorded — outlet, publication time, title, URL, channel,
        content hash — with its claims, each with where it stands now."""
        inputs.text(report_id, "report_id")
        with self.store.transaction() as connection:
            found = q.report(connection, report_id)
            if found is None:
                raise UnknownReportError(
                    report_id, "report_id", q.suggest_report(connection, report_id)
                )
            claims = q.claims_of_report(connection, report_id)
        filed, position = found
        return ReportView(
            report_id=filed.report_id,
            outlet=filed.outlet,
            published_at=filed.published_at,
            title=filed.title,
            url=filed.url,
            channel=filed.channel,
            content_hash=filed.content_hash,
            claims=tuple(claims),
            position=position,
        )

    def source(self, source_id: str) -> SourceView:
        """A registered source with what it said: the claims it originated, the claims it
        carried as an outlet (each with where it stands now), and the compensating events
        (retractions, supersessions, disputes, refutations) it issued."""
        inputs.text(source_id, "source_id")
        with self.store.transaction() as connection:
            found = q.source(connection, source_id)
            if found is None:
                raise UnknownSourceError(
                    source_id, "source_id", q.suggest_source(connection, source_id)
                )
            originated = q.claims_originated(connection, source_id)
            carried = q.claims_carried(connection, source_id)
            issued = q.changes_issued(connection, source_id)
        return SourceView(
            source=found,
            originated=tuple(originated),
            carried=tuple(carried),
            compensations=tuple(
                CompensationView(
                    type=change.type,
                    claim_id=claim_id,
                    figure=key,
                    by=source_id,
                    reason=change.reason or "",
                    evidence=change.evidence,
                    replacement=change.replacement,
                    published_at=change.published_at,
                    position=change.position,
                )
                for claim_id, key, change in issued
            ),
        )

    def events(self, after: int = 0) -> Iterator[LedgerEvent]:
        """Every event after a position, decoded, lazily."""
        inputs.position(after, "after")
        return self._events(after)

    def _events(self, after: int) -> Iterator[LedgerEvent]:
        for stored in self.store.read_all(after):
            yield _ledger_event(stored)

    def head(self) -> int:
        """The last position in the log."""
        return self.store.head()[0]

    def anchor(self, at: int | None = None) -> Anchor:
        """The hash the log has at position `at` (default: its head), to publish somewhere
        the database's operator cannot rewrite; `str(anchor)` is `HASH@POSITION`. A later
        `verify(expect=[anchor])` fails unless the log still has that hash there."""
        if at is None:
            position, head_hash = self.store.head()
            return Anchor(hash=head_hash, position=position)
        if isinstance(at, bool) or not isinstance(at, int) or at < 0:
            raise InvalidInputError("at", "must be a position: an integer, 0 or more")
        digest = self._hash_at(at)
        if digest is None:
            raise InvalidInputError("at", f"the log ends at position {self.head()}, before {at}")
        return Anchor(hash=digest, position=at)

    def verify(
        self,
        expect: Iterable[Anchor | str] = (),
        *,
        deep: bool = False,
        content: bool = True,
    ) -> VerifyResult:
        """Check the hash chain end to end, then what a chain cannot show by itself.

        The chain proves nothing inside the log was changed, removed or reordered; the
        first bad position is named. Then: the read model must not have applied more than
        the log holds (else events were removed from its end); each anchor of `expect`
        (an `Anchor` or `"HASH@POSITION"`, from `anchor()`) must still hold, which catches
        a removed tail and a rewritten, self-consistent chain; with `content` (the
        default), every event must pass the ledger's own rules — a fold over the log
        alone into a scratch read model, never trusting the stored one; and with `deep`,
        the read model is rebuilt from the log in a transaction that is rolled back and
        compared with the stored one, naming the first differing table, row and column.
        See `VerifyResult` for the problems reported.
        """
        anchors = anchors_of(expect, "expect")
        inputs.flag(deep, "deep")
        inputs.flag(content, "content")
        result = self.store.verify()
        if result.ok:
            result = self._check_beyond_the_chain(result, anchors, deep=deep, content=content)
        log.info(
            "checked",
            ok=result.ok,
            anchors=len(result.anchors),
            deep=result.deep,
            problem=result.problem,
            bad_position=result.bad_position,
        )
        return result

    def _check_beyond_the_chain(
        self, chain: VerifyResult, anchors: list[Anchor], *, deep: bool, content: bool
    ) -> VerifyResult:
        def failed(problem: str, detail: str, position: int | None = None) -> VerifyResult:
            return replace(chain, ok=False, bad_position=position, problem=problem, detail=detail)

        with self.store.transaction() as connection:
            applied = q.checkpoint(connection)  # first: a later commit only lengthens the log
            head = q.head_position(connection)
        if applied > head:
            return failed("events removed", str(LogTruncatedError(applied, head)), head + 1)
        for anchor in anchors:
            digest = self._hash_at(anchor.position)
            if digest is None:
                head = self.head()
                detail = (
                    f"the anchor {anchor} is at position {anchor.position} but the log ends "
                    f"at {head}: events were removed"
                )
                return failed("events removed", detail, head + 1)
            if digest != anchor.hash:
                detail = (
                    f"position {anchor.position} has hash {digest}, not the anchored "
                    f"{anchor.hash}: the log was rewritten at or before it"
                )
                return failed("anchor mismatch", detail, anchor.position)
        if content and (fault := first_fault(self.store.read_all())) is not None:
            log.warning("log content invalid", position=fault.position, reason=fault.reason)
            return failed("content invalid", fault.reason, fault.position)
        if deep:
            differences = self._rebuilt_differences()
            if differences:
                return failed("read model differs", "; ".join(differences))
        return replace(chain, anchors=tuple(anchors), deep=deep, content=content)

    def _hash_at(self, position: int) -> str | None:
        """The hash of the event at `position` (GENESIS at 0); None beyond the head."""
        if position == 0:
            return GENESIS
        for event in self.store.read_all(position - 1, batch_size=1):
            return event.hash if event.position == position else None
        return None

    def _rebuilt_differences(self) -> list[str]:
        """Rebuild the read model from the log inside a savepoint that is rolled back, and
        name where it differs from the stored one (under the writer's lock: both are of
        the same log)."""
        with self.store.transaction(write=True) as connection:
            stored = q.dump(connection)
            savepoint = connection.begin_nested()
            try:
                _rebuild(connection, Projector())  # its own memory: nothing of it outlives
                rebuilt = q.dump(connection)
            finally:
                savepoint.rollback()
        return q.differences(stored, rebuilt)

    def catch_up(self) -> int:
        """Bring the read model up to the log (after a migration emptied it, or events were
        appended without their projection); returns how many events it was behind (0:
        nothing done).

        A read model *ahead* of the log is evidence that events were removed: it is never
        rebuilt over. A warning says so, nothing is done, and the result is negative (how
        many events are missing); `verify()` reports it. A log holding an event the
        ledger's rules refuse opens read-only: the read model is brought up to the event
        before it, and every write raises `LogDamagedError`."""
        with self.store.transaction() as connection:
            applied = q.checkpoint(connection)  # first: a later commit only lengthens the log
            head = q.head_position(connection)
        if applied > head:
            log.warning(
                "read model ahead of the log: events were removed; not rebuilding",
                applied=applied,
                head=head,
            )
        elif applied < head:
            log.warning("read model behind the log; catching up", behind=head - applied)
            try:
                self._catch_up()
            except LogDamagedError as damage:
                # Keep what can be read: the read model up to the event before the bad one.
                log.error("log damaged; opening read-only", position=damage.position)
                self.damage = damage
                self._catch_up(until=damage.position - 1)
        return head - applied

    def _catch_up(self, until: int | None = None) -> None:
        """Under the writers' lock, look again (another process may have caught up first),
        then rebuild the read model when it is empty (a migration emptied it), or project
        the events appended after its checkpoint without their projection — checked by the
        rules, as they never were."""
        with self.store.transaction(write=True) as connection:
            applied = q.checkpoint(connection)
            if until is None and applied >= q.head_position(connection):
                return
            if applied == 0:
                _rebuild(connection, self._projector, until=until)
                return
            events = rows_after(connection, applied)
            if until is not None:
                events = itertools.takewhile(lambda e: e.position <= until, events)
            try:
                apply_checked(connection, self._projector, events)
            except ContentError as error:
                raise LogDamagedError(error.fault.position, error.fault.reason) from error

    def replay(
        self,
        *,
        check: bool = True,
        progress: Progress | None = None,
        accept_truncation: bool = False,
    ) -> ReplayResult:
        """Rebuild every projection from position 0. With `check`, compare the rebuilt read
        model with the one kept live and report any difference.

        A read model ahead of the log (events were removed) raises `LogTruncatedError`
        and nothing is rebuilt, unless `accept_truncation`: the rebuild then erases that
        evidence. An event that cannot be applied raises `LogDamagedError` and changes
        nothing."""
        inputs.flag(check, "check")
        inputs.callback(progress, "progress")
        started = time.perf_counter()
        with self.store.transaction(write=True) as connection:
            applied, total = q.checkpoint(connection), q.head_position(connection)
            if applied > total and not accept_truncation:
                raise LogTruncatedError(applied, total)
            before = q.dump(connection) if check else None
            count = _rebuild(connection, self._projector, progress)
            after = q.dump(connection) if check else None
            figures = len(q.figure_keys(connection))
        if progress:
            progress(count, total)
        differences: tuple[str, ...] = ()
        if before is not None and after is not None:
            differences = tuple(q.differences(before, after))
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
        if self.damage is not None:
            raise LogDamagedError(self.damage.position, self.damage.reason)
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
            raise UnknownFigureError(figure, "figure", nearest_figure(connection, figure))


def open(
    url: str | None = None,
    *,
    actor: str | None = None,
    synchronous: str = "FULL",
    lock_timeout: float | None = None,
) -> Ledger:
    """Open (and create or migrate to the newest schema) the ledger at `url`.

    `url`: `sqlite:///path.db` (default: `LEDGER_DATABASE_URL`, else ./ledger.db),
    `sqlite://` for a throw-away in-memory ledger, or `postgresql://user@host/db`.
    `synchronous`: SQLite's durability setting (OFF, NORMAL, FULL or EXTRA).
    `lock_timeout`: seconds a write waits for the writers' lock before `LockTimeoutError`
    (default: `LEDGER_LOCK_TIMEOUT`, else 10).
    """
    inputs.optional_text(url, "url")
    inputs.optional_text(actor, "actor")
    if inputs.text(synchronous, "synchronous").upper() not in SYNCHRONOUS:
        raise InvalidInputError("synchronous", f"must be one of {', '.join(SYNCHRONOUS)}")
    if not structlog.is_configured():
        configure_logging()
    store = SQLStore(
        url or default_url(),
        synchronous=synchronous,
        lock_timeout=lock_timeout if lock_timeout is not None else default_lock_timeout(),
    )
    log.debug("opened", url=masked(store.url), dialect=store.dialect)
    opened = Ledger(store, actor=actor)
    opened.catch_up()
    return opened


SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
"""SQLite's `PRAGMA synchronous` levels `open` accepts."""


def _rebuild(
    connection: Any,
    projector: Projector,
    progress: Progress | None = None,
    *,
    until: int | None = None,
) -> int:
    """Empty the read model and fold the log into it again (up to `until`), in the batches
    it was appended in; returns the number of events applied. An event that cannot be
    applied raises `LogDamagedError`."""
    total = (q.head_position(connection) if until is None else until) if progress else 0
    projector.reset(connection)
    try:
        return replay_fold(
            connection,
            projector,
            scan(connection, 0, until),
            progress=(lambda n: progress(n, total)) if progress else None,
        )
    except ContentError as error:
        raise LogDamagedError(error.fault.position, error.fault.reason) from error


def anchors_of(expect: Iterable[Anchor | str] | Anchor | str, field: str) -> list[Anchor]:
    """Anchors given as `Anchor`s or `HASH@POSITION` texts (one, or an iterable of them)."""
    if isinstance(expect, Anchor | str):
        expect = [expect]
    try:
        items = list(expect)
    except TypeError as error:
        raise InvalidInputError(field, "must be a list of anchors (HASH@POSITION)") from error
    return [
        item if isinstance(item, Anchor) else Anchor.parse(item, f"{field}[{index}]")
        for index, item in enumerate(items)
    ]


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
    "Anchor",
    "CompensationView",
    "Ledger",
    "LedgerEvent",
    "Progress",
    "RecordedClaim",
    "RecordedEvent",
    "RecordedReport",
    "ReplayResult",
    "ReportView",
    "SourceView",
    "anchors_of",
    "default_lock_timeout",
    "default_url",
    "open",
]
