"""One row must never break the ledger: a well-hashed event the ledger would never have
appended is named by `verify` (which folds the log through the ledger's rules, never
trusting the read model), the ledger still opens read-only, and `import` checks every
record the same way before it commits anything."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import ledger
from ledger.service.transfer import export_lines, import_lines
from ledger.store.record import NewEvent
from tests.tampering import rehashed


@pytest.fixture
def ledger_url(database_url: str) -> str:
    """SQLite and PostgreSQL only: a damaged log is written behind the database's back."""
    return database_url


KILLED = "kz-unrest-2022/killed/kazakhstan"


def behind_the_back(lg: ledger.Ledger, type: str, payload: dict[str, Any]) -> int:
    """Append a row with a valid hash at the next position, without the ledger's checks
    (what a role with INSERT on `events` can do); returns its position."""
    (stored,) = lg.store.append(
        [NewEvent(stream_id="forged:1", type=type, payload=payload, metadata={"batch": "x"})]
    )
    return stored.position


def unknown_type(lg: ledger.Ledger) -> int:
    return behind_the_back(lg, "ClaimVanished", {"claim_id": "rferl-killed-164"})


def unknown_claim(lg: ledger.Ledger) -> int:
    return behind_the_back(
        lg, "ClaimRetracted", {"claim_id": "c_nowhere", "by": "rferl", "reason": "gone"}
    )


class TestOneBadRow:
    @pytest.mark.parametrize(
        ("forge", "reason"),
        [(unknown_type, "unknown event type"), (unknown_claim, "refers to an unknown claim")],
    )
    def test_verify_names_the_first_bad_position_from_the_log_alone(
        self, seeded: ledger.Ledger, forge: Callable[[ledger.Ledger], int], reason: str
    ) -> None:
        """The chain is intact, yet verify fails at the forged row, saying what is wrong."""
        position = forge(seeded)

        result = seeded.verify()

        assert (result.ok, result.bad_position, result.problem) == (
            False,
            position,
            "content invalid",
        )
        assert result.detail is not None
        assert reason in result.detail
        assert seeded.verify(content=False).ok  # the hash chain itself holds

    def test_the_ledger_still_opens_read_only(self, seeded: ledger.Ledger) -> None:
        """Reopened, the ledger reads and exports up to the last good position; a write is
        refused with a typed error naming the position, and nothing is appended."""
        url = seeded.url
        position = unknown_type(seeded)
        seeded.close()

        with ledger.open(url) as reopened:
            assert reopened.damage is not None
            assert reopened.damage.position == position
            assert reopened.estimate(KILLED).best == 164
            assert len(list(export_lines(reopened))) == position
            assert reopened.verify().bad_position == position
            with pytest.raises(ledger.LogDamagedError, match=f"damaged at position {position}"):
                reopened.register_source("late", name="Late", kind="media")
            assert reopened.head() == position

    def test_a_live_writer_refuses_to_project_over_a_row_it_never_saw(
        self, seeded: ledger.Ledger
    ) -> None:
        """A row slipped in behind an open ledger makes its next append a typed error,
        not a read model that silently skips it."""
        position = unknown_claim(seeded)

        with pytest.raises(ledger.ReadModelBehindError):
            seeded.register_source("late", name="Late", kind="media")
        assert seeded.head() == position


class TestImportChecksEveryRecord:
    def test_a_forged_quantity_under_its_text_is_refused_and_nothing_written(
        self, seeded: ledger.Ledger, lg_empty: ledger.Ledger
    ) -> None:
        """999,999 stored under the text "at least 164", hashes recomputed: refused as a
        quantity the lexicon does not read from the value; the target stays empty."""
        lines = list(export_lines(seeded))
        number = next(i for i, line in enumerate(lines) if '"value":"at least 164"' in line)
        record = json.loads(lines[number])
        record["payload"]["quantity"]["low"] = 999999
        lines[number] = json.dumps(record)

        with pytest.raises(ledger.InvalidInputError) as caught:
            import_lines(lg_empty, rehashed([json.loads(line) for line in lines]), "forged.jsonl")

        assert caught.value.field == f"forged.jsonl:{number + 1}"
        assert "quantity is not what the lexicon reads" in caught.value.reason
        assert lg_empty.head() == 0
        assert lg_empty.figures() == []

    def test_a_bad_record_late_in_the_file_leaves_nothing_committed(
        self, seeded: ledger.Ledger, lg_empty: ledger.Ledger
    ) -> None:
        """A compensation of an unknown claim at the end: every earlier record is rolled
        back with it, and the target opens and verifies, empty."""
        lines = list(export_lines(seeded))
        record = json.loads(lines[-1])
        record["payload"]["claim_id"] = "c_nowhere"
        lines[-1] = json.dumps(record)

        with pytest.raises(ledger.InvalidInputError, match="refers to an unknown claim"):
            import_lines(lg_empty, rehashed([json.loads(line) for line in lines]), "late.jsonl")

        assert lg_empty.head() == 0
        with ledger.open(lg_empty.url) as reopened:
            assert reopened.verify().ok

    def test_a_record_from_the_future_is_refused(
        self, seeded: ledger.Ledger, lg_empty: ledger.Ledger
    ) -> None:
        """An export whose recorded times lie in the future was recorded by no ledger."""
        lines = list(export_lines(seeded))
        future = (datetime.now(UTC) + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        record = json.loads(lines[-1])
        record["recorded_at"] = future
        lines[-1] = json.dumps(record)

        with pytest.raises(ledger.InvalidInputError, match="is in the future"):
            import_lines(lg_empty, rehashed([json.loads(line) for line in lines]), "future.jsonl")
        assert lg_empty.head() == 0

    def test_a_clean_export_imports_with_the_same_head_and_estimates(
        self, seeded: ledger.Ledger, lg_empty: ledger.Ledger
    ) -> None:
        """The checked import keeps the promise: identical head hash, identical estimates."""
        result = import_lines(lg_empty, export_lines(seeded))

        assert result.head_hash == seeded.verify().head_hash
        assert lg_empty.estimates() == seeded.estimates()
        assert lg_empty.verify().ok
