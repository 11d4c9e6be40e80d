"""What the ledger's API returns: typed, printable, serialisable to JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from ledger.domain.events import Event
from ledger.domain.quantity import Quantity


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RecordedClaim(_Result):
    """A claim as recorded: its id, the quantity it was read as, and its position."""

    claim_id: str
    figure: str
    value: str
    quantity: Quantity
    position: int


class RecordedReport(_Result):
    """A report as recorded, with its claims."""

    report_id: str
    outlet: str
    published_at: datetime
    claims: tuple[RecordedClaim, ...]
    first_position: int
    last_position: int


class RecordedEvent(_Result):
    """A compensating (or other single) event as recorded."""

    event_id: str
    type: str
    claim_id: str | None = None
    position: int
    recorded_at: datetime


class LedgerEvent(_Result):
    """An event read back from the log, decoded, with where and when it was recorded."""

    position: int
    stream_id: str
    stream_version: int
    event_id: str
    type: str
    schema_version: int
    recorded_at: datetime
    metadata: dict[str, Any]
    hash: str
    event: Event


class ReplayResult(_Result):
    """What a replay rebuilt, and whether the rebuild equals the state kept live."""

    events: int
    figures: int
    seconds: float
    identical: bool | None
    differences: tuple[str, ...] = ()
