"""What the hash chain alone cannot show, and how the ledger shows it anyway: events removed
from the end of the log, a rewritten chain that is internally valid, and a read model edited
behind the ledger's back — on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from structlog.testing import capture_logs

import ledger
from ledger.service.transfer import export_lines, import_lines
from ledger.store.chain import GENESIS
from tests.conftest import fresh_postgres_schema
from tests.tampering import forge, remove_last_events, set_best


@pytest.fixture
def ledger_url(database_url: str) -> str:
    """SQLite and PostgreSQL only: truncation, tampering, deep checks of the database."""
    return database_url


KILLED = "kz-unrest-2022/killed/kazakhstan"
COUNTED_164 = "rferl-killed-164"  # the claim the killed figure's estimate rests on


@pytest.fixture
def other_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database on the same backend as `database_url`."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'other.db'}"
        return
    with fresh_postgres_schema() as url:
        yield url


@pytest.fixture
def truncated(seeded: ledger.Ledger, database_url: str) -> tuple[int, int]:
    """The founding case with its last five events deleted behind the ledger's back;
    returns (the position the read model had applied, the position the log now ends at)."""
    applied = seeded.head()
    return applied, remove_last_events(database_url, 5)


class TestTruncation:
    def test_opening_keeps_the_evidence_instead_of_rebuilding(
        self, truncated: tuple[int, int], database_url: str
    ) -> None:
        """Opening a ledger whose read model is ahead of its log warns and rebuilds nothing:
        the read model still shows what was applied."""
        applied, head = truncated
        with capture_logs() as logs, ledger.open(database_url) as lg:
            assert lg.catch_up() == head - applied == -5
            assert lg.estimate(KILLED).position == applied  # the checkpoint, as it was
        warnings = [e for e in logs if e["log_level"] == "warning"]
        assert warnings[0]["event"].startswith("read model ahead of the log: events were removed")
        assert (warnings[0]["applied"], warnings[0]["head"]) == (applied, head)

    def test_verify_fails_naming_the_truncation(
        self, truncated: tuple[int, int], database_url: str
    ) -> None:
        """`verify()` fails with "events removed" at the first missing position, saying how
        far the read model got and where the log now ends."""
        applied, head = truncated
        with ledger.open(database_url) as lg:
            result = lg.verify()
        assert (result.ok, result.problem, result.bad_position) == (
            False,
            "events removed",
            head + 1,
        )
        assert result.detail == (
            f"the read model has applied up to position {applied} but the log ends at {head}: "
            "events were removed"
        )
        assert result.count == head  # the chain that is left is itself intact

    def test_appending_over_the_evidence_is_refused(
        self, truncated: tuple[int, int], database_url: str
    ) -> None:
        """An append after a truncation raises `LogTruncatedError` and writes nothing: it
        would overwrite the checkpoint that shows the loss."""
        applied, head = truncated
        with ledger.open(database_url) as lg:
            with pytest.raises(ledger.LogTruncatedError) as caught:
                lg.register_source("late", name="Late", kind="media")
            assert (caught.value.applied, caught.value.head) == (applied, head)
            assert lg.head() == head
            assert lg.verify().problem == "events removed"

    def test_a_writer_that_appended_last_still_sees_the_truncation(
        self, lg: ledger.Ledger, database_url: str
    ) -> None:
        """Events another writer appended, then removed, leave this writer's memory of the
        log's end intact; its next append is refused all the same."""
        lg.register_source("first", name="First", kind="media")
        with ledger.open(database_url) as other:
            other.register_source("second", name="Second", kind="media")
            other.register_source("third", name="Third", kind="media")
        head = remove_last_events(database_url, 2)
        with pytest.raises(ledger.LogTruncatedError) as caught:
            lg.register_source("fourth", name="Fourth", kind="media")
        assert (caught.value.applied, caught.value.head) == (head + 2, head)
        assert lg.head() == head

    def test_replay_refuses_unless_the_loss_is_accepted(
        self, truncated: tuple[int, int], database_url: str
    ) -> None:
        """`replay()` will not rebuild over the evidence; `accept_truncation=True` does, and
        the shorter log then verifies — only an anchor taken before still shows the loss."""
        applied, head = truncated
        with ledger.open(database_url) as lg:
            with pytest.raises(ledger.LogTruncatedError):
                lg.replay()
            assert lg.estimate(KILLED).position == applied  # nothing rebuilt
            assert lg.verify().problem == "events removed"
            result = lg.replay(check=False, accept_truncation=True)
            assert result.events == head
            assert lg.verify().ok
            assert lg.catch_up() == 0


