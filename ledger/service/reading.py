"""Reading the ledger: a figure's estimate (now or as of a position, a recorded time or a
day), its history, and the figures, claims, reports and sources as they stand, all answered
from the read model. `Reading` is the part of `Ledger` that does it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

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
from ledger.projections import queries as q
from ledger.projections import reading
from ledger.projections.reading import ClaimsAt
from ledger.projections.state import nearest_figure
from ledger.service import inputs
from ledger.service.results import CompensationView, ReportView, SourceView
from ledger.store.sql import SQLStore


class Reading:
    """`Ledger`'s reading methods; the attribute they use is set by `Ledger.__init__`."""

    store: SQLStore

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

    def _need_figure(self, connection: Any, figure: str) -> None:
        if q.figure(connection, figure) is None:
            raise UnknownFigureError(figure, "figure", nearest_figure(connection, figure))


def _stamped(
    estimate: FigureEstimate, changed_by: EventRef | None, position: int
) -> FigureEstimate:
    """An estimate as read at `position`, naming the event that last changed it."""
    provenance = estimate.provenance.model_copy(update={"changed_by": changed_by})
    return estimate.model_copy(update={"position": position, "provenance": provenance})
