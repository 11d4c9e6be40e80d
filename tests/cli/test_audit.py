"""replay, verify, export and import — on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ledger
from ledger.store.record import NewEvent
from tests.cli.conftest import KILLED, Run, event_count, tamper
from tests.tampering import forge, remove_last_events, set_best


class TestReplay:
    def test_rebuilds_the_read_model_identical_to_the_live_one(self, run: Run, kz: str) -> None:
        """`replay` rebuilds every projection and reports it equals the live state."""
        result = run("replay", "--db", kz)
        assert result.exit_code == 0, result.output
        assert "rebuilt read model identical to the live one" in result.stdout
        assert result.stderr == ""  # no progress bar when nobody watches
        shown = json.loads(run("replay", "--db", kz, "--json").stdout)
        assert shown["identical"] is True
        assert shown["events"] == event_count(kz)

    def test_shows_a_progress_bar_at_a_terminal(
        self, run: Run, kz: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """At an interactive terminal `replay` draws a progress bar on stderr."""
        monkeypatch.setenv("TTY_INTERACTIVE", "1")
        result = run("replay", "--db", kz)
        assert result.exit_code == 0, result.output
        assert "replaying" in result.stderr
        assert f"{event_count(kz)}/{event_count(kz)}" in result.stderr


class TestVerify:
    def test_an_intact_chain(self, run: Run, kz: str) -> None:
        """`verify` on an untouched ledger: exit 0 with the count and head hash."""
        result = run("verify", "--db", kz)
        assert result.exit_code == 0, result.output
        assert "hash chain intact" in result.stdout
        shown = json.loads(run("verify", "--db", kz, "--json").stdout)
        assert shown["ok"] is True
        assert shown["count"] == event_count(kz)

    def test_names_the_first_bad_position(self, run: Run, fresh_kz: str) -> None:
        """An event edited behind the ledger's back: exit 1 and its position named."""
        position = tamper(fresh_kz)
        result = run("verify", "--db", fresh_kz)
        assert result.exit_code == 1
        assert f"hash chain broken at position {position}: content changed" in result.stdout
        shown = json.loads(run("verify", "--db", fresh_kz, "--json").stdout)
        assert (shown["ok"], shown["bad_position"]) == (False, position)

    def test_names_a_well_hashed_row_the_rules_refuse(self, run: Run, fresh_kz: str) -> None:
        """A retraction of a claim that does not exist, slipped in with a valid hash: the
        chain holds, the content check names it; `--chain-only` checks the chain alone."""
        with ledger.open(fresh_kz) as lg:
            (forged,) = lg.store.append(
                [
                    NewEvent(
                        stream_id="claim:c_nowhere",
                        type="ClaimRetracted",
                        payload={"claim_id": "c_nowhere", "by": "rferl", "reason": "gone"},
                        metadata={"batch": "forged"},
                    )
                ]
            )
        result = run("verify", "--db", fresh_kz)
        assert result.exit_code == 1, result.output
        assert f"content invalid at position {forged.position}" in result.stdout
        assert "refers to an unknown claim 'c_nowhere'" in result.stdout
        assert run("verify", "--chain-only", "--db", fresh_kz).exit_code == 0


