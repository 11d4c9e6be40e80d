"""Replay: rebuilding every projection from position 0 gives exactly the live state."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ledger
from ledger import Claim, EstimateSummary, Report, SourceKind
from ledger.domain.events import SourceRegistered
from ledger.projections.projector import Projector
from ledger.projections.tables import READ_MODEL
from ledger.service.mapper import to_new_event
from ledger.service.seeds import load_seeds
from ledger.store import migrate
from ledger.store.record import NewEvent
from ledger.store.sql import create_engine
from tests.conftest import fresh_postgres_schema, postgres_server_url
from tests.strategies import (
    LEDGER_BODIES,
    LEDGER_FIGURES,
    LEDGER_PARENTS,
    LEDGER_SOURCES,
    ledger_operations,
)


@pytest.fixture
def ledger_url(database_url: str) -> str:
    """SQLite and PostgreSQL only: rebuilds of the SQL read model and its indexes."""
    return database_url


Operations = list[tuple[str, dict[str, object]]]


def run(lg: ledger.Ledger, operations: Operations, joins: Sequence[bool] = ()) -> None:
    """Apply `operations` through the API; refused ones must leave no trace. A report whose
    `joins` flag is set is appended in one transaction (one batch) with the reports before
    it, so the live batches are arbitrary."""
    lg.register_source("gov", name="Government", kind="government")
    for source in LEDGER_SOURCES:
        lg.register_source(
            source, name=source.title(), kind="media", parent=LEDGER_BODIES.get(source)
        )
    for key in LEDGER_FIGURES:
        kind = "level" if "troops" in key else "cumulative"
        lg.define_figure(key, kind=kind, parent=LEDGER_PARENTS.get(key))
    claim_ids: list[str] = []
    batch: list[Report] = []

    def refusable(call: Callable[[], object], what: str) -> None:
        head = lg.head()
        try:
            call()
        except ledger.LedgerError:
            assert lg.head() == head, f"a refused {what} appended events"

    def flush() -> None:
        if batch:
            reports = list(batch)
            refusable(lambda: lg.append_reports(reports), "batch")
            batch.clear()

    for index, (kind, args) in enumerate(operations):
        if kind == "report" and joins:
            if not (index < len(joins) and joins[index]):
                flush()
            batch.append(report_of(args, claim_ids))
            claim_ids.extend(claim.claim_id for claim in batch[-1].claims)
            continue
        flush()
        refusable(lambda: apply(lg, kind, args, claim_ids), kind)  # noqa: B023
    flush()


def report_of(args: dict[str, object], claim_ids: list[str]) -> Report:
    """A report operation's report; relays name earlier claims by index."""
    items = args["claims"]
    assert isinstance(items, list)
    day = args["day"]
    assert isinstance(day, int)
    claims = [
        Claim(
            figure=item["figure"],
            value=item["value"],
            origin=item["origin"],
            as_of=date(2022, 1, item["day"]),
            derived_from=claim_ids[item["relay_of"]] if item["relay_of"] is not None else None,
        )
        for item in items
    ]
    published = datetime(2022, 1, day, 12, tzinfo=UTC)
    return Report(outlet="wire", published_at=published, claims=claims)


def apply(lg: ledger.Ledger, kind: str, args: dict[str, object], claim_ids: list[str]) -> None:
    if kind == "report":
        recorded = lg.append_report(report_of(args, claim_ids))
        claim_ids.extend(c.claim_id for c in recorded.claims)
        return
    target = claim_ids[int(str(args["target"]))]
    other = claim_ids[int(str(args["other"]))]
    by = str(args["by"])
    if kind == "supersede":
        lg.supersede(target, replacement=other, by=by)
    elif kind == "correct":
        claim_ids.append(lg.correct(target, value="at least 7", reason="extraction").claim_id)
    elif kind == "retract_report":
        lg.retract_report(lg.claim(target).report_id, by=by, reason="withdrawn")
    else:
        getattr(lg, kind)(target, by=by, reason="questioned")


