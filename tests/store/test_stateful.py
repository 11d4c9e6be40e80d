"""A rule-based state machine drives the SQL store against a model of what it must hold.

The model is a list of the events appended (in order) and the version of each stream.
Every rule does to the store what a client could, and checks the answer against the
model; after every step the store's head must be the model's.
"""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ledger.errors import ConcurrencyError, DuplicateEventError, InvalidPayloadError
from ledger.store.chain import GENESIS
from ledger.store.record import NewEvent, StoredEvent
from ledger.store.sql import SQLStore
from tests.conftest import postgres_server_url
from tests.store.databases import FreshDatabases

STREAMS = st.sampled_from(["claim-1", "claim-2", "source-moh"])
PAYLOADS = st.fixed_dictionaries(
    {"value": st.sampled_from(["at least 164", "nearly 6,000", "dozens"])},
    optional={
        "n": st.integers(-5, 5000),
        "note": st.text(max_size=5).filter(lambda t: "\0" not in t),
    },
)


class LedgerMachine(RuleBasedStateMachine):
    """The store against its model; subclasses say which database each example gets."""

    databases: FreshDatabases

    def __init__(self) -> None:
        super().__init__()
        self._resources = contextlib.ExitStack()
        self.url = self._resources.enter_context(self.databases.url())
        self.store = SQLStore(self.url)
        self.model: list[StoredEvent] = []
        self.versions: dict[str, int] = {}
        self.batches: list[tuple[list[NewEvent], dict[str, int], list[StoredEvent]]] = []
        self.ids = 0

    def teardown(self) -> None:
        self.store.close()
        self._resources.close()

    def new_event(self, stream: str, payload: dict[str, Any]) -> NewEvent:
        self.ids += 1
        return NewEvent(stream, "ClaimAsserted", payload, event_id=uuid.UUID(int=self.ids))

    @rule(
        streams=st.lists(STREAMS, min_size=1, max_size=3),
        payload=PAYLOADS,
        conditional=st.booleans(),
    )
    def append(self, streams: list[str], payload: dict[str, Any], conditional: bool) -> None:
        """A batch appends at the next positions and versions, with or without expectations."""
        batch = [self.new_event(stream, payload) for stream in streams]
        expected = {s: self.versions.get(s, 0) for s in streams} if conditional else {}
        stored = self.store.append(batch, expected)
        assert [e.position for e in stored] == list(
            range(len(self.model) + 1, len(self.model) + len(batch) + 1)
        )
        for event in stored:
            self.versions[event.stream_id] = self.versions.get(event.stream_id, 0) + 1
            assert event.stream_version == self.versions[event.stream_id]
        assert stored[0].prev_hash == (self.model[-1].hash if self.model else GENESIS)
        self.model.extend(stored)
        self.batches.append((batch, expected, stored))

    @rule(stream=STREAMS, off_by=st.sampled_from([-2, -1, 1, 3]))
    def conflicting_append(self, stream: str, off_by: int) -> None:
        """An append expecting a version the stream is not at raises and changes nothing."""
        actual = self.versions.get(stream, 0)
        expected = actual + off_by if actual + off_by >= 0 else actual + 1
        with pytest.raises(ConcurrencyError) as raised:
            self.store.append([self.new_event(stream, {"value": "dozens"})], {stream: expected})
        assert (raised.value.expected, raised.value.actual) == (expected, actual)

    @precondition(lambda self: self.batches)
    @rule(data=st.data())
    def retry(self, data: st.DataObject) -> None:
        """Appending a recorded batch again returns its original events and writes nothing."""
        batch, expected, stored = data.draw(st.sampled_from(self.batches))
        assert self.store.append(batch, expected) == stored

    @precondition(lambda self: self.model)
    @rule(data=st.data(), payload=PAYLOADS)
    def reuse_an_id(self, data: st.DataObject, payload: dict[str, Any]) -> None:
        """A recorded id with other content is a duplicate; nothing is appended."""
        recorded = data.draw(st.sampled_from(self.model))
        other = NewEvent(
            recorded.stream_id,
            recorded.type,
            payload | {"value": "forged"},
            event_id=recorded.event_id,
        )
        with pytest.raises(DuplicateEventError):
            self.store.append([other])

    @rule(stream=STREAMS, bad=st.sampled_from([float("nan"), float("inf"), "a\0b", object()]))
    def bad_input(self, stream: str, bad: object) -> None:
        """A batch with one bad payload raises InvalidPayloadError and appends nothing."""
        batch = [self.new_event(stream, {"value": "dozens"}), self.new_event(stream, {"x": bad})]
        with pytest.raises(InvalidPayloadError) as raised:
            self.store.append(batch)
        assert raised.value.field == "payload"

    @rule(stream=STREAMS)
    def read_stream(self, stream: str) -> None:
        """A stream reads back as the model's events of that stream, in order."""
        assert self.store.read_stream(stream) == [e for e in self.model if e.stream_id == stream]

    @rule(after=st.integers(min_value=0, max_value=40), batch_size=st.integers(1, 4))
    def read_all(self, after: int, batch_size: int) -> None:
        """Reading everything after a position gives exactly the model's tail."""
        assert list(self.store.read_all(after, batch_size=batch_size)) == self.model[after:]

    @rule()
    def verify(self) -> None:
        """The chain verifies with the model's count and head hash."""
        result = self.store.verify()
        assert result.ok, result
        assert result.count == len(self.model)
        assert result.head_hash == (self.model[-1].hash if self.model else GENESIS)

    @rule()
    def close_and_reopen(self) -> None:
        """Closing and opening the ledger again loses and changes nothing."""
        self.store.close()
        self.store = SQLStore(self.url)

    @invariant()
    def head_is_the_models(self) -> None:
        assert self.store.head() == (
            (len(self.model), self.model[-1].hash) if self.model else (0, GENESIS)
        )


STEPS = settings(max_examples=20, stateful_step_count=20, deadline=None)


class SQLiteMachine(LedgerMachine):
    """Each example on a new SQLite file."""


class PostgresMachine(LedgerMachine):
    """Each example in a new PostgreSQL schema."""


class TestSQLiteLedgerMachine(SQLiteMachine.TestCase):  # type: ignore[misc,valid-type]  # built at runtime
    """The SQLite store behaves like its model under any sequence of operations."""

    settings = STEPS

    def setUp(self) -> None:
        self._folder = tempfile.TemporaryDirectory()
        SQLiteMachine.databases = FreshDatabases("sqlite", Path(self._folder.name))

    def tearDown(self) -> None:
        SQLiteMachine.databases.close()
        self._folder.cleanup()


@pytest.mark.postgres
class TestPostgresLedgerMachine(PostgresMachine.TestCase):  # type: ignore[misc,valid-type]  # built at runtime
    """The PostgreSQL store behaves like its model under any sequence of operations."""

    settings = STEPS

    def setUp(self) -> None:
        PostgresMachine.databases = FreshDatabases(
            "postgresql", Path(tempfile.gettempdir()), postgres_server_url()
        )

    def tearDown(self) -> None:
        PostgresMachine.databases.close()
