"""Decoding stored events: schema versions, upcasters, and events this code does not know."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from ledger.domain import events
from ledger.domain.events import SourceRegistered, upcaster
from ledger.errors import EventDecodeError
from ledger.service.mapper import from_stored, stream_of, to_new_event
from ledger.store.record import StoredEvent

V1_SOURCE = {"source_id": "kz-health-ministry", "title": "Health Ministry", "kind": "government"}
"""A fixed v1 payload: before (in this test's story) `title` was renamed `name`."""


def stored(type_: str, payload: dict[str, Any], version: int = 1) -> StoredEvent:
    return StoredEvent(
        position=7,
        stream_id="source:x",
        stream_version=1,
        event_id=uuid.uuid4(),
        type=type_,
        schema_version=version,
        payload=payload,
        metadata={},
        recorded_at=datetime(2022, 1, 9, tzinfo=UTC),
        prev_hash="0" * 64,
        hash="1" * 64,
    )


@pytest.fixture
def source_v2(monkeypatch: pytest.MonkeyPatch) -> None:
    """SourceRegistered at schema version 2, with an upcaster from version 1."""
    monkeypatch.setattr(SourceRegistered, "schema_version", 2)
    monkeypatch.setitem(events.UPCASTERS, ("SourceRegistered", 1), lambda p: p)  # undone after

    @upcaster("SourceRegistered", 1)
    def rename_title(payload: dict[str, Any]) -> dict[str, Any]:
        payload = dict(payload)
        payload["name"] = payload.pop("title")
        return payload


class TestUpcasting:
    def test_a_v1_payload_is_upcast_to_the_current_version(self, source_v2: None) -> None:
        """A stored v1 payload decodes as the current event through its upcaster."""
        event = from_stored(stored("SourceRegistered", V1_SOURCE, version=1))
        assert isinstance(event, SourceRegistered)
        assert event.name == "Health Ministry"

    def test_new_events_are_written_at_the_current_version(self, source_v2: None) -> None:
        """Appends carry the class's current schema version."""
        event = SourceRegistered(source_id="x", name="X", kind="media")  # type: ignore[arg-type]
        assert to_new_event(event, {}).schema_version == 2

    def test_a_missing_upcaster_is_a_decode_error(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without an upcaster for an old version, decoding fails loudly, naming the version."""
        monkeypatch.setattr(SourceRegistered, "schema_version", 3)
        with pytest.raises(EventDecodeError, match="no upcaster for SourceRegistered v1"):
            from_stored(stored("SourceRegistered", V1_SOURCE, version=1))


class TestUnknownEvents:
    def test_an_unknown_type_is_a_decode_error(self) -> None:
        """A stored event of a type this code does not know names the type and position."""
        with pytest.raises(EventDecodeError, match=r"position 7: unknown event type 'Bogus'"):
            from_stored(stored("Bogus", {}))

    def test_a_newer_schema_version_is_a_decode_error(self) -> None:
        """An event written by newer code asks for an upgrade instead of guessing."""
        payload = {"source_id": "x", "name": "X", "kind": "media"}
        with pytest.raises(EventDecodeError, match="newer than this code knows"):
            from_stored(stored("SourceRegistered", payload, version=9))

    def test_a_payload_that_no_longer_validates_is_a_decode_error(self) -> None:
        """A payload missing required fields is reported, not half-decoded."""
        with pytest.raises(EventDecodeError, match="position 7"):
            from_stored(stored("SourceRegistered", {"source_id": "x"}))


class TestStreams:
    def test_each_source_has_its_own_stream(self) -> None:
        """Events are grouped in streams named after what they concern."""
        event = SourceRegistered(source_id="nyt", name="NYT", kind="media")  # type: ignore[arg-type]
        assert stream_of(event) == "source:nyt"
