"""The read routes: figures, estimates (now or as of), history, claims, reports, sources."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from ledger.domain.estimate import ClaimView, EstimateSummary, FigureEstimate
from ledger.domain.history import EstimateChange
from ledger.domain.model import Figure, Source
from ledger.http.deps import Read
from ledger.service.results import ReportView, SourceView

router = APIRouter(prefix="/v1", tags=["reading"])


@router.get("/figures", response_model=list[Figure])
async def figures(read: Read) -> Response:
    """Every defined figure."""
    return await read.answer(lambda lg: lg.figures())


@router.get("/estimates", response_model=list[FigureEstimate])
async def estimates(read: Read) -> Response:
    """The current estimate of every figure, with its provenance, by key."""
    return await read.answer(lambda lg: lg.estimates())


@router.get("/summaries", response_model=dict[str, EstimateSummary])
async def summaries(read: Read) -> Response:
    """Every figure's headline (low, best, high, status, support) in one read: what a
    dashboard polls."""
    return await read.answer(lambda lg: lg.summaries())


@router.get("/figures/{figure:path}/estimate", response_model=FigureEstimate)
async def estimate(
    figure: str,
    read: Read,
    at_position: Annotated[int | None, Query(ge=0)] = None,
    recorded_before: datetime | None = None,
    known_on: Annotated[str | None, Query(description="a date, or a time with a zone")] = None,
) -> Response:
    """A figure's estimate with its provenance: now, after a position, at a recorded time,
    or as known on a day (at most one of the three)."""
    return await read.answer(
        lambda lg: lg.estimate(
            figure, at_position=at_position, recorded_before=recorded_before, known_on=known_on
        )
    )


@router.get("/figures/{figure:path}/history", response_model=list[EstimateChange])
async def history(
    figure: str,
    read: Read,
    after: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """The changes of a figure's estimate, oldest first, a page at a time: the next page
    starts `after` the last entry's `position`."""
    return await read.answer(lambda lg: lg.history(figure, after=after, limit=limit))


@router.get("/figures/{figure:path}/claims", response_model=list[ClaimView])
async def figure_claims(figure: str, read: Read) -> Response:
    """Every claim of a figure, with where it stands now."""
    return await read.answer(lambda lg: lg.claims(figure))


@router.get("/claims/{claim_id}", response_model=ClaimView)
async def claim(claim_id: str, read: Read) -> Response:
    """One claim, with where it stands now."""
    return await read.answer(lambda lg: lg.claim(claim_id))


@router.get("/reports/{report_id}", response_model=ReportView)
async def report(report_id: str, read: Read) -> Response:
    """A filed report as recorded, with its claims."""
    return await read.answer(lambda lg: lg.report(report_id))


@router.get("/sources", response_model=list[Source])
async def sources(read: Read) -> Response:
    """Every registered source."""
    return await read.answer(lambda lg: lg.sources())


@router.get("/sources/{source_id}", response_model=SourceView)
async def source(source_id: str, read: Read) -> Response:
    """A registered source with the claims it originated, carried and compensated."""
    return await read.answer(lambda lg: lg.source(source_id))
