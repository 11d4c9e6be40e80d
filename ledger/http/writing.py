"""The write routes: sources, figures, reports and the compensating events. Each answers
with what it recorded and its position in a `Ledger-Position` header (`ledger.http.writer`)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict

from ledger.domain.model import Figure, Report, Source
from ledger.domain.values import AsOf, AwareDatetime
from ledger.http.recorded import CORRECTION, EVENT, EVENTS, FIGURE, REPORT, REPORTS, SOURCE
from ledger.http.writer import Administering, Appending
from ledger.service.results import RecordedClaim, RecordedEvent, RecordedReport

router = APIRouter(prefix="/v1", tags=["writing"])


class Compensation(BaseModel):
    """A retraction, dispute or refutation: the arguments of `Ledger.retract` and its kin."""

    model_config = ConfigDict(extra="forbid")

    by: str
    reason: str
    evidence: str | None = None
    published_at: AwareDatetime | None = None  # never a number read as seconds


class Supersession(Compensation):
    """`Ledger.supersede`'s arguments: the newer claim that replaces this one."""

    replacement: str
    reason: str = "the origin published a newer figure"


class Correction(BaseModel):
    """`Ledger.correct`'s arguments: the fields of the replacement claim that differ."""

    model_config = ConfigDict(extra="forbid")

    reason: str
    value: str | None = None
    figure: str | None = None
    as_of: AsOf | None = None
    origin: str | None = None
    quote: str | None = None
    derived_from: str | None = None
    evidence: str | None = None


@router.post("/sources", status_code=201, response_model=Source)
async def register_source(source: Source, writer: Administering) -> Response:
    """Register a source (admin scope)."""
    return await writer.write(
        source,
        lambda lg: lg.register_source(
            source.source_id,
            name=source.name,
            kind=source.kind,
            parent=source.parent,
            notes=source.notes,
        ),
        SOURCE,
    )


@router.post("/figures", status_code=201, response_model=Figure)
async def define_figure(figure: Figure, writer: Administering) -> Response:
    """Define a figure (admin scope)."""
    return await writer.write(
        figure,
        lambda lg: lg.define_figure(
            figure.figure,
            unit=figure.unit,
            kind=figure.kind,
            parent=figure.parent,
            description=figure.description,
        ),
        FIGURE,
    )


@router.post("/reports", status_code=201, response_model=RecordedReport | list[RecordedReport])
async def append_reports(body: Report | list[Report], writer: Appending) -> Response:
    """Record one report, or a list of reports in one transaction (all or none)."""
    if isinstance(body, Report):
        return await writer.write(body, lambda lg: lg.append_report(body), REPORT)
    return await writer.write(body, lambda lg: lg.append_reports(body), REPORTS)


@router.post("/claims/{claim_id}/retractions", status_code=201, response_model=RecordedEvent)
async def retract(claim_id: str, body: Compensation, writer: Appending) -> Response:
    """The claim's issuer withdrew it: it stops counting."""
    return await writer.write(body, lambda lg: lg.retract(claim_id, **dict(body)), EVENT)


@router.post("/claims/{claim_id}/disputes", status_code=201, response_model=RecordedEvent)
async def dispute(claim_id: str, body: Compensation, writer: Appending) -> Response:
    """Someone questioned the claim: it still counts, flagged."""
    return await writer.write(body, lambda lg: lg.dispute(claim_id, **dict(body)), EVENT)


@router.post("/claims/{claim_id}/refutations", status_code=201, response_model=RecordedEvent)
async def refute(claim_id: str, body: Compensation, writer: Appending) -> Response:
    """Evidence shows the claim is false: it stops counting."""
    return await writer.write(body, lambda lg: lg.refute(claim_id, **dict(body)), EVENT)


@router.post("/claims/{claim_id}/supersessions", status_code=201, response_model=RecordedEvent)
async def supersede(claim_id: str, body: Supersession, writer: Appending) -> Response:
    """The same origin published a newer figure that replaces this one."""
    return await writer.write(body, lambda lg: lg.supersede(claim_id, **dict(body)), EVENT)


@router.post("/claims/{claim_id}/corrections", status_code=201, response_model=RecordedClaim)
async def correct(claim_id: str, body: Correction, writer: Appending) -> Response:
    """Our extraction was wrong: the claim is marked corrected and a replacement recorded."""
    return await writer.write(body, lambda lg: lg.correct(claim_id, **dict(body)), CORRECTION)


@router.post(
    "/reports/{report_id}/retractions", status_code=201, response_model=list[RecordedEvent]
)
async def retract_report(report_id: str, body: Compensation, writer: Appending) -> Response:
    """Withdraw every claim of a report that still counts, in one transaction."""
    return await writer.write(body, lambda lg: lg.retract_report(report_id, **dict(body)), EVENTS)
