"""The estimate history: every change of a figure's estimate, tied to its cause."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from ledger.domain.estimate import EstimateSummary, EventRef


class Cause(BaseModel):
    """The event behind a change, in words a reader can check."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event: EventRef
    claim_id: str | None = None
    by: str | None = None
    reason: str | None = None
    published_at: datetime | None = None
    description: str


class EstimateChange(BaseModel):
    """One change of a figure's estimate: before, after, and the event that caused it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    figure: str
    position: int
    recorded_at: datetime
    before: EstimateSummary | None
    after: EstimateSummary
    changed: tuple[str, ...]
    cause: Cause


def changed_fields(before: EstimateSummary | None, after: EstimateSummary) -> tuple[str, ...]:
    """Which headline fields differ ("low", "best", "high", "status", "support", …)."""
    if before is None:
        return ("defined",)
    fields = [
        f for f in ("low", "best", "high", "status") if getattr(before, f) != getattr(after, f)
    ]
    if (before.claims, before.reports, before.origins) != (
        after.claims,
        after.reports,
        after.origins,
    ):
        fields.append("support")
    if before.conflict != after.conflict:
        fields.append("conflict")
    return tuple(fields) or ("provenance",)
