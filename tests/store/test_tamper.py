"""Tampering behind the store's back is detected, and located at the first bad position.

Each test first removes the database's guards (tests/store/raw.py: the append-only
triggers and the unique indexes), as someone with DDL rights could, then edits, deletes,
renumbers, swaps or duplicates rows with raw SQL. `verify()` must name the first position
that does not check out, and what is wrong there.
"""

from __future__ import annotations

import itertools
import string
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.store.chain import GENESIS
from ledger.store.record import NewEvent
from ledger.store.schema import events
from ledger.store.sql import SQLStore
from tests.store.raw import table_rows, unguard

CONTENT = [c.name for c in events.c if c.name != "position"]

notes = st.text(alphabet=string.ascii_letters, min_size=1, max_size=12)


def fill(store: SQLStore, texts: list[str], batch_size: int = 2) -> None:
    """Append one event per text, in batches, spread over two streams."""
    new = [
        NewEvent(f"claim-{i % 2}", "ClaimAsserted", {"n": i, "note": text}, metadata={"actor": "a"})
        for i, text in enumerate(texts)
    ]
    for start in range(0, len(new), batch_size):
        store.append(new[start : start + batch_size])


def row(store: SQLStore, position: int) -> dict[str, Any]:
    with store.engine.connect() as connection:
        found = connection.execute(sa.select(events).where(events.c.position == position))
        return dict(found.one()._mapping)


def update(store: SQLStore, at: int, **values: Any) -> None:
    with store.engine.begin() as connection:
        connection.execute(events.update().where(events.c.position == at).values(**values))


def delete(store: SQLStore, position: int) -> None:
    with store.engine.begin() as connection:
        connection.execute(events.delete().where(events.c.position == position))


# -- single tamperings: each edits the log and says where and what verify must report ----


def flip_a_payload_byte(store: SQLStore, position: int, offset: int = 0) -> tuple[int, str]:
    """Change one character of the payload's note (a letter, so the JSON stays valid)."""
    payload = row(store, position)["payload"]
    start = payload.rindex('"note":"') + len('"note":"')
    at = start + offset % (payload.index('"', start) - start)
    update(store, position, payload=payload[:at] + chr(ord(payload[at]) ^ 1) + payload[at + 1 :])
    return position, "content changed"


def break_the_payload_json(store: SQLStore, position: int) -> tuple[int, str]:
    """Cut the payload's closing brace, so it no longer decodes."""
    update(store, position, payload=row(store, position)["payload"][:-1])
    return position, "content changed"


def change_the_type(store: SQLStore, position: int) -> tuple[int, str]:
    update(store, position, type="ClaimRetracted")
    return position, "content changed"


def change_recorded_at(store: SQLStore, position: int) -> tuple[int, str]:
    """Move the recorded time by one microsecond."""
    update(
        store, position, recorded_at=row(store, position)["recorded_at"] + timedelta(microseconds=1)
    )
    return position, "content changed"


def change_the_metadata(store: SQLStore, position: int) -> tuple[int, str]:
    update(store, position, metadata='{"actor":"someone else"}')
    return position, "content changed"


def change_the_event_id(store: SQLStore, position: int) -> tuple[int, str]:
    update(store, position, event_id=str(uuid.uuid4()))
    return position, "content changed"


def change_the_stream_version(store: SQLStore, position: int) -> tuple[int, str]:
    update(store, position, stream_version=row(store, position)["stream_version"] + 7)
    return position, "content changed"


def rehash_the_content(store: SQLStore, position: int) -> tuple[int, str]:
    """Change the payload and store a hash that matches it: the next link breaks instead."""
    from ledger.store.chain import event_hash

    old = row(store, position)
    payload = '{"n":-1,"note":"forged"}'
    digest = event_hash(
        old["prev_hash"],
        event_id=old["event_id"],
        stream_id=old["stream_id"],
        stream_version=old["stream_version"],
        type=old["type"],
        schema_version=old["schema_version"],
        payload_text=payload,
        metadata_text=old["metadata"],
        recorded_at=old["recorded_at"],
    )
    update(store, position, payload=payload, hash=digest)
    return position + 1, "event missing"


def delete_an_event(store: SQLStore, position: int) -> tuple[int, str]:
    delete(store, position)
    return position, "event missing"


def delete_and_renumber(store: SQLStore, position: int, head: int) -> tuple[int, str]:
    """Delete an event and move every later one down, leaving no gap in the positions."""
    delete(store, position)
    for later in range(position + 1, head + 1):
        update(store, later, position=later - 1)
    return position, "event missing"


