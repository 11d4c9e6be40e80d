"""Known-answer vectors: fixed events give fixed hashes, so the hash format cannot drift.

The same three events and hashes are printed in docs/architecture.md ("Known-answer
vectors") for anyone writing a verifier of their own. A change to the canonical encoding,
to the fields hashed, or to the chaining (leaving out the previous hash, say) changes these
hashes and fails here, even when the rest of the suite, which only compares the code with
itself, stays green.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import ledger
from ledger.service.transfer import export_lines, import_lines
from ledger.store.chain import GENESIS, canonical_json, event_hash, hash_of
from ledger.store.record import StoredEvent

ALMATY = timezone(timedelta(hours=6))

VECTORS: list[dict[str, Any]] = [
    {
        "position": 1,
        "event_id": "00000000-0000-4000-8000-000000000001",
        "stream_id": "source:kz-health-ministry",
        "stream_version": 1,
        "type": "SourceRegistered",
        "schema_version": 1,
        "payload": {
            "source_id": "kz-health-ministry",
            "name": "Министерство здравоохранения",
            "kind": "government",
            "parent": None,
            "notes": 'said "at least 164"\\\n\tthen withdrew it',
        },
        "metadata": {
            "actor": "vectors",
            "batch": "b-1",
            "correlation_id": "b-1",
            "causation_id": None,
        },
        "recorded_at": datetime(2022, 1, 9, 12, 0, tzinfo=ALMATY),  # 06:00 UTC
    },
    {
        "position": 2,
        "event_id": "00000000-0000-4000-8000-000000000002",
        "stream_id": "figure:kz-unrest-2022/killed/almaty",
        "stream_version": 1,
        "type": "FigureDefined",
        "schema_version": 1,
        "payload": {
            "figure": "kz-unrest-2022/killed/almaty",
            "unit": "people",
            "kind": "cumulative",
            "parent": None,
            "description": "Алматы — 103 of the 164",
        },
        "metadata": {
            "actor": "vectors",
            "batch": "b-2",
            "correlation_id": "b-2",
            "causation_id": None,
            "weight": 2.0,
            "share": 0.1,
            "tiny": 1e-07,
            "Zone": {"é": 1, "e": [True, False, None, -0.0]},
        },
        "recorded_at": datetime(2022, 1, 9, 6, 0, 0, 1, tzinfo=UTC),
    },
    {
        "position": 3,
        "event_id": "00000000-0000-4000-8000-000000000003",
        "stream_id": "source:kz-telegram",
        "stream_version": 1,
        "type": "SourceRegistered",
        "schema_version": 1,
        "payload": {
            "source_id": "kz-telegram",
            "name": "Official channel 📢",
            "kind": "channel",
            "parent": None,
            "notes": "\u0001 and a bell \u0007",
        },
        "metadata": {
            "actor": "vectors",
            "batch": "b-2",
            "correlation_id": "b-2",
            "causation_id": None,
        },
        "recorded_at": datetime(2022, 1, 9, 6, 0, 0, 1, tzinfo=UTC),
    },
]

HASHES = [
    "c4b3a9b3329da3d6aa9e8331b3b466a047bb18cc806df2f6cc17daeb41c5accd",
    "c344a4469527c04e4350130baaaa13d56c439afbb76f1ba5b343a8f696067f4b",
    "0dc35fc47fa75dbd72c818744d8379e8b5b8b190ddc8e9159e96f44913511e9f",
]

FIRST_DOCUMENT = (
    '{"event_id":"00000000-0000-4000-8000-000000000001",'
    '"metadata":{"actor":"vectors","batch":"b-1","causation_id":null,"correlation_id":"b-1"},'
    '"payload":{"kind":"government","name":"Министерство здравоохранения",'
    '"notes":"said \\"at least 164\\"\\\\\\n\\tthen withdrew it","parent":null,'
    '"source_id":"kz-health-ministry"},'
    '"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000",'
    '"recorded_at":"2022-01-09T06:00:00.000000Z","schema_version":1,'
    '"stream_id":"source:kz-health-ministry","stream_version":1,"type":"SourceRegistered"}'
)
"""The exact bytes hashed for the first vector (UTF-8)."""


def stored(index: int) -> StoredEvent:
    """Vector `index` as a stored event, chained to the pinned hash before it."""
    vector = VECTORS[index]
    return StoredEvent(
        position=vector["position"],
        stream_id=vector["stream_id"],
        stream_version=vector["stream_version"],
        event_id=uuid.UUID(vector["event_id"]),
        type=vector["type"],
        schema_version=vector["schema_version"],
        payload=vector["payload"],
        metadata=vector["metadata"],
        recorded_at=vector["recorded_at"],
        prev_hash=HASHES[index - 1] if index else GENESIS,
        hash=HASHES[index],
    )


def document(index: int) -> str:
    """The hashed document of vector `index`, built by the documented rule alone: the
    export record without `position` and `hash`, as canonical JSON."""
    vector = VECTORS[index]
    fields = {k: v for k, v in vector.items() if k != "position"}
    fields["recorded_at"] = vector["recorded_at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    fields["prev_hash"] = HASHES[index - 1] if index else GENESIS
    return canonical_json(fields)


def export_line(index: int) -> str:
    """Vector `index` as a line of `ledger export`."""
    record = json.loads(document(index)) | {"position": index + 1, "hash": HASHES[index]}
    return canonical_json(record)


class TestKnownAnswers:
    def test_first_document_is_byte_for_byte_the_documented_one(self) -> None:
        """The canonical text of the first vector is exactly the pinned text."""
        assert document(0) == FIRST_DOCUMENT
        assert hashlib.sha256(FIRST_DOCUMENT.encode("utf-8")).hexdigest() == HASHES[0]

    @pytest.mark.parametrize("index", range(len(VECTORS)))
    def test_the_documented_rule_gives_the_pinned_hash(self, index: int) -> None:
        """SHA-256 of the canonical export record without position and hash is the pinned
        hash (the rule docs/architecture.md states, computed without the ledger's hasher)."""
        text = document(index).encode("utf-8")
        assert hashlib.sha256(text).hexdigest() == HASHES[index]

    @pytest.mark.parametrize("index", range(len(VECTORS)))
    def test_the_ledger_hasher_gives_the_pinned_hash(self, index: int) -> None:
        """`event_hash`, which every append and import uses, gives the pinned hash."""
        vector = VECTORS[index]
        digest = event_hash(
            HASHES[index - 1] if index else GENESIS,
            event_id=vector["event_id"],
            stream_id=vector["stream_id"],
            stream_version=vector["stream_version"],
            type=vector["type"],
            schema_version=vector["schema_version"],
            payload_text=canonical_json(vector["payload"]),
            metadata_text=canonical_json(vector["metadata"]),
            recorded_at=vector["recorded_at"],
        )
        assert digest == HASHES[index]
        assert hash_of(stored(index)) == HASHES[index]

    def test_each_hash_covers_the_previous_one(self) -> None:
        """Chained to another previous hash, the same event hashes differently."""
        again = StoredEvent(**{**_fields(stored(1)), "prev_hash": GENESIS})
        assert hash_of(again) != HASHES[1]


def _fields(event: StoredEvent) -> dict[str, Any]:
    return {name: getattr(event, name) for name in StoredEvent.__slots__}


class TestVectorsThroughTheDatabase:
    def test_imported_vectors_verify_with_the_pinned_head(self, database_url: str) -> None:
        """The vectors imported as an export verify on each backend, with the pinned head
        hash, and export again byte for byte (times survive the database exactly)."""
        lines = [export_line(i) for i in range(len(VECTORS))]
        with ledger.open(database_url) as lg:
            result = import_lines(lg, lines)
            assert (result.head_position, result.head_hash) == (3, HASHES[2])
            check = lg.verify()
            assert (check.ok, check.head_position, check.head_hash) == (True, 3, HASHES[2])
            assert list(export_lines(lg)) == lines


class TestDocumentedVectors:
    def test_architecture_md_prints_these_vectors(self) -> None:
        """docs/architecture.md shows these very export lines, the first hashed text and its
        size, so the published vectors cannot drift from the tested ones."""
        text = (Path(__file__).parents[2] / "docs" / "architecture.md").read_text("utf-8")
        for index in range(len(VECTORS)):
            assert export_line(index) in text.splitlines(), index
        assert FIRST_DOCUMENT in text.splitlines()
        assert f"its UTF-8 bytes, {len(FIRST_DOCUMENT.encode('utf-8'))} of them" in text
