"""The projection writes claims and history entries from documents, not models: each
document reads back as exactly the model it stands for."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from ledger.domain.asserted import Relayed, claim_document, claim_row
from ledger.domain.estimate import ClaimView, EventRef, policy_claim
from ledger.domain.events import ClaimAsserted, ClaimRetracted, FigureDefined
from ledger.domain.history import Cause, cause_document, ref_document, time_json
from ledger.domain.model import FigureKind
from ledger.domain.quantity import parse_quantity
from ledger.projections import tables as t
from ledger.projections.statements import Sql

PUBLISHED = datetime(2022, 1, 9, 14, 30, 0, 123456, tzinfo=UTC)


def asserted(claim_id: str, value: str, derived_from: str | None = None) -> ClaimAsserted:
    return ClaimAsserted(
        claim_id=claim_id,
        report_id="r1",
        figure="kz/detained",
        value=value,
        quantity=parse_quantity(value),
        as_of=date(2022, 1, 9),
        origin="kz-interior-ministry",
        outlet="reuters",
        published_at=PUBLISHED,
        derived_from=derived_from,
        quote="at least 5,969 people were detained",
        note="from the ministry's briefing",
    )


def view(event: ClaimAsserted, position: int, parent: ClaimView | None) -> ClaimView:
    """The model as the projection used to build it."""
    return ClaimView(
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
        position=position,
        root_claim_id=parent.root_claim_id if parent else event.claim_id,
        root_origin=parent.root_origin if parent else event.origin,
        root_published_at=(parent.root_published_at or parent.published_at) if parent else None,
        root_position=(parent.root_position or parent.position) if parent else None,
    )


def test_a_claim_document_reads_back_as_its_view_and_its_policy_row() -> None:
    root = asserted("c1", "at least 5,969")
    root_view = view(root, 10, None)
    assert ClaimView.model_validate(claim_document(root, 10, None)) == root_view
    assert claim_row(root, 10, None) == policy_claim(root_view)
    relay = asserted("c2", "nearly 6,000", derived_from="c1")
    relay_view = view(relay, 12, root_view)
    relayed = Relayed.of(claim_row(root, 10, None))
    assert ClaimView.model_validate(claim_document(relay, 12, relayed)) == relay_view
    assert claim_row(relay, 12, relayed) == policy_claim(relay_view)
    again = asserted("c3", "about 6,000", derived_from="c2")
    again_view = view(again, 14, relay_view)
    relayed = Relayed.of(claim_row(relay, 12, relayed))
    assert ClaimView.model_validate(claim_document(again, 14, relayed)) == again_view


def test_cause_documents_read_back_as_causes() -> None:
    recorded = datetime(2022, 1, 10, tzinfo=UTC)
    event_id = str(uuid.uuid4())
    ref = ref_document(7, "ClaimRetracted", event_id, recorded)
    assert EventRef.model_validate(ref) == EventRef(
        position=7, event_type="ClaimRetracted", event_id=event_id, recorded_at=recorded
    )
    retracted = ClaimRetracted(claim_id="c1", by="kz-health-ministry", reason="post deleted")
    cause = Cause.model_validate(cause_document(ref, retracted, via="kz/detained/almaty"))
    assert cause.via == "kz/detained/almaty"
    assert cause.description == (
        "claim c1 retracted by kz-health-ministry: post deleted "
        "(in nested figure kz/detained/almaty)"
    )
    assert cause.by == "kz-health-ministry"
    claim = Cause.model_validate(cause_document(ref, asserted("c1", "164")))
    assert (claim.claim_id, claim.by, claim.published_at) == (
        "c1",
        "kz-interior-ministry",
        PUBLISHED,
    )
    assert claim.description == "reuters reported '164' from kz-interior-ministry (claim c1)"
    defined = FigureDefined(figure="kz/killed", unit="people", kind=FigureKind.CUMULATIVE)
    assert Cause.model_validate(cause_document(ref, defined)).description == (
        "figure kz/killed defined"
    )


def test_the_projection_binds_times_as_sqlalchemy_would() -> None:
    """The SQLite text of a time, written by hand on the hot path, is SQLAlchemy's own."""
    engine = sa.create_engine("sqlite://")
    with engine.connect() as connection:
        dialect = connection.dialect
        bind = t.claims.c.published_at.type.dialect_impl(dialect).bind_processor(dialect)
        assert bind is not None
        sql = Sql(connection)
        for moment in (
            PUBLISHED,
            datetime(2022, 1, 9, 14, 30, tzinfo=UTC),
            datetime.fromisoformat("2022-01-09T20:30:00.000001+06:00"),
            datetime(1, 1, 1, tzinfo=UTC),
        ):
            assert sql.time(moment) == bind(moment)


@given(st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=6)), None])))
def test_a_time_is_written_as_the_models_write_it(moment: datetime) -> None:
    assert time_json(moment) == TypeAdapter(datetime).dump_python(moment, mode="json")
