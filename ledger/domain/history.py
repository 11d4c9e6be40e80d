"""The estimate history: every change of a figure's estimate, tied to its cause."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from ledger.domain.estimate import EstimateSummary, EventRef
from ledger.domain.events import (
    ClaimAsserted,
    Event,
    FigureDefined,
    ReportFiled,
    SourceRegistered,
)


class Cause(BaseModel):
    """The event behind a change, in words a reader can check."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event: EventRef
    claim_id: str | None = None
    by: str | None = None
    reason: str | None = None
    published_at: datetime | None = None
    via: str | None = None  # the nested figure the event touched, when not this one
    description: str


class EstimateChange(BaseModel):
    """One change of a figure's estimate: before, after, and every event that caused it.

    `causes` lists each event of the batch that touched the figure, in log order (a report
    with three claims of one figure names all three; a nested figure's change names the
    child's events). `after.low_by`, `after.best_by` and `after.high_by` say which claim —
    or which nested figure — set each number.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    figure: str
    position: int
    recorded_at: datetime
    before: EstimateSummary | None
    after: EstimateSummary
    changed: tuple[str, ...]
    causes: tuple[Cause, ...]

    @property
    def cause(self) -> Cause:
        """The last event of the batch that touched the figure: the one `changed_by` names."""
        return self.causes[-1]


def changed_fields(before: EstimateSummary | None, after: EstimateSummary) -> tuple[str, ...]:
    """Which headline fields differ ("low", "best", "high", "status", "support", …)."""
    if before is None:
        return ("defined",)
    fields = [
        f for f in ("low", "best", "high", "status") if getattr(before, f) != getattr(after, f)
    ]
    if (before.claims, before.reports, before.origins, before.earlier) != (
        after.claims,
        after.reports,
        after.origins,
        after.earlier,
    ):
        fields.append("support")
    if (before.conflict, before.figure_conflicts) != (after.conflict, after.figure_conflicts):
        fields.append("conflict")
    return tuple(fields) or ("provenance",)


def cause_of(ref: EventRef, event: Event, via: str | None = None) -> Cause:
    """An event in words; `via` names the nested figure it touched, when not this one."""
    cause = _said(ref, event)
    if via is None:
        return cause
    return cause.model_copy(
        update={"via": via, "description": f"{cause.description} (in nested figure {via})"}
    )  # built from validated values: nothing to validate again


def _said(ref: EventRef, event: Event) -> Cause:
    match event:
        case ClaimAsserted():
            return Cause.model_construct(
                event=ref,
                claim_id=event.claim_id,
                by=event.origin,
                published_at=event.published_at,
                description=(
                    f"{event.outlet} reported {event.value!r} from {event.origin} "
                    f"(claim {event.claim_id})"
                ),
            )
        case FigureDefined():
            return Cause.model_construct(event=ref, description=f"figure {event.figure} defined")
        case SourceRegistered() | ReportFiled():
            return Cause.model_construct(event=ref, description=event.type)
        case _:
            verb = event.type.removeprefix("Claim").lower()
            return Cause.model_construct(
                event=ref,
                claim_id=event.claim_id,
                by=event.by,
                reason=event.reason,
                published_at=event.published_at,
                description=f"claim {event.claim_id} {verb} by {event.by}: {event.reason}",
            )