class TestExportImport:
    def test_round_trip_keeps_every_hash(
        self, run: Run, kz: str, database_url: str, tmp_path: Path
    ) -> None:
        """export → import into an empty ledger → the same log, byte for byte, and the same
        estimates (from each backend into each backend)."""
        exported = run("export", "--db", kz)
        assert exported.exit_code == 0, exported.output
        lines = exported.stdout.splitlines()
        assert len(lines) == event_count(kz)
        first = json.loads(lines[0])
        assert set(first) == {
            "position",
            "stream_id",
            "stream_version",
            "event_id",
            "type",
            "schema_version",
            "payload",
            "metadata",
            "recorded_at",
            "prev_hash",
            "hash",
        }
        path = tmp_path / "log.jsonl"
        path.write_text(exported.stdout)
        imported = run("import", str(path), "--db", database_url, "--json")
        assert imported.exit_code == 0, imported.output
        shown = json.loads(imported.stdout)
        assert shown["verify"]["ok"] is True
        with ledger.open(kz) as source, ledger.open(database_url) as copy:
            assert (
                copy.verify().head_hash == source.verify().head_hash == shown["verify"]["head_hash"]
            )
            assert copy.estimate(KILLED) == source.estimate(KILLED)
            assert copy.history(KILLED) == source.history(KILLED)
        again = run("export", "--db", database_url)
        assert again.stdout == exported.stdout

    def test_export_to_a_file_and_import_from_stdin(
        self, run: Run, kz: str, sqlite_url: str, tmp_path: Path
    ) -> None:
        """`export -o FILE` writes the file; `import -` reads standard input."""
        path = tmp_path / "out.jsonl"
        result = run("export", "--db", kz, "-o", str(path))
        assert result.exit_code == 0, result.output
        assert f"exported {event_count(kz)} events" in result.stderr
        imported = run("import", "-", "--db", sqlite_url, input=path.read_text())
        assert imported.exit_code == 0, imported.output
        assert "hash chain intact" in imported.stdout
        assert event_count(sqlite_url) == event_count(kz)

    def test_refuses_a_ledger_that_is_not_empty(
        self, run: Run, kz: str, fresh_kz: str, tmp_path: Path
    ) -> None:
        """Importing into a ledger that holds events writes nothing."""
        path = tmp_path / "log.jsonl"
        path.write_text(run("export", "--db", kz).stdout)
        before = event_count(fresh_kz)
        result = run("import", str(path), "--db", fresh_kz)
        assert result.exit_code == 2
        assert f"already holds {before} events; import needs an empty ledger" in result.stderr
        assert event_count(fresh_kz) == before

    def test_refuses_an_altered_record(
        self, run: Run, kz: str, database_url: str, tmp_path: Path
    ) -> None:
        """A record whose content no longer matches its hash is named; nothing is written."""
        lines = run("export", "--db", kz).stdout.splitlines()
        number = next(i for i, line in enumerate(lines, start=1) if "at least 164" in line)
        lines[number - 1] = lines[number - 1].replace("at least 164", "at least 165")
        path = tmp_path / "altered.jsonl"
        path.write_text("\n".join(lines) + "\n")
        result = run("import", str(path), "--db", database_url)
        assert result.exit_code == 2
        assert f"altered.jsonl:{number}: hash: does not match the record's content" in (
            result.stderr
        )
        assert event_count(database_url) == 0

    def test_refuses_a_broken_chain(
        self, run: Run, kz: str, sqlite_url: str, tmp_path: Path
    ) -> None:
        """A record left out breaks the chain at the next one, which is named."""
        lines = run("export", "--db", kz).stdout.splitlines()
        path = tmp_path / "gap.jsonl"
        path.write_text("\n".join(lines[:3] + lines[4:]) + "\n")
        result = run("import", str(path), "--db", sqlite_url)
        assert result.exit_code == 2
        assert "gap.jsonl:4: position: expected position 4, found 5" in result.stderr
        assert event_count(sqlite_url) == 0


def anchor_of(run: Run, url: str, *args: str) -> str:
    """The anchor `ledger head` prints for the ledger at `url`."""
    result = run("head", "--db", url, *args)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


class TestHead:
    def test_prints_the_anchor_of_the_head(self, run: Run, kz: str) -> None:
        """`head` prints HASH@POSITION of the last event, and nothing else."""
        shown = json.loads(run("verify", "--db", kz, "--json").stdout)
        assert anchor_of(run, kz) == f"{shown['head_hash']}@{event_count(kz)}"
        assert run("head", "--db", kz).stdout.count("\n") == 1

    def test_at_a_position_and_as_json(self, run: Run, kz: str) -> None:
        """`head --at 3 --json` gives the position, its hash, and the anchor text."""
        shown = json.loads(run("head", "--db", kz, "--at", "3", "--json").stdout)
        third = json.loads(run("export", "--db", kz).stdout.splitlines()[2])
        assert shown == {
            "position": 3,
            "hash": third["hash"],
            "anchor": f"{third['hash']}@3",
        }

    def test_a_position_beyond_the_head_is_refused(self, run: Run, kz: str) -> None:
        """`head --at` past the last event: exit 2, saying where the log ends."""
        result = run("head", "--db", kz, "--at", "9999")
        assert result.exit_code == 2
        assert f"at: the log ends at position {event_count(kz)}, before 9999" in result.stderr


