"""The contract every event store keeps, whatever holds the log.

`StoreContract` is run against each backend by subclassing it and providing a `store`
fixture (tests/store/test_memory.py, test_sqlite.py, test_postgres.py). The in-memory
store passing it is what makes it a fake the rest of the suite can trust.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import math
import uuid
from collections.abc import Iterator, MutableMapping
from datetime import timedelta
from typing import Any

import pytest
import structlog
from hypothesis import given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from ledger.errors import ConcurrencyError, DuplicateEventError, InvalidPayloadError
from ledger.store.chain import GENESIS, MAX_PAYLOAD_BYTES, MAX_STREAM_ID, hash_of
from ledger.store.record import EventStore, NewEvent, StoredEvent
from tests.store.strategies import metadata, payloads


def new(stream: str = "claim-1", type: str = "ClaimAsserted", **payload: Any) -> NewEvent:
    """A new event with a fresh id."""
    return NewEvent(stream_id=stream, type=type, payload=payload or {"value": "at least 164"})


def everything(store: EventStore) -> list[StoredEvent]:
    """The whole log, read back."""
    return list(store.read_all())


class HookFailed(Exception):
    """Raised by a test hook to abort an append from inside its transaction."""


def _padding_for(size: int) -> dict[str, str]:
    """A payload whose canonical JSON is exactly `size` bytes."""
    return {"x": "a" * (size - len('{"x":""}'))}


def _cyclic() -> dict[str, Any]:
    """A payload that contains itself."""
    payload: dict[str, Any] = {"a": []}
    payload["a"].append(payload)
    return payload


BAD_INPUT = {
    "NaN": (NewEvent("claim-1", "T", {"killed": math.nan}), "payload"),
    "infinity": (NewEvent("claim-1", "T", {"killed": math.inf}), "payload"),
    "negative infinity nested": (NewEvent("claim-1", "T", {"a": [{"b": -math.inf}]}), "payload"),
    "not serialisable": (NewEvent("claim-1", "T", {"when": object()}), "payload"),
    "NUL in a string": (NewEvent("claim-1", "T", {"quote": "at least\x00 164"}), "payload"),
    "NUL in a key": (NewEvent("claim-1", "T", {"qu\x00ote": "164"}), "payload"),
    "NUL in metadata": (NewEvent("claim-1", "T", {}, metadata={"actor": "\x00"}), "metadata"),
    "lone surrogate": (NewEvent("claim-1", "T", {"quote": "\ud800"}), "payload"),
    "non-string keys": (NewEvent("claim-1", "T", {"by": {2: "a", 10: "b"}}), "payload"),
    "one int key": (NewEvent("claim-1", "T", {"by": {1: "a"}}), "payload"),
    "a bool key": (NewEvent("claim-1", "T", {True: "a"}), "payload"),  # type: ignore[dict-item]
    "a None key": (NewEvent("claim-1", "T", {"a": [{None: 1}]}), "payload"),
    "a float key beside a tuple": (
        NewEvent("claim-1", "T", {"t": (1, 2), "f": {1.5: 0}}),
        "payload",
    ),
    "int key in metadata": (NewEvent("claim-1", "T", {}, metadata={"n": {0: "x"}}), "metadata"),
    "a cycle": (NewEvent("claim-1", "T", _cyclic()), "payload"),
    "payload over the limit": (
        NewEvent("claim-1", "T", _padding_for(MAX_PAYLOAD_BYTES + 1)),
        "payload",
    ),
    "payload not an object": (NewEvent("claim-1", "T", ["164"]), "payload"),  # type: ignore[arg-type]
    "empty stream id": (NewEvent("", "T", {}), "stream_id"),
    "blank stream id": (NewEvent("   ", "T", {}), "stream_id"),
    "256-character stream id": (NewEvent("s" * (MAX_STREAM_ID + 1), "T", {}), "stream_id"),
    "NUL in stream id": (NewEvent("claim\x00-1", "T", {}), "stream_id"),
    "empty type": (NewEvent("claim-1", "", {}), "type"),
    "schema version 0": (NewEvent("claim-1", "T", {}, schema_version=0), "schema_version"),
}


class StoreContract:
    """Behaviour every `EventStore` backend keeps. Subclasses provide the `store` fixture."""

    @pytest.fixture
    def store(self) -> Iterator[EventStore]:
        raise NotImplementedError("a backend's test module provides the store")

    # -- positions and versions -------------------------------------------------------

    def test_append_assigns_gap_free_positions_from_one(self, store: EventStore) -> None:
        """Positions start at 1 and increase by one across batches, whatever the stream."""
        first = store.append([new("claim-1"), new("claim-2")])
        second = store.append([new("claim-1")])
        third = store.append([new("claim-3"), new("claim-2"), new("claim-1")])
        assert [e.position for e in first + second + third] == [1, 2, 3, 4, 5, 6]
        assert store.head()[0] == 6

    def test_append_assigns_stream_versions(self, store: EventStore) -> None:
        """Each stream counts its own versions from 1, across and within batches."""
        stored = store.append([new("claim-1"), new("claim-2"), new("claim-1")])
        stored += store.append([new("claim-1")])
        assert [(e.stream_id, e.stream_version) for e in stored] == [
            ("claim-1", 1),
            ("claim-2", 1),
            ("claim-1", 2),
            ("claim-1", 3),
        ]

    def test_empty_batch_appends_nothing(self, store: EventStore) -> None:
        """Appending no events returns no events and leaves the head alone."""
        store.append([new()])
        assert store.append([]) == []
        assert store.head()[0] == 1

    # -- optimistic concurrency -------------------------------------------------------

    def test_expected_version_that_matches_appends(self, store: EventStore) -> None:
        """An append expecting the stream's current version goes through."""
        store.append([new("claim-1"), new("claim-1")])
        stored = store.append([new("claim-1")], {"claim-1": 2})
        assert stored[0].stream_version == 3

    def test_expected_version_mismatch_raises_and_appends_nothing(self, store: EventStore) -> None:
        """A stale expected version raises ConcurrencyError and the batch is not recorded."""
        store.append([new("claim-1"), new("claim-1")])
        head = store.head()
        with pytest.raises(ConcurrencyError) as raised:
            store.append([new("claim-1"), new("claim-2")], {"claim-1": 1})
        assert (raised.value.stream_id, raised.value.expected, raised.value.actual) == (
            "claim-1",
            1,
            2,
        )
        assert store.head() == head
        assert store.read_stream("claim-2") == []

    def test_expected_version_zero_means_a_new_stream(self, store: EventStore) -> None:
        """Expecting version 0 succeeds for a new stream and fails once it exists."""
        store.append([new("claim-1")], {"claim-1": 0})
        with pytest.raises(ConcurrencyError) as raised:
            store.append([new("claim-1")], {"claim-1": 0})
        assert raised.value.actual == 1
        assert store.head()[0] == 1

    def test_expected_version_of_a_stream_outside_the_batch_is_checked(
        self, store: EventStore
    ) -> None:
        """A batch may be conditional on another stream's version."""
        store.append([new("source-moh")])
        with pytest.raises(ConcurrencyError):
            store.append([new("claim-1")], {"source-moh": 0})
        stored = store.append([new("claim-1")], {"source-moh": 1})
        assert stored[0].position == 2

    # -- idempotent retries -----------------------------------------------------------

    def test_new_event_ids_are_time_ordered(self, store: EventStore) -> None:
        """Ids made for new events are UUIDs of version 7: in the order they were made, as
        text too, so the `event_id` index grows at its end."""
        stored = [store.append([new(f"claim-{n}")])[0] for n in range(50)]
        ids = [event.event_id for event in stored]
        assert {i.version for i in ids} == {7}
        assert sorted(ids) == ids
        assert sorted(map(str, ids)) == [str(i) for i in ids]

    def test_an_event_is_found_by_its_id(self, store: EventStore) -> None:
        """`find` gives the event recorded under an id, None for an id never recorded."""
        batch = [new("claim-1"), new("claim-2")]
        stored = store.append(batch)
        assert store.find(batch[1].event_id) == stored[1]
        assert store.find(uuid.uuid4()) is None

    def test_retry_returns_the_original_events_and_writes_nothing(self, store: EventStore) -> None:
        """The same ids with the same content return the original positions; head unchanged."""
        batch = [new("claim-1"), new("claim-2")]
        original = store.append(batch)
        store.append([new("claim-3")])
        head = store.head()
        assert store.append(batch) == original
        assert store.head() == head
        assert len(everything(store)) == 3

    def test_retry_with_its_original_expected_versions_is_still_a_retry(
        self, store: EventStore
    ) -> None:
        """A retry of a conditional append whose first attempt succeeded returns the original."""
        batch = [new("claim-1")]
        original = store.append(batch, {"claim-1": 0})
        assert store.append(batch, {"claim-1": 0}) == original
        assert store.head()[0] == 1

    def test_retry_ignores_the_caller_copy_of_the_payload(self, store: EventStore) -> None:
        """Equal content built anew (other dict order, tuple for list) is the same content."""
        event_id = uuid.uuid4()
        original = store.append(
            [NewEvent("claim-1", "T", {"a": 1, "b": [1, 2]}, event_id=event_id)]
        )
        again = store.append([NewEvent("claim-1", "T", {"b": (1, 2), "a": 1}, event_id=event_id)])
        assert again == original

    def test_same_id_with_other_content_is_a_duplicate(self, store: EventStore) -> None:
        """Reusing an event id for different content raises DuplicateEventError."""
        event_id = uuid.uuid4()
        store.append([NewEvent("claim-1", "T", {"value": "164"}, event_id=event_id)])
        with pytest.raises(DuplicateEventError) as raised:
            store.append([NewEvent("claim-1", "T", {"value": "165"}, event_id=event_id)])
        assert raised.value.event_id == str(event_id)
        assert store.head()[0] == 1

    @pytest.mark.parametrize(
        "change",
        [
            {"stream_id": "claim-2"},
            {"type": "ClaimRetracted"},
            {"schema_version": 2},
        ],
        ids=["stream", "type", "schema version"],
    )
    def test_same_id_on_another_stream_type_or_version_is_a_duplicate(
        self, store: EventStore, change: dict[str, Any]
    ) -> None:
        """Content includes the stream, the type and the schema version, not only the payload."""
        original = NewEvent("claim-1", "T", {"value": "164"})
        store.append([original])
        with pytest.raises(DuplicateEventError):
            store.append([dataclasses.replace(original, **change)])
        assert store.head()[0] == 1

    def test_partially_recorded_batch_is_a_duplicate(self, store: EventStore) -> None:
        """A batch where only some ids are recorded is not a retry; nothing is appended."""
        recorded = new("claim-1")
        store.append([recorded])
        with pytest.raises(DuplicateEventError):
            store.append([recorded, new("claim-2")])
        assert store.head()[0] == 1
        assert store.read_stream("claim-2") == []

    def test_same_id_twice_in_one_batch_is_a_duplicate(self, store: EventStore) -> None:
        """One id may not name two events of the same batch."""
        first = new("claim-1")
        twin = NewEvent("claim-2", "T", {"other": True}, event_id=first.event_id)
        with pytest.raises(DuplicateEventError):
            store.append([first, twin])
        assert store.head() == (0, GENESIS)

    # -- all or nothing ---------------------------------------------------------------

    def test_failing_hook_rolls_the_whole_batch_back(self, store: EventStore) -> None:
        """If the on_append hook raises, nothing of the batch is recorded and the log verifies."""
        store.append([new("claim-1")])
        head = store.head()

        def fail(_unit_of_work: object, _stored: object) -> None:
            raise HookFailed

        with pytest.raises(HookFailed):
            store.append([new("claim-1"), new("claim-2"), new("claim-3")], on_append=fail)
        assert store.head() == head
        assert [e.position for e in everything(store)] == [1]
        assert store.read_stream("claim-2") == []
        result = store.verify()
        assert (result.ok, result.count) == (True, 1)
        assert store.append([new("claim-2")])[0].position == 2

    def test_hook_sees_the_events_being_stored(self, store: EventStore) -> None:
        """The hook receives exactly the events that append then returns."""
        seen: list[StoredEvent] = []
        stored = store.append(
            [new("claim-1"), new("claim-2")], on_append=lambda _, e: seen.extend(e)
        )
        assert seen == stored

    def test_rolled_back_ids_can_be_appended_later(self, store: EventStore) -> None:
        """An id whose append was rolled back is free: the next attempt records it."""
        event = new("claim-1")

        def fail(_unit_of_work: object, _stored: object) -> None:
            raise HookFailed

        with pytest.raises(HookFailed):
            store.append([event], on_append=fail)
        assert store.append([event])[0].position == 1

    # -- chunks in one transaction -----------------------------------------------------

    def test_chunks_are_appended_in_order_with_the_hook_per_chunk(self, store: EventStore) -> None:
        """`append_chunks` writes every chunk, gap-free and chained, calling the hook with
        each chunk as stored; it returns how many events it appended."""
        seen: list[list[int]] = []
        chunks = [[new("claim-1"), new("claim-2")], [], [new("claim-1")]]
        count = store.append_chunks(
            iter(chunks), on_append=lambda _, e: seen.append([x.position for x in e])
        )
        assert count == 3
        assert seen == [[1, 2], [3]]
        assert [e.stream_version for e in store.read_stream("claim-1")] == [1, 2]
        assert store.verify().ok

    def test_a_failing_chunk_rolls_every_chunk_back(self, store: EventStore) -> None:
        """A hook failing on the third chunk leaves nothing of the first two."""
        store.append([new("claim-0")])
        head = store.head()
        calls = 0

        def fail_third(_unit_of_work: object, _stored: object) -> None:
            nonlocal calls
            calls += 1
            if calls == 3:
                raise HookFailed

        chunks = ([new(f"claim-{n}")] for n in range(1, 5))
        with pytest.raises(HookFailed):
            store.append_chunks(chunks, on_append=fail_third)
        assert store.head() == head
        assert store.read_stream("claim-1") == []
        assert store.verify().ok
        assert store.append([new("claim-1")])[0].position == 2

    def test_a_failing_iterator_rolls_every_chunk_back(self, store: EventStore) -> None:
        """An error raised while the chunks are being produced (a bad line in a file read
        lazily) leaves nothing written."""

        def chunks() -> Iterator[list[NewEvent]]:
            yield [new("claim-1")]
            raise HookFailed

        with pytest.raises(HookFailed):
            store.append_chunks(chunks())
        assert store.head() == (0, GENESIS)
        assert store.verify().ok

    # -- reading ----------------------------------------------------------------------

    def test_read_stream_returns_one_stream_in_version_order(self, store: EventStore) -> None:
        """Only the stream's own events come back, oldest first."""
        stored = store.append([new("claim-1"), new("claim-2"), new("claim-1")])
        stored += store.append([new("claim-2"), new("claim-1")])
        assert store.read_stream("claim-1") == [e for e in stored if e.stream_id == "claim-1"]
        assert [e.stream_version for e in store.read_stream("claim-1")] == [1, 2, 3]
        assert store.read_stream("claim-9") == []

    def test_stored_event_equals_what_is_read_back(self, store: EventStore) -> None:
        """What append returns is exactly what a later read returns, field for field."""
        event = NewEvent(
            "claim-1",
            "ClaimAsserted",
            {"value": "at least 5,969", "low": 5969, "high": None, "share": 0.25, "é": ["✓"]},
            schema_version=2,
            metadata={"actor": "analyst", "correlation_id": str(uuid.uuid4())},
        )
        (stored,) = store.append([event])
        assert store.read_stream("claim-1") == [stored]
        assert everything(store) == [stored]
        assert (stored.event_id, stored.schema_version, stored.metadata) == (
            event.event_id,
            2,
            dict(event.metadata),
        )

    def test_stored_event_does_not_alias_the_caller_payload(self, store: EventStore) -> None:
        """Mutating the caller's payload after the append changes nothing recorded."""
        payload: dict[str, Any] = {"figures": [1, 2]}
        (stored,) = store.append([NewEvent("claim-1", "T", payload)])
        payload["figures"].append(3)
        assert stored.payload == {"figures": [1, 2]}
        assert everything(store)[0].payload == {"figures": [1, 2]}

    def test_read_all_is_lazy(self, store: EventStore) -> None:
        """read_all is a generator: nothing is read until it is iterated."""
        assert inspect.isgenerator(store.read_all())
        store.append([new()])
        reader = store.read_all()
        store.append([new(), new()])
        assert [e.position for e in reader] == [1, 2, 3]

    def test_read_all_reads_in_batches_and_catches_up(self, store: EventStore) -> None:
        """A reader part-way through sees events appended after it started, in order."""
        store.append([new() for _ in range(5)])
        reader = store.read_all(batch_size=2)
        seen = [next(reader).position for _ in range(3)]
        store.append([new(), new()])
        seen += [e.position for e in reader]
        assert seen == [1, 2, 3, 4, 5, 6, 7]

    def test_read_all_returns_exactly_the_events_after(self, store: EventStore) -> None:
        """For any `after` and batch size, read_all yields positions after+1..head in order."""
        stored = store.append([new(f"claim-{i % 3}") for i in range(9)])

        @settings(max_examples=25)
        @given(after=st.integers(min_value=0, max_value=11), batch_size=st.integers(1, 5))
        def check(after: int, batch_size: int) -> None:
            assert list(store.read_all(after, batch_size=batch_size)) == stored[after:]

        check()

    def test_read_all_of_an_empty_log_is_empty(self, store: EventStore) -> None:
        """An empty log reads as nothing, from anywhere."""
        assert list(store.read_all()) == []
        assert list(store.read_all(5)) == []

    def test_any_json_payload_round_trips(self, store: EventStore) -> None:
        """Any JSON object without NUL is read back equal, and the log still verifies."""
        count = 0

        @settings(max_examples=25)
        @given(payload=payloads, meta=metadata)
        def check(payload: dict[str, Any], meta: dict[str, Any]) -> None:
            nonlocal count
            (stored,) = store.append([NewEvent("claim-1", "T", payload, metadata=meta)])
            count += 1
            assert stored.payload == payload
            assert store.read_stream("claim-1")[-1] == stored

        check()
        result = store.verify()
        assert (result.ok, result.count) == (True, count)

    # -- time -------------------------------------------------------------------------

    def test_recorded_at_is_utc_and_never_goes_back(self, store: EventStore) -> None:
        """The store stamps each event with an aware UTC time, non-decreasing along the log."""
        for _ in range(5):
            store.append([new(), new()])
        times = [e.recorded_at for e in everything(store)]
        assert all(t.utcoffset() == timedelta(0) for t in times)
        assert times == sorted(times)

    def test_events_of_one_batch_share_their_recorded_at(self, store: EventStore) -> None:
        """A batch is one transaction, recorded at one moment."""
        stored = store.append([new(), new(), new()])
        assert len({e.recorded_at for e in stored}) == 1

    # -- bad input --------------------------------------------------------------------

    @pytest.mark.parametrize(("event", "field"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
    def test_bad_input_is_refused_naming_the_field(
        self, store: EventStore, event: NewEvent, field: str
    ) -> None:
        """Bad input raises InvalidPayloadError naming the field; nothing is appended."""
        store.append([new("claim-1")])
        head = store.head()
        with pytest.raises(InvalidPayloadError) as raised:
            store.append([new("claim-2"), event])
        assert raised.value.field == field
        assert raised.value.reason
        assert store.head() == head
        assert store.read_stream("claim-2") == []
        result = store.verify()
        assert (result.ok, result.count) == (True, 1)

    @pytest.mark.parametrize(
        "shared", [{"batch": "b", "n": 1}, {"batch": "b", "tags": ["x"]}], ids=["flat", "nested"]
    )
    def test_tuples_are_stored_as_lists_and_shared_metadata_is_not_aliased(
        self, store: EventStore, shared: dict[str, Any]
    ) -> None:
        """A tuple is a JSON array; events of a batch sharing one metadata object each
        get a copy of their own, equal to what a later read returns."""
        expected = {
            key: list(value) if isinstance(value, list) else value for key, value in shared.items()
        }
        stored = store.append(
            [NewEvent("claim-1", "T", {"t": (1, (2, "3"))}, metadata=shared) for _ in range(3)]
        )
        assert stored[0].payload == {"t": [1, [2, "3"]]}
        assert everything(store) == stored
        for record in stored:
            assert record.metadata is not shared
            assert record.metadata == expected
        stored[0].metadata["batch"] = "changed"
        stored[0].metadata.get("tags", []).append("y")
        assert [e.metadata for e in stored[1:]] == [expected, expected]
        assert shared == expected

    def test_limits_are_inclusive(self, store: EventStore) -> None:
        """A payload of exactly the size limit and a 255-character stream id are accepted."""
        stored = store.append([NewEvent("s" * MAX_STREAM_ID, "T", _padding_for(MAX_PAYLOAD_BYTES))])
        assert everything(store) == stored
        assert store.verify().ok

    # -- the hash chain and verify ----------------------------------------------------

    def test_empty_log_verifies(self, store: EventStore) -> None:
        """An empty log verifies with count 0 at the genesis hash."""
        result = store.verify()
        assert (result.ok, result.count, result.head_position, result.head_hash) == (
            True,
            0,
            0,
            GENESIS,
        )
        assert result.bad_position is None
        assert store.head() == (0, GENESIS)

    def test_log_verifies_with_count_and_head_hash(self, store: EventStore) -> None:
        """verify reports the number of events and the last event's hash."""
        store.append([new("claim-1"), new("claim-2")])
        stored = store.append([new("claim-1")])
        result = store.verify()
        assert (result.ok, result.count, result.head_position) == (True, 3, 3)
        assert result.head_hash == stored[-1].hash == store.head()[1]

    def test_each_event_is_chained_to_the_previous_hash(self, store: EventStore) -> None:
        """prev_hash is the previous event's hash (genesis first); hash covers the content."""
        store.append([new("claim-1"), new("claim-2")])
        store.append([new("claim-1")])
        log = everything(store)
        assert [e.prev_hash for e in log] == [GENESIS] + [e.hash for e in log[:-1]]
        assert all(hash_of(e) == e.hash for e in log)
        assert len({e.hash for e in log}) == len(log)

    # -- logging ----------------------------------------------------------------------

    @pytest.fixture
    def logs(self) -> Iterator[list[MutableMapping[str, Any]]]:
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
        with capture_logs() as entries:
            yield entries

    def test_append_and_verify_log_positions_and_counts(
        self, store: EventStore, logs: list[MutableMapping[str, Any]]
    ) -> None:
        """An append logs its first and last position and count; verify logs ok and count."""
        store.append([new()])
        store.append([new(), new()])
        store.verify()
        appended = [e for e in logs if e["event"] == "appended"]
        assert [(e["first"], e["last"], e["count"]) for e in appended] == [(1, 1, 1), (2, 3, 2)]
        assert all(e["log_level"] == "info" for e in appended)
        (verified,) = [e for e in logs if e["event"] == "verified"]
        assert (verified["ok"], verified["count"]) == (True, 3)
