"""Between domain events and the store's plain records: streams, metadata, upcasting."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, cast

from pydantic import ValidationError

from ledger.domain.events import (
    EVENT_ADAPTER,
    EVENT_CLASSES,
    ClaimAsserted,
    Event,
    FigureDefined,
    ReportFiled,
    SourceRegistered,
    upcast,
)
from ledger.errors import EventDecodeError
from ledger.store.record import NewEvent, StoredEvent


def stream_of(event: Event) -> str:
    """The stream an event belongs to; one per source, figure, report and claim."""
    match event:
        case SourceRegistered():
            return f"source:{event.source_id}"
        case FigureDefined():
            return f"figure:{event.figure}"
        case ReportFiled() | ClaimAsserted():
            return f"report:{event.report_id}"
        case _:
            return f"claim:{event.claim_id}"


def to_new_event(event: Event, metadata: dict[str, Any]) -> NewEvent:
    """The store record for a domain event, with its class's schema version."""
    payload = event.model_dump(mode="json")
    del payload["type"]  # cheaper than pydantic's `exclude`, which is resolved on every call
    return NewEvent(
        stream_id=stream_of(event),
        type=event.type,
        payload=payload,
        schema_version=type(event).schema_version,
        metadata=metadata,
    )


def from_text(stored: StoredEvent, payload: str) -> Event:
    """The domain event for a record whose payload is still the stored JSON text: parsed
    and validated in one step when its schema is current, else as `from_stored` does."""
    cls = EVENT_CLASSES.get(stored.type)
    if cls is None or stored.schema_version != cls.schema_version:
        try:
            loaded = json.loads(payload)
        except ValueError as error:
            raise EventDecodeError(f"position {stored.position}: {error}") from error
        return from_stored(dataclasses.replace(stored, payload=loaded))
    try:
        return cast(Event, cls.model_validate_json(payload))
    except ValidationError as error:
        raise EventDecodeError(f"position {stored.position}: {error}") from error


def from_stored(stored: StoredEvent) -> Event:
    """The domain event for a record, upcast from older schema versions.

    Raises `EventDecodeError` for an unknown type, a version newer than this code knows,
    a missing upcaster, or a payload that no longer validates.
    """
    try:
        payload = upcast(stored.type, stored.schema_version, dict(stored.payload))
    except LookupError as error:
        raise EventDecodeError(f"position {stored.position}: {error.args[0]}") from error
    try:
        return EVENT_ADAPTER.validate_python({**payload, "type": stored.type})
    except ValidationError as error:
        raise EventDecodeError(f"position {stored.position}: {error}") from error
