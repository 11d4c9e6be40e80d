"""The write routes: sources, figures, reports and the compensating events. Each answers
with what it recorded and its position in a `Ledger-Position` header (`ledger.http.writer`).
Each checks the request's key, then reads its body (`ledger.http.bodies`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict

from ledger.domain.model import Figure, Report, Source
from ledger.domain.values import AsOf, AwareDatetime
from ledger.http.bodies import Body
from ledger.http.recorded import CORRECTION, EVENT, EVENTS, FIGURE, REPORT, REPORTS, SOURCE
from ledger.http.writer import Writer
from ledger.service.keys import Scope
from ledger.service.results import RecordedClaim, RecordedEvent, RecordedReport

router = APIRouter(prefix="/v1", tags=["writing"])
B = TypeVar("B")
Route = TypeVar("Route", bound=Callable[..., Awaitable[Response]])


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


SOURCE_BODY: Body[Source] = Body(Source)
FIGURE_BODY: Body[Figure] = Body(Figure)
REPORTS_BODY: Body[Report | list[Report]] = Body(Report | list[Report])
COMPENSATION: Body[Compensation] = Body(Compensation)
SUPERSESSION: Body[Supersession] = Body(Supersession)
CORRECTION_BODY: Body[Correction] = Body(Correction)


def _writes(path: str, answer: Any, body: Body[Any]) -> Callable[[Route], Route]:
    """A write route: `POST path`, answering `answer` (201), taking `body`."""
    return router.post(path, status_code=201, response_model=answer, openapi_extra=body.openapi())


async def _taking(request: Request, scope: Scope, body: Body[B]) -> tuple[Writer, B]:
    """The request's writer, once its key holds `scope`, and then its body."""
    writer = await Writer.of(request, scope)
    return writer, await body.of(request)


@_writes("/sources", Source, SOURCE_BODY)
async def register_source(request: Request) -> Response:
    """Register a source (admin scope)."""
    writer, source = await _taking(request, Scope.ADMIN, SOURCE_BODY)
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


@_writes("/figures", Figure, FIGURE_BODY)
async def define_figure(request: Request) -> Response:
    """Define a figure (admin scope)."""
    writer, figure = await _taking(request, Scope.ADMIN, FIGURE_BODY)
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


@_writes("/reports", RecordedReport | list[RecordedReport], REPORTS_BODY)
async def append_reports(request: Request) -> Response:
    """Record one report, or a list of reports in one transaction (all or none)."""
    writer, body = await _taking(request, Scope.APPEND, REPORTS_BODY)
    if isinstance(body, Report):
        return await writer.write(body, lambda lg: lg.append_report(body), REPORT)
    return await writer.write(body, lambda lg: lg.append_reports(body), REPORTS)


@_writes("/claims/{claim_id}/retractions", RecordedEvent, COMPENSATION)
async def retract(claim_id: str, request: Request) -> Response:
    """The claim's issuer withdrew it: it stops counting."""
    writer, body = await _taking(request, Scope.APPEND, COMPENSATION)
    return await writer.write(body, lambda lg: lg.retract(claim_id, **dict(body)), EVENT)


@_writes("/claims/{claim_id}/disputes", RecordedEvent, COMPENSATION)
async def dispute(claim_id: str, request: Request) -> Response:
    """Someone questioned the claim: it still counts, flagged."""
    writer, body = await _taking(request, Scope.APPEND, COMPENSATION)
    return await writer.write(body, lambda lg: lg.dispute(claim_id, **dict(body)), EVENT)


@_writes("/claims/{claim_id}/refutations", RecordedEvent, COMPENSATION)
async def refute(claim_id: str, request: Request) -> Response:
    """Evidence shows the claim is false: it stops counting."""
    writer, body = await _taking(request, Scope.APPEND, COMPENSATION)
    return await writer.write(body, lambda lg: lg.refute(claim_id, **dict(body)), EVENT)


@_writes("/claims/{claim_id}/supersessions", RecordedEvent, SUPERSESSION)
async def supersede(claim_id: str, request: Request) -> Response:
    """The same origin published a newer figure that replaces this one."""
    writer, body = await _taking(request, Scope.APPEND, SUPERSESSION)
    return await writer.write(body, lambda lg: lg.supersede(claim_id, **dict(body)), EVENT)


@_writes("/claims/{claim_id}/corrections", RecordedClaim, CORRECTION_BODY)
async def correct(claim_id: str, request: Request) -> Response:
    """Our extraction was wrong: the claim is marked corrected and a replacement recorded."""
    writer, body = await _taking(request, Scope.APPEND, CORRECTION_BODY)
    return await writer.write(body, lambda lg: lg.correct(claim_id, **dict(body)), CORRECTION)


@_writes("/reports/{report_id}/retractions", list[RecordedEvent], COMPENSATION)
async def retract_report(report_id: str, request: Request) -> Response:
    """Withdraw every claim of a report that still counts, in one transaction."""
    writer, body = await _taking(request, Scope.APPEND, COMPENSATION)
    return await writer.write(body, lambda lg: lg.retract_report(report_id, **dict(body)), EVENTS)
