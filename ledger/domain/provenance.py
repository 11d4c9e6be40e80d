"""The estimation policy's output, written up for readers: a `FigureEstimate` with its
`Provenance` (each claim used or excluded as a `ClaimUse`, each nested figure's floor as a
`FigureFloor`), or just its headline, the `EstimateSummary` the projection stores."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from ledger.domain.model import FigureKind
from ledger.domain.policy import POLICY_VERSION, ClaimStatus, EstimateStatus, FigureBound
from ledger.domain.values import Number

__all__ = [
    "ClaimUse",
    "EstimateSummary",
    "EventRef",
    "FigureEstimate",
    "FigureFloor",
    "Provenance",
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ClaimUse(_Model):
    """One claim in a provenance: counted or not, and the reason, in words."""

    claim_id: str
    report_id: str
    origin: str
    outlet: str
    value: str
    low: Number
    high: Number | None
    as_of: date | datetime
    published_at: datetime
    status: ClaimStatus
    counted: bool
    reason: str
    flags: tuple[str, ...] = ()  # disputed by …, in conflict
    sets: tuple[str, ...] = ()  # which of "low", "best", "high" this claim set
    evidence: tuple[str, ...] = ()  # of the events behind its standing and its disputes


class FigureFloor(_Model):
    """A nested (child) figure's low, weighed as a floor for this cumulative figure."""

    figure: str
    low: Number
    as_of: date | datetime
    applied: bool  # it set this figure's low
    reason: str


class EventRef(_Model):
    """The event that last changed an estimate."""

    position: int
    event_type: str
    event_id: str
    recorded_at: datetime


class Provenance(_Model):
    """Why an estimate is what it is.

    `origins`: the independent bodies whose statements at the latest as-of agree — the
    corroboration. `earlier_origins`: bodies heard only at an earlier as-of, whose floors
    are compatible with the estimate but do not confirm it. `low_by` / `best_by` /
    `high_by`: the claim (or nested figure) that set each number.
    """

    used: tuple[ClaimUse, ...] = ()
    excluded: tuple[ClaimUse, ...] = ()
    origins: tuple[str, ...] = ()
    earlier_origins: tuple[str, ...] = ()
    statement_origins: tuple[str, ...] = ()  # the origins whose latest statements counted
    reports: tuple[str, ...] = ()  # distinct reports behind counted claims
    derivation: tuple[tuple[str, str], ...] = ()  # (relay claim id, the claim it relays)
    conflict: tuple[str, ...] = ()  # the smallest incompatible set of claim ids
    figure_conflicts: tuple[str, ...] = ()  # nested figures whose bounds this one passes
    floors: tuple[FigureFloor, ...] = ()
    low_by: str | None = None
    best_by: str | None = None
    high_by: str | None = None
    policy_version: str = POLICY_VERSION
    lexicon_versions: tuple[str, ...] = ()
    changed_by: EventRef | None = None

    @property
    def summary(self) -> str:
        """E.g. "4 claims in 2 reports, 1 independent origin (+1 earlier, compatible)"."""
        return _support(len(self.used), len(self.reports), len(self.origins)) + _earlier(
            len(self.earlier_origins)
        )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _support(claims: int, reports: int, origins: int) -> str:
    return (
        f"{_plural(claims, 'claim')} in {_plural(reports, 'report')}, "
        f"{_plural(origins, 'independent origin')}"
    )


def _earlier(count: int) -> str:
    return f" (+{count} earlier, compatible)" if count else ""


class FigureEstimate(_Model):
    """low / best / high for one figure, its status and provenance.

    `high` None with `low` set means open above (∞). All three are None for "no data" and
    when no claim counts any more — never 0. Always low ≤ best ≤ high where present.
    """

    figure: str
    unit: str
    kind: FigureKind
    low: Number | None = None
    best: Number | None = None
    high: Number | None = None
    status: EstimateStatus
    as_of: date | datetime | None = None
    provenance: Provenance
    position: int = 0


class EstimateSummary(_Model):
    """The headline of an estimate: what the projection stores and a history entry compares.

    `origins` counts the corroborating independent origins (at the latest as-of);
    `earlier` the bodies heard only earlier, whose floors are compatible."""

    low: Number | None
    best: Number | None
    high: Number | None
    status: EstimateStatus
    claims: int
    reports: int
    origins: int
    earlier: int = 0
    as_of: date | datetime | None = None
    conflict: tuple[str, ...] = ()
    figure_conflicts: tuple[str, ...] = ()
    low_by: str | None = None
    best_by: str | None = None
    high_by: str | None = None

    @classmethod
    def of(cls, estimate: FigureEstimate) -> EstimateSummary:
        """The summary of a full estimate."""
        provenance = estimate.provenance
        return cls(
            low=estimate.low,
            best=estimate.best,
            high=estimate.high,
            status=estimate.status,
            claims=len(provenance.used),
            reports=len(provenance.reports),
            origins=len(provenance.origins),
            earlier=len(provenance.earlier_origins),
            as_of=estimate.as_of,
            conflict=provenance.conflict,
            figure_conflicts=provenance.figure_conflicts,
            low_by=provenance.low_by,
            best_by=provenance.best_by,
            high_by=provenance.high_by,
        )

    @property
    def support(self) -> str:
        """E.g. "2 claims in 2 reports, 1 independent origin (+1 earlier, compatible)"."""
        return _support(self.claims, self.reports, self.origins) + _earlier(self.earlier)

    def bound(self, figure: str, which: str) -> FigureBound | None:
        """This figure's `low` or `high` as a bound on a nested figure (None: none to give)."""
        value = self.low if which == "low" else self.high
        if value is None or self.as_of is None:
            return None
        return FigureBound(figure=figure, value=value, as_of=self.as_of)
