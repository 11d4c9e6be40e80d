"""Reading the ledger: a figure's estimate (now or as of a position, a recorded time or a
day), its history, and the figures, claims, reports and sources as they stand, all answered
from the read model. `Reading` is the part of `Ledger` that does it."""

from __future__ import annotations

from datetime import date, datetime

from ledger.domain.estimate import ClaimView, EstimateSummary, EventRef, FigureEstimate
from ledger.domain.history import EstimateChange
from ledger.domain.model import Figure, Source
from ledger.domain.values import end_of
from ledger.errors import (
    InvalidInputError,
    UnknownClaimError,
    UnknownFigureError,
    UnknownReportError,
    UnknownSourceError,
)
from ledger.projections import reading
from ledger.projections.read_model import ReadModel, Reads
from ledger.projections.reading import ClaimsAt
from ledger.service import inputs
from ledger.service.results import CompensationView, ReportView, SourceView


class Reading:
    """`Ledger`'s reading methods; the attribute they use is set by `Ledger.__init__`."""

    read_model: ReadModel

    def estimate(
        self,
        figure: str,
        *,
        at_position: int | None = None,
        recorded_before: datetime | str | None = None,
        known_on: date | datetime | str | None = None,
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
        with self.read_model.reading() as reads:
            head = reads.checkpoint()
            self._need_figure(reads, figure)
            if before is not None:
                at_position = reads.position_before(before)
            changed_by: EventRef | None
            claims_at: ClaimsAt | None = None
            if at_position is not None:
                position = at_position = min(at_position, head)

                def claims_at(key: str) -> list[ClaimView]:
                    return reads.claims_as_of(key, position=position)

                changed_by = reads.last_change(figure, at_position)
            elif day is not None:
                last = end_of(day)

                def claims_at(key: str) -> list[ClaimView]:
                    return reads.claims_as_of(key, known_on=last)

                changed_by, position = None, head
            else:  # now: the claims as they stand, and the event behind the stored headline
                changed_by, position = reads.changed_by(figure), head
            fresh = reading.compute(reads, figure, claims_at)
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
        with self.read_model.reading() as reads:
            self._need_figure(reads, figure)
            return reads.history(figure, after=after, limit=limit)

    def figures(self) -> list[Figure]:
        """Every defined figure."""
        with self.read_model.reading() as reads:
            return reads.figures()

    def estimates(self) -> list[FigureEstimate]:
        """The current estimate of every figure, by key."""
        with self.read_model.reading() as reads:
            head = reads.checkpoint()
            changes = reads.changes_by_figure()
            found: dict[str, FigureEstimate] = {}
            for key, claims in reads.claims_by_figure():
                found[key] = reading.compute(reads, key, claims=claims)
            for key in changes.keys() - found.keys():  # figures without claims: no data
                found[key] = reading.compute(reads, key, claims=[])
        return [_stamped(found[key], changes[key], head) for key in sorted(changes)]

    def summaries(self) -> dict[str, EstimateSummary]:
        """The headline of every figure's current estimate (low, best, high, status, support),
        as the projection stores it: one read, without rebuilding any provenance."""
        with self.read_model.reading() as reads:
            return reads.summaries()

    def sources(self) -> list[Source]:
        """Every registered source."""
        with self.read_model.reading() as reads:
            return reads.sources()

    def claims(self, figure: str) -> list[ClaimView]:
        """Every claim of a figure, with where it stands now."""
        inputs.text(figure, "figure")
        with self.read_model.reading() as reads:
            self._need_figure(reads, figure)
            return reads.claims(figure)

    def claim(self, claim_id: str) -> ClaimView:
        """One claim, with where it stands now."""
        inputs.text(claim_id, "claim_id")
        with self.read_model.reading() as reads:
            found = reads.claim(claim_id)
        if found is None:
            raise UnknownClaimError(claim_id, "claim_id")
        return found

    def report(self, report_id: str) -> ReportView:
        """A filed report as recorded — outlet, publication time, title, URL, channel,
        content hash — with its claims, each with where it stands now."""
        inputs.text(report_id, "report_id")
        with self.read_model.reading() as reads:
            found = reads.report(report_id)
            if found is None:
                raise UnknownReportError(report_id, "report_id", reads.nearest_report(report_id))
            claims = reads.claims_of_report(report_id)
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
        with self.read_model.reading() as reads:
            found = reads.source(source_id)
            if found is None:
                raise UnknownSourceError(source_id, "source_id", reads.nearest_source(source_id))
            originated = reads.claims_originated(source_id)
            carried = reads.claims_carried(source_id)
            issued = reads.changes_issued(source_id)
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

    def _need_figure(self, reads: Reads, figure: str) -> None:
        if reads.figure(figure) is None:
            raise UnknownFigureError(figure, "figure", reads.nearest_figure(figure))


def _stamped(
    estimate: FigureEstimate, changed_by: EventRef | None, position: int
) -> FigureEstimate:
    """An estimate as read at `position`, naming the event that last changed it."""
    provenance = estimate.provenance.model_copy(update={"changed_by": changed_by})
    return estimate.model_copy(update={"position": position, "provenance": provenance})