def check_replay(url: str, operations: Operations, joins: Sequence[bool] = ()) -> None:
    with ledger.open(url) as lg:
        run(lg, operations, joins)
        live = {f.figure: lg.estimate(f.figure) for f in lg.figures()}
        # The headline the projection stored is that of the provenance a reader rebuilds,
        # and the last history entry names the event the estimate says changed it.
        stored = lg.summaries()
        assert stored == {key: EstimateSummary.of(estimate) for key, estimate in live.items()}
        assert lg.estimates() == [live[key] for key in sorted(live)]
        for key, estimate in live.items():
            last = lg.history(key)[-1]
            assert (last.after, last.cause.event) == (stored[key], estimate.provenance.changed_by)
            # Rebuilt from the claims alone (nested figures too), the headline is the same.
            rebuilt = lg.estimate(key, at_position=lg.head())
            assert EstimateSummary.of(rebuilt) == stored[key]
        result = lg.replay()
        assert result.identical, result.differences
        assert {f.figure: lg.estimate(f.figure) for f in lg.figures()} == live
        assert lg.verify().ok


class TestReplayEqualsLive:
    @settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
    @given(operations=ledger_operations())
    def test_on_sqlite_for_arbitrary_event_sequences(self, operations: Operations) -> None:
        """For any sequence of reports and compensating events, rebuilt == live (SQLite)."""
        check_replay("sqlite://", operations)

    @settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow])
    @given(operations=ledger_operations(), joins=st.lists(st.booleans(), max_size=12))
    def test_in_memory_for_arbitrary_event_sequences(
        self, operations: Operations, joins: list[bool]
    ) -> None:
        """The same property holds for a ledger in memory: its replay folds the log into
        a fresh read model, equal to the one kept live, whatever the live batches."""
        check_replay("memory://", operations, joins or [False])

    @settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
    @given(operations=ledger_operations(), joins=st.lists(st.booleans(), max_size=12))
    def test_history_is_the_live_one_whatever_the_live_batches(
        self, operations: Operations, joins: list[bool]
    ) -> None:
        """Reports appended in arbitrary batches (several per transaction): the rebuilt
        history has the live one's entries, one per figure per batch, with their causes."""
        check_replay("sqlite://", operations, joins or [False])

    def test_on_postgresql_for_arbitrary_event_sequences(self) -> None:
        """The same property holds on PostgreSQL (fewer examples: each needs a schema)."""
        postgres_server_url()  # skips, or fails under CI, before hypothesis starts

        @settings(max_examples=8, suppress_health_check=[HealthCheck.too_slow])
        @given(operations=ledger_operations())
        def prop(operations: Operations) -> None:
            with fresh_postgres_schema() as url:
                check_replay(url, operations)

        prop()


class TestCatchUp:
    def test_opening_a_ledger_whose_read_model_lags_rebuilds_it(self, sqlite_url: str) -> None:
        """Events appended behind the projector's back are projected when the ledger opens."""
        with ledger.open(sqlite_url) as lg:
            lg.register_source("wire", name="Wire", kind="media")
        with ledger.open(sqlite_url) as lg:
            assert lg.catch_up() == 0
            event = SourceRegistered(source_id="late", name="Late", kind=SourceKind.MEDIA)
            lg.store.append([to_new_event(event, {"batch": "b"})])  # no projector hook
            assert [s.source_id for s in lg.sources()] == ["wire"]
        with ledger.open(sqlite_url) as lg:
            assert [s.source_id for s in lg.sources()] == ["late", "wire"]
            assert lg.catch_up() == 0

    def test_upgrading_from_the_stored_provenance_schema_rebuilds_the_read_model(
        self, database_url: str
    ) -> None:
        """Migration 0003 empties the read model of a ledger kept by 0002; opening the
        ledger rebuilds it from the log, to the same estimates and history."""
        with ledger.open(database_url) as lg:
            load_seeds(lg)
            estimates = lg.estimates()
            histories = {e.figure: lg.history(e.figure) for e in estimates}
        engine = create_engine(database_url)
        migrate.downgrade(engine, "0002")
        engine.dispose()

        with ledger.open(database_url) as lg:
            assert lg.estimates() == estimates
            assert {e.figure: lg.history(e.figure) for e in estimates} == histories
            assert lg.replay().identical

    def test_upgrading_to_claim_origins_rebuilds_notes_and_evidence(
        self, database_url: str
    ) -> None:
        """Migration 0005 empties a read model kept by 0004; opening the ledger rebuilds it
        with each claim's note and the evidence of its standing."""
        with ledger.open(database_url) as lg:
            load_seeds(lg)
            claims = {e.figure: lg.claims(e.figure) for e in lg.estimates()}
        engine = create_engine(database_url)
        migrate.downgrade(engine, "0004")
        engine.dispose()

        with ledger.open(database_url) as lg:
            assert {key: lg.claims(key) for key in claims} == claims
            assert lg.claim("telegram-killed-164").status_evidence
            assert lg.source("kz-information-ministry").compensations
            assert lg.replay().identical


