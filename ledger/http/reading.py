"""The read routes: figures, estimates (now or as of), history, claims, reports, sources."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from ledger.domain.estimate import ClaimView, EstimateSummary, FigureEstimate
from ledger.domain.history import EstimateChange
from ledger.domain.model import Figure, Source
from ledger.http.auth import Reader
from ledger.http.deps import ReadLedger
from ledger.service.results import ReportView, SourceView

router = APIRouter(prefix="/v1", tags=["reading"])


@router.get("/figures")
def figures(_: Reader, lg: ReadLedger) -> list[Figure]:
    """Every defined figure."""
    return lg.figures()


@router.get("/estimates")
def estimates(_: Reader, lg: ReadLedger) -> list[FigureEstimate]:
    """The current estimate of every figure, with its provenance, by key."""
    return lg.estimates()


@router.get("/summaries")
def summaries(_: Reader, lg: ReadLedger) -> dict[str, EstimateSummary]:
    """Every figure's headline (low, best, high, status, support) in one read: what a
    dashboard polls."""
    return lg.summaries()


@router.get("/figures/{figure:path}/estimate")
def estimate(
    figure: str,
    _: Reader,
    lg: ReadLedger,
    at_position: Annotated[int | None, Query(ge=0)] = None,
    recorded_before: datetime | None = None,
    known_on: Annotated[str | None, Query(description="a date, or a time with a zone")] = None,
) -> FigureEstimate:
    """A figure's estimate with its provenance: now, after a position, at a recorded time,
    or as known on a day (at most one of the three)."""
    return lg.estimate(
        figure, at_position=at_position, recorded_before=recorded_before, known_on=known_on
    )


@router.get("/figures/{figure:path}/history")
def history(
    figure: str,
    _: Reader,
    lg: ReadLedger,
    after: Annotated[int | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[EstimateChange]:
    """The changes of a figure's estimate, oldest first, a page at a time: the next page
    starts `after` the last entry's `position`."""
    return lg.history(figure, after=after, limit=limit)


@router.get("/figures/{figure:path}/claims")
def figure_claims(figure: str, _: Reader, lg: ReadLedger) -> list[ClaimView]:
    """Every claim of a figure, with where it stands now."""
    return lg.claims(figure)


@router.get("/claims/{claim_id}")
def claim(claim_id: str, _: Reader, lg: ReadLedger) -> ClaimView:
    """One claim, with where it stands now."""
    return lg.claim(claim_id)


@router.get("/reports/{report_id}")
def report(report_id: str, _: Reader, lg: ReadLedger) -> ReportView:
    """A filed report as recorded, with its claims."""
    return lg.report(report_id)


@router.get("/sources")
def sources(_: Reader, lg: ReadLedger) -> list[Source]:
    """Every registered source."""
    return lg.sources()


@router.get("/sources/{source_id}")
def source(source_id: str, _: Reader, lg: ReadLedger) -> SourceView:
    """A registered source with the claims it originated, carried and compensated."""
    return lg.source(source_id)
