"""Bad input: one clear message on stderr naming where and why, a non-zero exit code, no
traceback, and nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import KILLED, Run, event_count

GOOD = """\
- report_id: good-report
  outlet: rferl
  published_at: 2022-01-10T09:00:00+06:00
  claims:
    - claim_id: good-claim
      figure: kz-unrest-2022/killed/kazakhstan
      value: at least 200
      as_of: 2022-01-10
      origin: rferl
"""


def _refused(run: Run, url: str, path: Path, text: str) -> str:
    """Append `text` from `path`; assert it is refused with nothing written; the message."""
    path.write_text(text)
    before = event_count(url)
    result = run("append", str(path), "--db", url)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert event_count(url) == before
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr.strip()


class TestMalformedFiles:
    def test_an_unreadable_value_is_named_by_line_and_field(
        self, run: Run, kz: str, tmp_path: Path
    ) -> None:
        """A value the lexicon cannot read: the second report's line and field are named,
        and the first report is not written either."""
        bad = GOOD + GOOD.replace("good-", "bad-").replace("at least 200", "lots and lots")
        message = _refused(run, kz, tmp_path / "reports.yaml", bad)
        assert message.startswith("error: ")
        assert f"{tmp_path / 'reports.yaml'}:16: claims.0.value: cannot read 'lots and lots'" in (
            message
        )

    def test_a_time_without_a_zone_is_named(self, run: Run, kz: str, tmp_path: Path) -> None:
        """A naive published_at is refused at its line."""
        bad = GOOD.replace("2022-01-10T09:00:00+06:00", "2022-01-10T09:00:00")
        message = _refused(run, kz, tmp_path / "naive.yaml", bad)
        assert ":3: published_at: " in message
        assert "time zone is required" in message

    def test_a_missing_field_is_named(self, run: Run, kz: str, tmp_path: Path) -> None:
        """A claim without its origin names the claim's line and the missing field."""
        bad = GOOD.replace("      origin: rferl\n", "")
        message = _refused(run, kz, tmp_path / "missing.yaml", bad)
        assert ":5: claims.0.origin: Field required" in message

    def test_broken_yaml_is_named_by_line(self, run: Run, kz: str, tmp_path: Path) -> None:
        """A YAML syntax error names its line."""
        message = _refused(run, kz, tmp_path / "broken.yaml", GOOD + "  - [unclosed\n")
        assert "broken.yaml:" in message
        assert "not YAML" in message

    def test_a_bad_json_line_is_named(self, run: Run, kz: str, tmp_path: Path) -> None:
        """In JSON Lines the failing line number is named."""
        line = {"outlet": "rferl", "published_at": "2022-01-10T09:00:00Z", "claims": []}
        text = json.dumps(line) + "\n" + json.dumps(line) + "\n"
        message = _refused(run, kz, tmp_path / "reports.jsonl", text)
        assert "reports.jsonl:1: claims: List should have at least 1 item" in message

    def test_an_unknown_figure_suggests_the_nearest(
        self, run: Run, kz: str, tmp_path: Path
    ) -> None:
        """A mistyped figure key in a file is named with the nearest known key."""
        bad = GOOD.replace(KILLED, "kz-unrest-2022/killed/kazakstan")
        message = _refused(run, kz, tmp_path / "typo.yaml", bad)
        assert ":6: claims.0.figure: unknown figure 'kz-unrest-2022/killed/kazakstan'" in message
        assert f"did you mean '{KILLED}'?" in message

    def test_an_unknown_source_is_named(self, run: Run, kz: str, tmp_path: Path) -> None:
        """An origin the ledger does not know is named at its line."""
        bad = GOOD.replace("      origin: rferl", "      origin: nobody-at-all")
        message = _refused(run, kz, tmp_path / "who.yaml", bad)
        assert ":9: claims.0.origin: unknown source 'nobody-at-all'" in message

    def test_a_claim_id_used_twice_is_named(self, run: Run, kz: str, tmp_path: Path) -> None:
        """Two claims with one id in a file: the second is named with the first's line."""
        twice = GOOD + GOOD.replace("good-report", "other-report")
        message = _refused(run, kz, tmp_path / "twice.yaml", twice)
        assert "'good-claim' appears twice" in message

    def test_a_missing_file_is_a_clear_error(self, run: Run, kz: str, tmp_path: Path) -> None:
        """A file that does not exist is named."""
        result = run("append", str(tmp_path / "nowhere.yaml"), "--db", kz)
        assert result.exit_code == 2
        assert "cannot read" in result.stderr
        assert "nowhere.yaml" in result.stderr


class TestLedgerInMemory:
    @pytest.mark.parametrize("command", ["figures", "demo", "verify"])
    def test_memory_is_refused_with_the_reason(self, run: Run, command: str) -> None:
        """A ledger in memory would be new and empty at every command: refused, not shown
        as an empty ledger."""
        result = run(command, "--db", "memory://")
        assert result.exit_code == 2
        assert "inside one Python program" in result.stderr


class TestUnknownFigure:
    @pytest.mark.parametrize("command", ["estimate", "history", "claims"])
    def test_suggests_the_nearest_figure(self, run: Run, kz: str, command: str) -> None:
        """A mistyped figure key is answered with the nearest known key."""
        result = run(command, "kz-unrest-2022/kiled/kazakhstan", "--db", kz)
        assert result.exit_code == 2
        assert f"did you mean '{KILLED}'?" in result.stderr
        assert "Traceback" not in result.output


class TestTimes:
    @pytest.mark.parametrize(
        ("option", "value"),
        [("--recorded-before", "2022-01-09T12:00:00"), ("--known-on", "2022-01-09T12:00")],
    )
    def test_a_time_without_a_zone_is_refused(
        self, run: Run, kz: str, option: str, value: str
    ) -> None:
        """Naive times are ambiguous: refused, never assumed UTC."""
        result = run("estimate", KILLED, option, value, "--db", kz)
        assert result.exit_code == 2
        assert f"{option}: '{value}' has no time zone" in result.stderr

    def test_a_time_that_is_not_a_time(self, run: Run, kz: str) -> None:
        """Text that is not ISO 8601 is named."""
        result = run("diff", KILLED, "--from", "yesterday", "--db", kz)
        assert result.exit_code == 2
        assert "--from: 'yesterday' is not an ISO 8601 time" in result.stderr


class TestDatabases:
    def test_an_unreachable_server(self, run: Run) -> None:
        """A PostgreSQL server that does not answer: exit 3 and the URL named."""
        result = run("figures", "--db", "postgresql://nobody:secret@127.0.0.1:1/none")
        assert result.exit_code == 3
        assert "cannot open the ledger at postgresql://nobody:***@127.0.0.1:1/none" in (
            result.stderr
        )
        assert "secret" not in result.stderr

    def test_a_url_without_a_driver(self, run: Run) -> None:
        """A database the ledger has no driver for is named, not a traceback."""
        result = run("figures", "--db", "mysql://nobody@127.0.0.1/none")
        assert result.exit_code == 3
        assert "no database driver" in result.stderr

    def test_a_missing_sqlite_file_is_not_created(self, run: Run, tmp_path: Path) -> None:
        """Reading a ledger file that does not exist suggests `init` and creates nothing."""
        missing = tmp_path / "typo.db"
        result = run("verify", "--db", str(missing))
        assert result.exit_code == 2
        assert "no ledger at" in result.stderr
        assert "ledger init" in result.stderr
        assert not missing.exists()