class TestIntegrity:
    def test_an_anchor_that_holds(self, run: Run, kz: str) -> None:
        """`verify --expect` with anchors that hold: exit 0, each anchor confirmed."""
        first, head = anchor_of(run, kz, "--at", "1"), anchor_of(run, kz)
        result = run("verify", "--db", kz, "--expect", first, "--expect", head)
        assert result.exit_code == 0, result.output
        assert "✓ anchor holds: position 1 has hash" in result.stdout
        assert f"✓ anchor holds: position {event_count(kz)} has hash" in result.stdout

    def test_a_forged_chain_fails_against_an_earlier_anchor(
        self, run: Run, kz: str, database_url: str, tmp_path: Path
    ) -> None:
        """A forged export (164 made 1,640, every hash recomputed) imports and verifies on
        its own; `verify --expect` with an anchor taken before exits 1: anchor mismatch."""
        anchor = anchor_of(run, kz)
        path = tmp_path / "forged.jsonl"
        lines = forge(run("export", "--db", kz).stdout.splitlines(), "rferl-killed-164", 1640)
        path.write_text("\n".join(lines) + "\n")
        assert run("import", str(path), "--db", database_url).exit_code == 0
        assert run("verify", "--db", database_url).exit_code == 0
        shown = json.loads(run("estimate", KILLED, "--db", database_url, "--json").stdout)
        assert shown["best"] == 1640
        result = run("verify", "--db", database_url, "--expect", anchor)
        assert result.exit_code == 1
        position = event_count(kz)
        assert f"✗ anchor mismatch at position {position} — position {position} has hash" in (
            result.stdout
        )
        assert f"not the anchored {anchor.split('@')[0]}: the log was rewritten" in result.stdout

    def test_removed_events_fail_verify(self, run: Run, fresh_kz: str) -> None:
        """Events deleted from the end behind the ledger's back: `verify` exits 1 saying
        how far the read model got and where the log ends; `replay` refuses to rebuild."""
        applied = event_count(fresh_kz)
        head = remove_last_events(fresh_kz, 5)
        result = run("verify", "--db", fresh_kz)
        assert result.exit_code == 1
        assert (
            f"✗ events removed at position {head + 1} — the read model has applied up to "
            f"position {applied} but the log ends at {head}: events were removed"
        ) in result.stdout
        replayed = run("replay", "--db", fresh_kz)
        assert replayed.exit_code == 1
        assert "nothing rebuilt" in replayed.stderr
        assert "--accept-truncation" in replayed.stderr
        accepted = run("replay", "--db", fresh_kz, "--accept-truncation", "--no-check")
        assert accepted.exit_code == 0, accepted.output
        assert run("verify", "--db", fresh_kz).exit_code == 0

    def test_an_edited_read_model_fails_only_the_deep_check(self, run: Run, fresh_kz: str) -> None:
        """A best estimate overwritten in the read model shows in `figures`; plain `verify`
        (the chain) passes, `verify --deep` exits 1 naming the figure and the field."""
        set_best(fresh_kz, KILLED, 999_999)
        assert "999,999" in run("figures", "--db", fresh_kz).stdout
        assert run("verify", "--db", fresh_kz).exit_code == 0
        result = run("verify", "--db", fresh_kz, "--deep")
        assert result.exit_code == 1
        assert (
            f"✗ read model differs — estimates: figure '{KILLED}': summary.best is 999999 in "
            "the stored read model, 164 rebuilt"
        ) in result.stdout

    def test_the_deep_check_on_an_intact_ledger(self, run: Run, kz: str) -> None:
        """`verify --deep` on an untouched ledger: exit 0, the read model equals a rebuild."""
        result = run("verify", "--db", kz, "--deep")
        assert result.exit_code == 0, result.output
        assert "✓ read model equals a rebuild from the log" in result.stdout
        assert json.loads(run("verify", "--db", kz, "--deep", "--json").stdout)["deep"] is True

    def test_a_malformed_anchor_is_refused(self, run: Run, kz: str) -> None:
        """`--expect` that is not HASH@POS: exit 2 naming the option."""
        result = run("verify", "--db", kz, "--expect", "nope@3")
        assert result.exit_code == 2
        assert "--expect: 'nope@3' is not an anchor" in result.stderr


class TestImportAnchors:
    def test_an_export_with_the_anchored_hashes_is_imported(
        self, run: Run, kz: str, database_url: str, tmp_path: Path
    ) -> None:
        """`import --expect` writes an export whose records carry the anchored hashes."""
        path = tmp_path / "log.jsonl"
        path.write_text(run("export", "--db", kz).stdout)
        anchors = [anchor_of(run, kz, "--at", "10"), anchor_of(run, kz)]
        result = run(
            "import",
            str(path),
            "--db",
            database_url,
            "--expect",
            anchors[0],
            "--expect",
            anchors[1],
        )
        assert result.exit_code == 0, result.output
        assert event_count(database_url) == event_count(kz)

    def test_a_forged_export_is_refused(
        self, run: Run, kz: str, database_url: str, tmp_path: Path
    ) -> None:
        """`import --expect` refuses an export that lacks the anchored hash; nothing is
        written."""
        anchor = anchor_of(run, kz)
        path = tmp_path / "forged.jsonl"
        lines = forge(run("export", "--db", kz).stdout.splitlines(), "rferl-killed-164", 1640)
        path.write_text("\n".join(lines) + "\n")
        result = run("import", str(path), "--db", database_url, "--expect", anchor)
        assert result.exit_code == 2
        position = event_count(kz)
        assert f"expect: {path}:{position}: position {position} has hash" in result.stderr
        assert event_count(database_url) == 0
