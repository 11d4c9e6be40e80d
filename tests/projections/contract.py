"""The contract every read model keeps, in SQL or in memory.

`ReadModelContract` is run against each backend by subclassing it and providing a `parts`
fixture: a store and a read model kept with it (tests/projections/test_memory.py,
test_sqlite.py, test_postgres.py). Events go in as the service appends them — through the
store's hook, inside `appending()` — and come out through `reading()`. The read model in
memory passing it is what makes the service's tests on memory worth trusting.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from ledger.domain.events import (
    ClaimAsserted,
    ClaimDisputed,
    ClaimRetracted,
    Event,
    FigureDefined,
    ReportFiled,
    SourceRegistered,
)
from ledger.domain.model import Claim, Figure, FigureKind, Report, Source, SourceKind
from ledger.errors import (
    AlreadyExistsError,
    NotEntitledError,
    ReadModelBehindError,
    UnknownClaimError,
    UnknownFigureError,
)
from ledger.projections.read_model import ReadModel
from ledger.service.commands import report_events
from ledger.service.mapper import to_new_event
from ledger.store.record import EventStore, StoredEvent

FIGURE = "quake/killed/country"
CITY = "quake/killed/city"
DAY = date(2023, 2, 7)
PUBLISHED = datetime(2023, 2, 7, 12, tzinfo=UTC)


class Refused(Exception):
    """Raised by a test from inside an append, after the read model applied a batch."""


@dataclass
class Parts:
    """A store and the read model kept with it, appended to as the service appends."""

    store: EventStore
    model: ReadModel

    def append(self, *events: Event) -> list[StoredEvent]:
        """Append `events` as one batch, the read model applying them in the append."""
        return self.append_chunks([list(events)])

    def append_chunks(self, chunks: list[list[Event]], *, fail: bool = False) -> list[StoredEvent]:
        """Append chunks in one transaction (`fail`: refuse it after the last chunk)."""
        written: list[StoredEvent] = []
        metadata = {"batch": str(uuid.uuid4())}
        pending = list(chunks)

        def hook(unit: object, stored: list[StoredEvent]) -> None:
            self.model.apply(unit, list(zip(stored, pending.pop(0), strict=True)))
            written.extend(stored)
            if fail and not pending:
                raise Refused

        records = [[to_new_event(e, metadata) for e in chunk] for chunk in chunks]
        with self.model.appending():
            self.store.append_chunks(iter(records), on_append=hook)
        return written


def source(source_id: str, parent: str | None = None) -> SourceRegistered:
    return SourceRegistered(source_id=source_id, name=source_id.title(), kind="ngo", parent=parent)


def figure(key: str = FIGURE, parent: str | None = None) -> FigureDefined:
    return FigureDefined(figure=key, unit="people", kind="cumulative", parent=parent)


def report(
    *claims: tuple[str, str], key: str = FIGURE, derived_from: str | None = None
) -> list[Event]:
    """The events of a report by the wire of claims (value, origin) of one figure."""
    filed = Report(
        outlet="wire",
        published_at=PUBLISHED,
        claims=[
            Claim(figure=key, value=v, origin=o, as_of=DAY, derived_from=derived_from)
            for v, o in claims
        ],
    )
    return report_events(filed, "")


def claim_ids(events: list[Event]) -> list[str]:
    return [e.claim_id for e in events if isinstance(e, ClaimAsserted)]


class ReadModelContract:
    """What every read model does; subclasses provide the `parts` fixture."""

    @pytest.fixture
    def book(self, parts: Parts) -> Parts:
        """A read model holding a ministry (of a government), a monitor, the wire and a
        figure with a child."""
        parts.append(
            source("government"),
            source("ministry", parent="government"),
            source("monitor"),
            source("wire"),
            figure(),
            figure(CITY, parent=FIGURE),
        )
        return parts

    def test_an_empty_read_model_holds_nothing(self, parts: Parts) -> None:
        """Before any event: checkpoint 0, no sources, figures, claims or headlines."""
        with parts.model.reading() as reads:
            assert reads.checkpoint() == 0
            assert (reads.sources(), reads.figures(), reads.summaries()) == ([], [], {})
            assert reads.claim("nothing") is None
            assert reads.figure(FIGURE) is None
            assert reads.claims(FIGURE) == []
            assert list(reads.claims_by_figure()) == []
            assert reads.history(FIGURE) == []

    def test_sources_and_figures_read_back_as_registered(self, book: Parts) -> None:
        """Sources and figures come back as the events registered them, by key."""
        with book.model.reading() as reads:
            assert reads.checkpoint() == 6
            assert [s.source_id for s in reads.sources()] == [
                "government",
                "ministry",
                "monitor",
                "wire",
            ]
            assert reads.source("ministry") == Source(
                source_id="ministry", name="Ministry", kind=SourceKind.NGO, parent="government"
            )
            assert reads.figure(CITY) == Figure(
                figure=CITY, unit="people", kind=FigureKind.CUMULATIVE, parent=FIGURE
            )
            assert [f.figure for f in reads.children(FIGURE)] == [CITY]
            assert reads.nearest_source("minstry") == "ministry"
            assert reads.nearest_figure(FIGURE + "s") == FIGURE

    def test_claims_and_their_report_read_back(self, book: Parts) -> None:
        """A report's claims read back by id, figure, report, origin and outlet."""
        events = report(("at least 10", "ministry"), ("12", "monitor"))
        stored = book.append(*events)
        first, second = claim_ids(events)
        with book.model.reading() as reads:
            assert reads.checkpoint() == stored[-1].position
            assert isinstance(events[0], ReportFiled)
            filed = reads.report(events[0].report_id)
            assert filed is not None
            assert filed[1] == stored[0].position
            assert reads.has_report(filed[0].report_id)
            assert [c.claim_id for c in reads.claims(FIGURE)] == [first, second]
            assert [c.claim_id for c in reads.claims_of_report(filed[0].report_id)] == [
                first,
                second,
            ]
            assert [c.claim_id for c in reads.claims_originated("monitor")] == [second]
            assert [c.claim_id for c in reads.claims_carried("wire")] == [first, second]
            view = reads.claim(first)
            assert view is not None
            assert (view.value, view.position) == ("at least 10", 8)
            assert [key for key, _ in reads.claims_by_figure()] == [FIGURE]

    def test_a_headline_and_its_history_follow_each_batch(self, book: Parts) -> None:
        """Each batch that moves a figure stores its headline and one history entry
        naming the batch's events; the nesting carries a child's low to its parent."""
        book.append(*report(("at least 10", "ministry")))
        stored = book.append(*report(("25", "monitor"), key=CITY))
        with book.model.reading() as reads:
            city, country = reads.summary(CITY), reads.summary(FIGURE)
            assert city is not None
            assert (city.low, city.best, city.high) == (25, 25, 25)
            assert country is not None
            assert country.low == 25
            history = reads.history(FIGURE)
            assert next(entry.changed for entry in history) == ("defined",)
            assert history[-1].cause.via == CITY
            assert reads.changed_by(FIGURE) == history[-1].cause.event
            assert reads.last_change(FIGURE, stored[0].position - 1) == history[-2].cause.event
            assert reads.history(FIGURE, after=history[0].position, limit=1) == history[1:2]
            assert set(reads.summaries()) == set(reads.changes_by_figure()) == {FIGURE, CITY}

    def test_a_retraction_withdraws_the_claim_and_its_relays(self, book: Parts) -> None:
        """A retraction changes the claim's standing and withdraws the claims relaying
        it; as of the position before, both stood; the issuer's changes read back."""
        original = report(("164", "ministry"))
        book.append(*original)
        (claim_id,) = claim_ids(original)
        relay = report(("164", "ministry"), derived_from=claim_id)
        before = book.append(*relay)[-1].position
        (relay_id,) = claim_ids(relay)
        retraction = ClaimRetracted(
            claim_id=claim_id, by="ministry", reason="a technical error", published_at=PUBLISHED
        )
        book.append(retraction)
        with book.model.reading() as reads:
            retracted, relayed = reads.claim(claim_id), reads.claim(relay_id)
            assert retracted is not None
            assert retracted.status == "retracted"
            assert relayed is not None
            assert relayed.withdrawn_via == claim_id
            then = reads.claims_as_of(FIGURE, position=before)
            assert [(c.status, c.withdrawn_via) for c in then] == [("active", None)] * 2
            issued = reads.changes_issued("ministry")
            assert [(c, key, change.type) for c, key, change in issued] == [
                (claim_id, FIGURE, "ClaimRetracted")
            ]
            summary = reads.summary(FIGURE)
            assert summary is not None
            assert summary.best is None

    def test_as_known_on_a_day_leaves_out_what_was_published_later(self, book: Parts) -> None:
        """Claims published after the day, and changes published after it, are left out."""
        events = report(("12", "monitor"))
        book.append(*events)
        (claim_id,) = claim_ids(events)
        book.append(
            ClaimDisputed(
                claim_id=claim_id,
                by="ministry",
                reason="doubts",
                published_at=datetime(2023, 2, 9, tzinfo=UTC),
            )
        )
        with book.model.reading() as reads:
            assert reads.claims_as_of(FIGURE, known_on=datetime(2023, 2, 6, tzinfo=UTC)) == []
            (seen,) = reads.claims_as_of(FIGURE, known_on=datetime(2023, 2, 8, tzinfo=UTC))
            assert seen.status == "active"
            (now,) = reads.claims(FIGURE)
            assert now.status == "disputed"

    def test_position_before_a_time(self, book: Parts) -> None:
        """The last position recorded before a moment: none before the first event."""
        stored = book.append(*report(("12", "monitor")))
        with book.model.reading() as reads:
            assert reads.position_before(datetime(2000, 1, 1, tzinfo=UTC)) == 0
            assert reads.position_before(stored[-1].recorded_at) < stored[-1].position
            later = datetime(9999, 1, 1, tzinfo=UTC)
            assert reads.position_before(later) == stored[-1].position

    @pytest.mark.parametrize(
        ("bad", "error"),
        [
            (lambda: [source("monitor")], AlreadyExistsError),
            (lambda: report(("3", "ministry"), key="quake/unknown"), UnknownFigureError),
            (lambda: report(("3", "ministry"), derived_from="no-such-claim"), UnknownClaimError),
            (
                lambda: [ClaimRetracted(claim_id="no-such-claim", by="ministry", reason="r")],
                UnknownClaimError,
            ),
        ],
        ids=["reused source", "unknown figure", "unknown derived_from", "unknown claim"],
    )
    def test_a_refused_batch_raises_the_typed_error_and_changes_nothing(
        self, book: Parts, bad: object, error: type[Exception]
    ) -> None:
        """The rules refuse a bad event with its typed error; the batch's earlier events
        are undone with it, and the read model reads as before."""
        book.append(*report(("12", "monitor")))
        with book.model.reading() as reads:
            before = (reads.checkpoint(), reads.sources(), reads.summaries(), reads.claims(FIGURE))
        assert callable(bad)
        with pytest.raises(error):
            book.append(*report(("20", "ministry")), *bad())
        with book.model.reading() as reads:
            after = (reads.checkpoint(), reads.sources(), reads.summaries(), reads.claims(FIGURE))
        assert after == before
        book.append(*report(("30", "monitor")))  # and it goes on from where it was

    def test_a_compensation_by_someone_not_entitled_is_refused(self, book: Parts) -> None:
        """Only the issuer retracts: a monitor retracting the ministry's claim is refused."""
        events = report(("164", "ministry"))
        book.append(*events)
        (claim_id,) = claim_ids(events)
        with pytest.raises(NotEntitledError):
            book.append(ClaimRetracted(claim_id=claim_id, by="monitor", reason="doubts"))

    def test_a_failed_append_undoes_every_chunk_it_applied(self, book: Parts) -> None:
        """Chunks appended in one transaction are undone together when it fails after
        the read model applied them."""
        with book.model.reading() as reads:
            before = (reads.checkpoint(), reads.summaries())
        with pytest.raises(Refused):
            book.append_chunks([report(("12", "monitor")), report(("20", "ministry"))], fail=True)
        with book.model.reading() as reads:
            assert (reads.checkpoint(), reads.summaries()) == before
            assert reads.claims(FIGURE) == []
        book.append(*report(("30", "monitor")))
        with book.model.reading() as reads:
            summary = reads.summary(FIGURE)
            assert summary is not None
            assert summary.best == 30

    def test_events_appended_without_their_projection_are_not_skipped(self, book: Parts) -> None:
        """A batch that does not start right after the checkpoint is refused: events were
        appended without the read model applying them."""
        book.store.append([to_new_event(source("behind"), {"batch": "b"})])
        with pytest.raises(ReadModelBehindError):
            book.append(source("after"))