def delete_renumber_and_relink(store: SQLStore, position: int, head: int) -> tuple[int, str]:
    """Delete an event, move every later one down, and point the event that now follows
    the gap at the hash before it: positions and links look whole. The relinked event's
    own hash covers its old `prev_hash`, so it no longer matches: "content changed"."""
    delete_and_renumber(store, position, head)
    before = row(store, position - 1)["hash"] if position > 1 else GENESIS
    update(store, position, prev_hash=before)
    return position, "content changed"


def swap(store: SQLStore, first: int, second: int) -> tuple[int, str]:
    """Exchange the content (every column but the position) of two rows."""
    a, b = row(store, first), row(store, second)
    update(store, first, **{name: b[name] for name in CONTENT})
    update(store, second, **{name: a[name] for name in CONTENT})
    return min(first, second), "order changed"


def duplicate_at_the_end(store: SQLStore, position: int, head: int) -> tuple[int, str]:
    """Insert an exact copy of a recorded row after the last one."""
    with store.engine.begin() as connection:
        connection.execute(events.insert(), row(store, position) | {"position": head + 1})
    return head + 1, "duplicated"


Tampering = Callable[[SQLStore, int, st.DataObject], tuple[int, str]]


def _anywhere(edit: Callable[[SQLStore, int], tuple[int, str]]) -> Tampering:
    return lambda store, head, data: edit(store, data.draw(st.integers(1, head), label="at"))


TAMPERINGS: dict[str, Tampering] = {
    "flip a payload byte": lambda store, head, data: flip_a_payload_byte(
        store, data.draw(st.integers(1, head), label="at"), data.draw(st.integers(0, 20))
    ),
    "break the payload json": _anywhere(break_the_payload_json),
    "change the type": _anywhere(change_the_type),
    "change recorded_at": _anywhere(change_recorded_at),
    "change the metadata": _anywhere(change_the_metadata),
    "change the event id": _anywhere(change_the_event_id),
    "change the stream version": _anywhere(change_the_stream_version),
    # a row other than the last: a hash chain alone cannot see a missing tail
    "rehash the content": lambda store, head, data: rehash_the_content(
        store, data.draw(st.integers(1, head - 1), label="at")
    ),
    "delete an event": lambda store, head, data: delete_an_event(
        store, data.draw(st.integers(1, head - 1), label="at")
    ),
    "delete and renumber": lambda store, head, data: delete_and_renumber(
        store, data.draw(st.integers(1, head - 1), label="at"), head
    ),
    "delete, renumber and relink": lambda store, head, data: delete_renumber_and_relink(
        store, data.draw(st.integers(1, head - 1), label="at"), head
    ),
    "swap two events": lambda store, head, data: swap(
        store, *data.draw(st.lists(st.integers(1, head), min_size=2, max_size=2, unique=True))
    ),
    "duplicate an event at the end": lambda store, head, data: duplicate_at_the_end(
        store, data.draw(st.integers(1, head), label="copy of"), head
    ),
}


@pytest.fixture
def store(database_url: str) -> Iterator[SQLStore]:
    """Five events (positions 1-5) with the guards removed."""
    store = SQLStore(database_url)
    fill(store, ["alpha", "bravo", "charlie", "delta", "echo"])
    unguard(store)
    yield store
    store.close()