def read_model_indexes(lg: ledger.Ledger) -> dict[str, list[str]]:
    """Every index of the read model's tables, by table."""
    with lg.store.transaction() as connection:
        inspector = sa.inspect(connection)
        return {
            table.name: sorted(str(i["name"]) for i in inspector.get_indexes(table.name))
            for table in READ_MODEL
        }


class TestRebuild:
    def test_a_rebuild_leaves_every_index_and_headline_in_place(
        self, seeded: ledger.Ledger
    ) -> None:
        """A rebuild builds some indexes only at its end (on SQLite) and writes each
        headline once: afterwards the schema and the read model are what they were."""
        indexes = read_model_indexes(seeded)
        assert "ix_claims_figure_root_origin" in indexes["claims"]

        result = seeded.replay(check=True)

        assert result.identical, result.differences
        assert read_model_indexes(seeded) == indexes

    def test_a_refused_rebuild_changes_nothing(self, seeded: ledger.Ledger) -> None:
        """A rebuild that meets a row the rules refuse rolls back whole: the indexes it
        dropped to build at its end, and the headlines, are still there."""
        indexes = read_model_indexes(seeded)
        before = seeded.summaries()
        seeded.store.append(
            [
                NewEvent(
                    stream_id="forged:1",
                    type="ClaimVanished",
                    payload={"claim_id": "rferl-killed-164"},
                    metadata={"batch": "x"},
                )
            ]
        )

        with pytest.raises(ledger.LogDamagedError):
            seeded.replay(check=False)

        assert read_model_indexes(seeded) == indexes
        assert seeded.summaries() == before

    def test_on_sqlite_a_rebuild_folds_with_a_small_page_cache(
        self, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A rebuild keeps its memory bounded: its connection's page cache is SQLite's
        default 2 MiB while it folds, and the 64 MiB appends get once it is done."""
        seen: list[int] = []
        handle = Projector.handle

        def watched(self: Projector, connection: sa.Connection, *args: Any, **kw: Any) -> None:
            seen.append(connection.exec_driver_sql("PRAGMA cache_size").scalar_one())
            handle(self, connection, *args, **kw)

        with ledger.open(sqlite_url) as lg:
            load_seeds(lg)
            monkeypatch.setattr(Projector, "handle", watched)
            assert lg.replay(check=False).events > 0
            with lg.store.transaction() as connection:
                after = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()

        assert set(seen) == {-2 * 1024}
        assert after == -64 * 1024

    def test_on_sqlite_a_rebuild_restores_an_index_that_went_missing(self, sqlite_url: str) -> None:
        """The indexes a rebuild builds at its end are dropped only if present, so a ledger
        missing one (dropped by hand) still rebuilds, and has it again afterwards."""
        with ledger.open(sqlite_url) as lg:
            load_seeds(lg)
            indexes = read_model_indexes(lg)
            with lg.store.transaction(write=True) as connection:
                connection.exec_driver_sql("DROP INDEX ix_claims_origin")
            assert "ix_claims_origin" not in read_model_indexes(lg)["claims"]

            assert lg.replay(check=True).identical

            assert read_model_indexes(lg) == indexes