class TestAnchors:
    def test_an_anchor_is_a_position_and_its_hash(self, seeded: ledger.Ledger) -> None:
        """`anchor()` is the head's hash and position, `anchor(at=n)` those of position n
        (GENESIS at 0), written and parsed as HASH@POSITION."""
        head = seeded.anchor()
        check = seeded.verify()
        assert (head.hash, head.position) == (check.head_hash, check.head_position)
        third = seeded.anchor(at=3)
        assert third.hash == next(seeded.events(after=2)).hash
        assert str(third) == f"{third.hash}@3"
        assert ledger.Anchor.parse(str(third)) == third
        assert ledger.Anchor.parse(f" {third.hash.upper()}@3\n") == third
        assert seeded.anchor(at=0) == ledger.Anchor(hash=GENESIS, position=0)

    def test_an_anchor_beyond_the_head_is_refused(self, seeded: ledger.Ledger) -> None:
        """There is no anchor of a position the log has not reached."""
        with pytest.raises(ledger.InvalidInputError) as caught:
            seeded.anchor(at=seeded.head() + 1)
        assert caught.value.field == "at"
        assert f"the log ends at position {seeded.head()}" in caught.value.reason

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "@3",
            "abc@3",
            "0" * 64,
            "0" * 64 + "@",
            "0" * 64 + "@-1",
            "0" * 63 + "g@1",
            "0" * 64 + "@²",
        ],
    )
    def test_malformed_anchors_are_named(self, seeded: ledger.Ledger, text: str) -> None:
        """A malformed anchor is an input error naming which of `expect` it is."""
        with pytest.raises(ledger.InvalidInputError) as caught:
            seeded.verify(expect=[str(seeded.anchor()), text])
        assert caught.value.field == "expect[1]"

    def test_holding_anchors_are_reported(self, seeded: ledger.Ledger) -> None:
        """`verify(expect=…)` passes when every anchor holds, and lists them."""
        anchors = [seeded.anchor(at=0), seeded.anchor(at=7), seeded.anchor()]
        result = seeded.verify(expect=[anchors[0], str(anchors[1]), anchors[2]])
        assert result.ok
        assert result.anchors == tuple(anchors)

    def test_a_rewritten_self_consistent_chain_is_caught_by_an_anchor(
        self, seeded: ledger.Ledger, other_url: str
    ) -> None:
        """A forged export — a quantity changed and every hash recomputed — imports and
        verifies on its own, with an estimate of 1,640 instead of 164; an anchor taken
        before shows that the log was rewritten."""
        anchor = seeded.anchor()
        lines = forge(list(export_lines(seeded)), COUNTED_164, 1640)
        with ledger.open(other_url) as forged:
            import_lines(forged, lines)
            assert forged.verify().ok
            assert forged.estimate(KILLED).best == 1640
            result = forged.verify(expect=[anchor])
        assert (result.ok, result.problem, result.bad_position) == (
            False,
            "anchor mismatch",
            anchor.position,
        )
        assert f"not the anchored {anchor.hash}: the log was rewritten" in (result.detail or "")

    def test_removed_events_show_against_an_anchor(
        self, seeded: ledger.Ledger, database_url: str
    ) -> None:
        """Events removed from the end, with the read model rebuilt to hide it, still fail
        against an anchor of the old head: "events removed"."""
        anchor = seeded.anchor()
        head = remove_last_events(database_url, 3)
        with ledger.open(database_url) as lg:
            lg.replay(check=False, accept_truncation=True)
            assert lg.verify().ok
            result = lg.verify(expect=[anchor])
        assert (result.ok, result.problem, result.bad_position) == (
            False,
            "events removed",
            head + 1,
        )
        assert result.detail == (
            f"the anchor {anchor} is at position {anchor.position} but the log ends at {head}: "
            "events were removed"
        )