class TestTamperingIsLocated:
    """Each kind of tampering is reported at the first bad position, with what is wrong."""

    def assert_reported(self, store: SQLStore, position: int, problem: str) -> None:
        result = store.verify()
        assert not result.ok
        assert (result.bad_position, result.problem) == (position, problem), result.detail
        assert result.count == result.head_position == position - 1

    def test_unguarded_untouched_log_still_verifies(self, store: SQLStore) -> None:
        """Removing the guards alone changes nothing verify can see."""
        result = store.verify()
        assert (result.ok, result.count) == (True, 5)

    @pytest.mark.parametrize("offset", [0, 3])
    def test_one_changed_payload_byte(self, store: SQLStore, offset: int) -> None:
        """Changing one byte of a payload is "content changed" at that event."""
        flip_a_payload_byte(store, 3, offset)
        self.assert_reported(store, 3, "content changed")

    def test_payload_that_no_longer_decodes(self, store: SQLStore) -> None:
        """A payload cut so that it is no longer JSON is "content changed" at that event."""
        break_the_payload_json(store, 2)
        self.assert_reported(store, 2, "content changed")

    @pytest.mark.parametrize(
        "edit",
        [
            change_the_type,
            change_recorded_at,
            change_the_metadata,
            change_the_event_id,
            change_the_stream_version,
        ],
        ids=lambda edit: edit.__name__,
    )
    def test_changed_column(self, store: SQLStore, edit: Callable[[SQLStore, int], Any]) -> None:
        """Any hashed column edited is "content changed" at that event."""
        edit(store, 4)
        self.assert_reported(store, 4, "content changed")

    def test_first_of_several_changes_is_named(self, store: SQLStore) -> None:
        """With several events changed, verify names the earliest."""
        change_the_type(store, 4)
        flip_a_payload_byte(store, 2)
        self.assert_reported(store, 2, "content changed")

    def test_content_rehashed_to_match(self, store: SQLStore) -> None:
        """A forged event with a recomputed hash breaks the next link: "event missing" there."""
        rehash_the_content(store, 2)
        self.assert_reported(store, 3, "event missing")

    @pytest.mark.parametrize("position", [1, 3, 4])
    def test_deleted_event(self, store: SQLStore, position: int) -> None:
        """A deleted event is "event missing" at its position."""
        delete_an_event(store, position)
        self.assert_reported(store, position, "event missing")

    @pytest.mark.parametrize("position", [1, 3])
    def test_deleted_and_renumbered(self, store: SQLStore, position: int) -> None:
        """Closing the gap after a deletion does not hide it: "event missing" there."""
        delete_and_renumber(store, position, 5)
        assert [r["position"] for r in table_rows(store)] == [1, 2, 3, 4]
        self.assert_reported(store, position, "event missing")

    @pytest.mark.parametrize("position", [1, 3])
    def test_deleted_renumbered_and_relinked(self, store: SQLStore, position: int) -> None:
        """A deletion hidden by renumbering and relinking `prev_hash` is "content changed"
        at the relinked event: its hash covers the link it had."""
        delete_renumber_and_relink(store, position, 5)
        rows = table_rows(store)
        assert [r["position"] for r in rows] == [1, 2, 3, 4]
        assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(rows))
        self.assert_reported(store, position, "content changed")

    @pytest.mark.parametrize(("first", "second"), [(2, 3), (1, 5), (4, 2)])
    def test_swapped_events(self, store: SQLStore, first: int, second: int) -> None:
        """Two events that exchanged places are "order changed" at the earlier position."""
        swap(store, first, second)
        self.assert_reported(store, min(first, second), "order changed")

    @pytest.mark.parametrize("position", [2, 5])
    def test_duplicated_event_at_the_end(self, store: SQLStore, position: int) -> None:
        """A copy of a recorded event appended after the last is "duplicated"."""
        duplicate_at_the_end(store, position, 5)
        self.assert_reported(store, 6, "duplicated")

    def test_deleted_tail_shows_only_as_another_head(self, store: SQLStore) -> None:
        """Deleting the last event leaves a valid, shorter chain; the head hash tells it apart.

        A hash chain cannot see a missing tail by itself: the head hash recorded elsewhere
        (an anchor, a reader's checkpoint) is what reveals it.
        """
        head_hash = store.head()[1]
        delete(store, 5)
        result = store.verify()
        assert (result.ok, result.count) == (True, 4)
        assert result.head_hash != head_hash


@pytest.fixture
def unguarded(database_url: str) -> Iterator[SQLStore]:
    """An empty ledger with the guards removed, wiped clean before each example."""
    store = SQLStore(database_url)
    unguard(store)
    yield store
    store.close()


def wipe(store: SQLStore) -> None:
    """Delete every event (the guards are gone), so the next example starts from nothing."""
    with store.engine.begin() as connection:
        connection.execute(events.delete())


class TestAnyTamperingIsLocated:
    """Property: for a random log and one random tampering, verify names where it happened."""

    def test_single_tampering_is_located(self, unguarded: SQLStore) -> None:
        """Whatever the log and the tampering, verify reports its first bad position."""

        @settings(max_examples=25)
        @given(
            texts=st.lists(notes, min_size=2, max_size=7),
            batch_size=st.integers(1, 3),
            kind=st.sampled_from(sorted(TAMPERINGS)),
            data=st.data(),
        )
        def check(texts: list[str], batch_size: int, kind: str, data: st.DataObject) -> None:
            wipe(unguarded)
            fill(unguarded, texts, batch_size)
            assert unguarded.verify().ok
            position, problem = TAMPERINGS[kind](unguarded, len(texts), data)
            result = unguarded.verify()
            assert not result.ok
            assert (result.bad_position, result.problem) == (position, problem), result.detail

        check()


class TestUntamperedLedger:
    """Property: a ledger only ever appended to verifies, however it was appended to."""

    def test_untampered_ledger_always_verifies(self, database_url: str) -> None:
        """After any sequence of appends, in any batches, the whole log verifies."""
        store, total = SQLStore(database_url), 0

        @settings(max_examples=25)
        @given(texts=st.lists(notes, max_size=6), batch_size=st.integers(1, 4))
        def check(texts: list[str], batch_size: int) -> None:
            nonlocal total
            fill(store, texts, batch_size)
            total += len(texts)
            result = store.verify()
            assert (result.ok, result.count) == (True, total)
            assert (result.head_position, result.head_hash) == store.head()

        try:
            check()
        finally:
            store.close()
