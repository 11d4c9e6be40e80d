"""The events: the only source of truth. Frozen, flat, past tense, told apart by `type`.

Each class states its `schema_version`. When a payload's shape changes, the class's
version goes up and an upcaster from the old version is registered with `upcaster`; stored
payloads are never rewritten.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from ledger.domain.model import Figure, FigureKind, SourceKind
from ledger.domain.quantity import Quantity
from ledger.domain.values import AsOf, AwareDatetime

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    schema_version: ClassVar[int] = 1


class SourceRegistered(_Event):
    """A source became known to the ledger."""

    type: Literal["SourceRegistered"] = "SourceRegistered"
    source_id: str
    name: str
    kind: SourceKind
    parent: str | None = None
    notes: str | None = None


class FigureDefined(_Event):
    """A figure (what is counted) was defined with its unit and kind."""

    type: Literal["FigureDefined"] = "FigureDefined"
    figure: str
    unit: str
    kind: FigureKind
    parent: str | None = None
    description: str | None = None

    def defined(self) -> Figure:
        """The figure it defines."""
        return Figure(
            figure=self.figure,
            unit=self.unit,
            kind=self.kind,
            parent=self.parent,
            description=self.description,
        )


class ReportFiled(_Event):
    """A publication was filed; its claims follow in the same atomic batch."""

    type: Literal["ReportFiled"] = "ReportFiled"
    report_id: str
    outlet: str
    published_at: AwareDatetime
    title: str | None = None
    url: str | None = None
    channel: str | None = None
    content_hash: str | None = None
    claim_count: int


class ClaimAsserted(_Event):
    """A report asserted one figure. Carries the parsed quantity as parsed at the time."""

    type: Literal["ClaimAsserted"] = "ClaimAsserted"
    claim_id: str
    report_id: str
    figure: str
    value: str
    quantity: Quantity
    as_of: AsOf
    origin: str
    outlet: str
    published_at: AwareDatetime
    derived_from: str | None = None
    quote: str = ""
    note: str | None = None
    corrects: str | None = None


class _Compensation(_Event):
    """What every compensating event says: what, who says so, why, evidence, when public."""

    claim_id: str
    by: str
    reason: str
    evidence: str | None = None
    published_at: AwareDatetime | None = None


class ClaimRetracted(_Compensation):
    """The issuer withdrew the claim. The claim stays on record; it stops counting."""

    type: Literal["ClaimRetracted"] = "ClaimRetracted"
    report_id: str | None = None


class ClaimSuperseded(_Compensation):
    """The same origin published a newer figure, which replaces this one."""

    type: Literal["ClaimSuperseded"] = "ClaimSuperseded"
    replacement: str


class ClaimDisputed(_Compensation):
    """Someone questioned the claim: still counted, flagged."""

    type: Literal["ClaimDisputed"] = "ClaimDisputed"


class ClaimRefuted(_Compensation):
    """Evidence shows the claim is false: it stops counting."""

    type: Literal["ClaimRefuted"] = "ClaimRefuted"


class ClaimCorrected(_Compensation):
    """Our own extraction was wrong (never the source's retraction); `replacement` fixes it."""

    type: Literal["ClaimCorrected"] = "ClaimCorrected"
    replacement: str


Event = Annotated[
    SourceRegistered
    | FigureDefined
    | ReportFiled
    | ClaimAsserted
    | ClaimRetracted
    | ClaimSuperseded
    | ClaimDisputed
    | ClaimRefuted
    | ClaimCorrected,
    Field(discriminator="type"),
]
Compensation = ClaimRetracted | ClaimSuperseded | ClaimDisputed | ClaimRefuted | ClaimCorrected

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)
EVENT_CLASSES: dict[str, type[_Event]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        SourceRegistered,
        FigureDefined,
        ReportFiled,
        ClaimAsserted,
        ClaimRetracted,
        ClaimSuperseded,
        ClaimDisputed,
        ClaimRefuted,
        ClaimCorrected,
    )
}

UPCASTERS: dict[tuple[str, int], Upcaster] = {}
"""(type, from_version) → a function turning that payload into the next version's."""


def upcaster(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register a function that lifts a `from_version` payload of `event_type` by one."""

    def register(function: Upcaster) -> Upcaster:
        UPCASTERS[(event_type, from_version)] = function
        return function

    return register


def upcast(event_type: str, version: int, payload: Payload) -> Payload:
    """A stored payload of `event_type` at schema `version`, lifted to its class's current
    version. Raises `LookupError` naming what is missing (an unknown type or upcaster, or
    a version newer than this code knows)."""
    cls = EVENT_CLASSES.get(event_type)
    if cls is None:
        raise LookupError(f"unknown event type {event_type!r}")
    if version > cls.schema_version:
        raise LookupError(
            f"{event_type} schema version {version} is newer than this code knows "
            f"({cls.schema_version}); upgrade the ledger package"
        )
    while version < cls.schema_version:
        lift = UPCASTERS.get((event_type, version))
        if lift is None:
            raise LookupError(f"no upcaster for {event_type} v{version}")
        payload, version = lift(payload), version + 1
    return payload


def event_time(event: Event) -> datetime | date | None:
    """The publication time an event carries, if any (when the world could know it)."""
    return getattr(event, "published_at", None)
