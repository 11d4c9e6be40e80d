"""What users hand the ledger: sources, figures, reports and the claims inside them."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ledger.domain.values import (
    AsOf,
    AwareDatetime,
    ClaimId,
    FigureKey,
    ReportId,
    SourceId,
    Text,
    new_claim_id,
    new_report_id,
)

SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class SourceKind(StrEnum):
    """What sort of actor a source is."""

    GOVERNMENT = "government"
    MEDIA = "media"
    NGO = "ngo"
    PERSON = "person"
    CHANNEL = "channel"
    MILITARY = "military"
    INTERNATIONAL = "international"
    OTHER = "other"


class FigureKind(StrEnum):
    """Cumulative figures never decrease with as-of time; levels go up and down."""

    CUMULATIVE = "cumulative"
    LEVEL = "level"


class _Input(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)


class Source(_Input):
    """An actor that asserts or relays figures: a ministry, an outlet, a channel, a person.

    `parent` names the body it belongs to (the Health Ministry is part of the government);
    claims whose origins share a top-level body are not independent of each other.
    """

    source_id: SourceId
    name: Annotated[Text, Field(min_length=1, max_length=300)]
    kind: SourceKind
    parent: SourceId | None = None
    notes: Text | None = None


class Figure(_Input):
    """What is counted: `event/measure/place`, with a unit and a kind; may nest in a parent."""

    figure: FigureKey
    unit: Annotated[Text, Field(min_length=1, max_length=40)] = "people"
    kind: FigureKind = FigureKind.CUMULATIVE
    parent: FigureKey | None = None
    description: Text | None = None


def _sha256(value: str) -> str:
    if not SHA256_HEX.fullmatch(value):
        raise ValueError("must be 64 lowercase hex digits (a SHA-256 of the captured text)")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("an empty quote is a mistake: give the verbatim words, or leave it out")
    return value


class Claim(_Input):
    """One assertion of one figure inside a report.

    `origin` is who the number comes from (the Health Ministry); the report's outlet is who
    carried it (the NYT). `derived_from` names the claim this one relays, when known.
    `quote` is optional, but never blank.
    """

    figure: FigureKey
    value: Annotated[Text, Field(min_length=1, max_length=200)]
    as_of: AsOf
    origin: SourceId
    quote: Annotated[str, Field(max_length=5000), AfterValidator(_not_blank)] | None = None
    derived_from: ClaimId | None = None
    claim_id: ClaimId = Field(default_factory=new_claim_id)
    note: Text | None = None


class Report(_Input):
    """One publication by an outlet, carrying one or more claims; appended atomically."""

    outlet: SourceId
    published_at: AwareDatetime
    title: Text | None = None
    url: Annotated[Text, Field(max_length=2000)] | None = None
    channel: Text | None = None
    content_hash: Annotated[str, AfterValidator(_sha256)] | None = None
    report_id: ReportId = Field(default_factory=new_report_id)
    claims: list[Claim] = Field(min_length=1)

    @model_validator(mode="after")
    def _claim_ids_unique(self) -> Report:
        ids = [claim.claim_id for claim in self.claims]
        if len(ids) != len(set(ids)):
            raise ValueError("claim ids must be unique within a report")
        return self
