"""The estimate history: every change of a figure's estimate, tied to its cause."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, TypeAdapter

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


Document = dict[str, Any]
"""A model as the JSON-ready dict its `model_dump(mode="json")` gives."""

_TIME: TypeAdapter[datetime] = TypeAdapter(datetime)


def time_json(moment: datetime | None) -> str | None:
    """A time as the models write it in JSON (a UTC time, the common case, without asking
    pydantic: its text is `isoformat` with `Z` for the zone)."""
    if moment is None:
        return None
    if moment.tzinfo is UTC:
        return moment.isoformat()[:-6] + "Z"
    return cast(str, _TIME.dump_python(moment, mode="json"))


def ref_document(position: int, event_type: str, event_id: str, recorded_at: datetime) -> Document:
    """An `EventRef` as a document."""
    return {
        "position": position,
        "event_type": event_type,
        "event_id": event_id,
        "recorded_at": time_json(recorded_at),
    }


def cause_document(ref: Document, event: Event, via: str | None = None) -> Document:
    """A `Cause` as a document: the event in words; `via` names the nested figure it
    touched, when not this one. The projection writes history entries from documents
    (building the models costs more than the rest of an append); a test proves they
    read back as the models."""
    cause: Document = {
        "event": ref,
        "claim_id": None,
        "by": None,
        "reason": None,
        "published_at": None,
        "via": via,
        "description": "",
    }
    match event:
        case ClaimAsserted():
            cause["claim_id"] = event.claim_id
            cause["by"] = event.origin
            cause["published_at"] = time_json(event.published_at)
            cause["description"] = (
                f"{event.outlet} reported {event.value!r} from {event.origin} "
                f"(claim {event.claim_id})"
            )
        case FigureDefined():
            cause["description"] = f"figure {event.figure} defined"
        case SourceRegistered() | ReportFiled():
            cause["description"] = event.type
        case _:
            verb = event.type.removeprefix("Claim").lower()
            cause["claim_id"] = event.claim_id
            cause["by"] = event.by
            cause["reason"] = event.reason
            cause["published_at"] = time_json(event.published_at)
            cause["description"] = f"claim {event.claim_id} {verb} by {event.by}: {event.reason}"
    if via is not None:
        cause["description"] = f"{cause['description']} (in nested figure {via})"
    return cause


def change_document(
    figure: str,
    ref: Document,
    before: object,
    after: object,
    changed: tuple[str, ...],
    causes: list[Document],
) -> Document:
    """An `EstimateChange` as a document (`before` and `after`: `EstimateSummary`
    documents, or their JSON text as an `orjson.Fragment`)."""
    return {
        "figure": figure,
        "position": ref["position"],
        "recorded_at": ref["recorded_at"],
        "before": before,
        "after": after,
        "changed": list(changed),
        "causes": causes,
    }