class TestImportAnchors:
    def test_an_import_that_matches_its_anchors_is_written(
        self, seeded: ledger.Ledger, other_url: str
    ) -> None:
        """`import_lines(expect=…)` writes an export whose records carry the anchored hashes."""
        anchors = [seeded.anchor(at=0), seeded.anchor(at=5), seeded.anchor()]
        with ledger.open(other_url) as copy:
            result = import_lines(copy, export_lines(seeded), expect=anchors)
            assert result.head_hash == anchors[-1].hash
            assert copy.verify(expect=anchors).ok

    def test_a_forged_import_is_refused_and_nothing_written(
        self, seeded: ledger.Ledger, other_url: str
    ) -> None:
        """An export rewritten after the anchor was taken is refused at the anchor's record;
        the target ledger stays empty."""
        anchor = seeded.anchor()
        lines = forge(list(export_lines(seeded)), COUNTED_164, 1640)
        with ledger.open(other_url) as target:
            with pytest.raises(ledger.InvalidInputError) as caught:
                import_lines(target, lines, "forged.jsonl", expect=[anchor])
            assert caught.value.field == "expect"
            assert caught.value.reason.startswith(f"forged.jsonl:{anchor.position}: position")
            assert target.head() == 0

    def test_an_import_shorter_than_its_anchor_is_refused(
        self, seeded: ledger.Ledger, other_url: str
    ) -> None:
        """An export that ends before an anchor's position is refused: events were removed."""
        anchor = seeded.anchor()
        lines = list(export_lines(seeded))[:-2]
        with ledger.open(other_url) as target:
            with pytest.raises(ledger.InvalidInputError) as caught:
                import_lines(target, lines, expect=[anchor])
            assert "events were removed" in caught.value.reason
            assert target.head() == 0


class TestDeepVerify:
    def test_an_edited_estimate_is_caught_only_by_the_deep_check(
        self, seeded: ledger.Ledger, database_url: str
    ) -> None:
        """A best estimate overwritten in the read model passes the plain verify (it checks
        the log's chain only); `verify(deep=True)` fails naming the figure and the field."""
        set_best(database_url, KILLED, 999_999)
        with ledger.open(database_url) as lg:
            assert lg.summaries()[KILLED].best == 999_999
            assert lg.verify().ok
            result = lg.verify(deep=True)
            assert (result.ok, result.problem) == (False, "read model differs")
            assert result.detail == (
                f"estimates: figure '{KILLED}': summary.best is 999999 in the stored read "
                "model, 164 rebuilt"
            )
            assert lg.summaries()[KILLED].best == 999_999  # the rebuild was rolled back

    def test_an_intact_read_model_passes_the_deep_check(self, seeded: ledger.Ledger) -> None:
        """On an untouched ledger `verify(deep=True)` passes and says it compared."""
        before = seeded.summaries()
        result = seeded.verify(deep=True)
        assert (result.ok, result.deep) == (True, True)
        assert seeded.summaries() == before
        seeded.register_source("after-deep", name="After", kind="media")  # appends still work
        assert seeded.verify(deep=True).ok

    def test_replay_names_the_first_differing_row(
        self, seeded: ledger.Ledger, database_url: str
    ) -> None:
        """`replay()` reports a difference with its table, row and column, as the deep
        check does."""
        set_best(database_url, KILLED, 999_999)
        with ledger.open(database_url) as lg:
            result = lg.replay()
        assert result.identical is False
        assert result.differences == (
            f"estimates: figure '{KILLED}': summary.best is 999999 in the stored read model, "
            "164 rebuilt",
        )
