"""The writing commands: append, register-source, define-figure and the compensating events,
on SQLite and on PostgreSQL. Each test writes to claims no other test here looks at."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ledger
from tests.cli.conftest import KILLED, Run, event_count

REPORT_YAML = """\
- report_id: {report}
  outlet: rferl
  published_at: 2022-01-10T09:00:00+06:00
  title: A follow-up
  claims:
    - claim_id: {claim}
      figure: kz-unrest-2022/killed/kazakhstan
      value: at least 225
      as_of: 2022-01-10
      origin: kz-health-ministry
      quote: The Health Ministry said at least 225 people had died.
"""


def _report(report: str, claim: str, value: str = "at least 225") -> dict[str, object]:
    return {
        "report_id": report,
        "outlet": "nyt",
        "published_at": "2022-01-10T12:00:00-05:00",
        "claims": [
            {
                "claim_id": claim,
                "figure": KILLED,
                "value": value,
                "as_of": "2022-01-10",
                "origin": "kz-government-officials",
            }
        ],
    }


def _standing(url: str, claim_id: str) -> str:
    with ledger.open(url) as lg:
        return str(lg.claim(claim_id).status)


class TestAppend:
    def test_records_the_reports_of_a_yaml_file(self, run: Run, kz: str, tmp_path: Path) -> None:
        """`append FILE.yaml` records each report and its claims, and says so."""
        path = tmp_path / "reports.yaml"
        path.write_text(REPORT_YAML.format(report="yaml-report", claim="yaml-claim"))
        result = run("append", str(path), "--db", kz)
        assert result.exit_code == 0, result.output
        assert "recorded 1 report with 1 claim" in result.stdout
        assert _standing(kz, "yaml-claim") == "active"

    def test_reads_json_lines_from_standard_input(self, run: Run, kz: str) -> None:
        """`append -` reads JSON Lines from stdin; --json returns the recorded reports."""
        lines = "\n".join(
            json.dumps(_report(f"stdin-report-{n}", f"stdin-claim-{n}")) for n in (1, 2)
        )
        result = run("append", "-", "--db", kz, "--json", input=lines + "\n")
        assert result.exit_code == 0, result.output
        shown = json.loads(result.stdout)
        assert [r["report_id"] for r in shown] == ["stdin-report-1", "stdin-report-2"]
        assert shown[0]["claims"][0]["quantity"]["low"] == 225

    def test_reads_a_json_file(self, run: Run, kz: str, tmp_path: Path) -> None:
        """`append FILE.json` takes a list of reports (or a single report object)."""
        path = tmp_path / "one.json"
        path.write_text(json.dumps(_report("json-report", "json-claim")))
        result = run("append", str(path), "--db", kz)
        assert result.exit_code == 0, result.output
        assert _standing(kz, "json-claim") == "active"

    def test_shows_a_progress_bar_at_a_terminal(
        self, run: Run, kz: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """At an interactive terminal `append` shows both passes, checking and writing, on
        stderr; the reports are printed once written."""
        monkeypatch.setenv("TTY_INTERACTIVE", "1")
        path = tmp_path / "reports.jsonl"
        lines = [json.dumps(_report(f"bar-report-{n}", f"bar-claim-{n}")) for n in range(3)]
        path.write_text("\n".join(lines) + "\n")
        result = run("append", str(path), "--db", kz)
        assert result.exit_code == 0, result.output
        assert "checking" in result.stderr
        assert "writing" in result.stderr
        assert "3/3" in result.stderr
        assert "recorded 3 reports with 3 claims" in result.stdout

    def test_json_lists_every_report_of_a_large_file(
        self, run: Run, kz: str, tmp_path: Path
    ) -> None:
        """--json prints one list of every report recorded, written over several chunks."""
        path = tmp_path / "many.jsonl"
        lines = [json.dumps(_report(f"many-report-{n}", f"many-claim-{n}")) for n in range(1200)]
        path.write_text("\n".join(lines) + "\n")
        result = run("append", str(path), "--db", kz, "--json")
        assert result.exit_code == 0, result.output
        shown = json.loads(result.stdout)
        assert [r["report_id"] for r in shown] == [f"many-report-{n}" for n in range(1200)]
        assert shown[-1]["last_position"] - shown[0]["first_position"] == 2 * 1200 - 1


class TestRegisterSource:
    def test_registers_a_source(self, run: Run, kz: str) -> None:
        """`register-source` adds a source that `sources` then lists."""
        result = run(
            "register-source", "tengrinews", "--name", "Tengrinews", "--kind", "media", "--db", kz
        )
        assert result.exit_code == 0, result.output
        assert "registered source tengrinews (media)" in result.stdout
        assert "Tengrinews" in run("sources", "--db", kz).stdout

    def test_refuses_a_taken_id(self, run: Run, kz: str) -> None:
        """A source id can be registered once."""
        result = run("register-source", "rferl", "--name", "Again", "--kind", "media", "--db", kz)
        assert result.exit_code == 2
        assert "source 'rferl' already exists" in result.stderr


class TestDefineFigure:
    def test_defines_a_figure(self, run: Run, kz: str) -> None:
        """`define-figure` adds a figure with its unit and kind, with no data yet."""
        key = "kz-unrest-2022/missing/kazakhstan"
        result = run(
            "define-figure",
            key,
            "--unit",
            "people",
            "--kind",
            "cumulative",
            "--description",
            "People reported missing.",
            "--db",
            kz,
        )
        assert result.exit_code == 0, result.output
        shown = json.loads(run("estimate", key, "--db", kz, "--json").stdout)
        assert shown["status"] == "no data"


class TestRetract:
    def test_withdraws_a_claim_and_its_estimate(self, run: Run, kz: str) -> None:
        """`retract` stops a claim counting; with nothing left the best is null, not 0."""
        result = run(
            "retract",
            "rferl-killed-almaty-103",
            "--by",
            "unnamed-news-website",
            "--reason",
            "the website removed the figure",
            "--published-at",
            "2022-01-10T08:00:00+06:00",
            "--db",
            kz,
            "--json",
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["type"] == "ClaimRetracted"
        shown = json.loads(
            run("estimate", "kz-unrest-2022/killed/almaty", "--db", kz, "--json").stdout
        )
        assert (shown["status"], shown["best"]) == ("retracted", None)

    def test_refuses_a_time_without_a_zone(self, run: Run, kz: str) -> None:
        """A naive --published-at is an error, and nothing is written."""
        before = event_count(kz)
        result = run(
            "retract",
            "rferl-killed-164",
            "--by",
            "rferl",
            "--reason",
            "x",
            "--published-at",
            "2022-01-10T08:00:00",
            "--db",
            kz,
        )
        assert result.exit_code == 2
        assert "--published-at: '2022-01-10T08:00:00' has no time zone" in result.stderr
        assert event_count(kz) == before

    def test_refuses_an_unknown_claim(self, run: Run, kz: str) -> None:
        """Retracting a claim the ledger does not hold names the claim."""
        result = run("retract", "no-such-claim", "--by", "rferl", "--reason", "x", "--db", kz)
        assert result.exit_code == 2
        assert "unknown claim 'no-such-claim'" in result.stderr

    def test_refuses_to_retract_twice(self, run: Run, kz: str) -> None:
        """A claim already retracted cannot be retracted again."""
        result = run(
            "retract",
            "telegram-killed-164",
            "--by",
            "kz-information-ministry",
            "--reason",
            "again",
            "--db",
            kz,
        )
        assert result.exit_code == 2
        assert "already retracted" in result.stderr


class TestRetractReport:
    def test_retracts_every_claim_of_a_report(self, run: Run, kz: str, tmp_path: Path) -> None:
        """`retract-report` withdraws each claim of the report still counted."""
        path = tmp_path / "pulled.yaml"
        path.write_text(REPORT_YAML.format(report="pulled-report", claim="pulled-claim"))
        assert run("append", str(path), "--db", kz).exit_code == 0
        result = run(
            "retract-report",
            "pulled-report",
            "--by",
            "rferl",
            "--reason",
            "the article was taken down",
            "--db",
            kz,
        )
        assert result.exit_code == 0, result.output
        assert "ClaimRetracted of claim pulled-claim" in result.stdout
        assert _standing(kz, "pulled-claim") == "retracted"


class TestDispute:
    def test_flags_a_claim_that_still_counts(self, run: Run, kz: str) -> None:
        """`dispute` leaves the claim counted, flagged as disputed."""
        result = run(
            "dispute",
            "rferl-detained-serious-133",
            "--by",
            "kg-foreign-ministry",
            "--reason",
            "questioned",
            "--evidence",
            "a statement",
            "--db",
            kz,
        )
        assert result.exit_code == 0, result.output
        assert _standing(kz, "rferl-detained-serious-133") == "disputed"
        shown = json.loads(
            run(
                "estimate",
                "kz-unrest-2022/detained-serious-crimes/kazakhstan",
                "--db",
                kz,
                "--json",
            ).stdout
        )
        assert shown["best"] == 133


class TestRefute:
    def test_stops_a_claim_counting(self, run: Run, kz: str) -> None:
        """`refute` marks the claim refuted; it no longer counts."""
        result = run(
            "refute",
            "rferl-shymkent-activists-4",
            "--by",
            "rferl",
            "--reason",
            "shown false",
            "--evidence",
            "https://example.org/court-records",
            "--db",
            kz,
        )
        assert result.exit_code == 0, result.output
        assert _standing(kz, "rferl-shymkent-activists-4") == "refuted"


class TestSupersede:
    def test_replaces_a_claim_by_the_origins_newer_one(self, run: Run, kz: str) -> None:
        """`supersede --replacement` marks the older claim superseded."""
        newer = _report("newer-report", "newer-claim", "at least 7,000")
        newer["claims"][0]["figure"] = "kz-unrest-2022/detained/kazakhstan"  # type: ignore[index]
        newer["claims"][0]["origin"] = "kz-interior-ministry"  # type: ignore[index]
        assert run("append", "-", "--db", kz, input=json.dumps(newer)).exit_code == 0
        result = run(
            "supersede",
            "rferl-detained-5969",
            "--replacement",
            "newer-claim",
            "--by",
            "kz-interior-ministry",
            "--db",
            kz,
        )
        assert result.exit_code == 0, result.output
        assert _standing(kz, "rferl-detained-5969") == "superseded"


class TestCorrect:
    def test_records_a_replacement_for_our_mistake(self, run: Run, kz: str) -> None:
        """`correct` marks the claim corrected and records the fixed value."""
        result = run(
            "correct",
            "nyt-injured-2000",
            "--reason",
            "we misread the article",
            "--value",
            "more than 2,500",
            "--db",
            kz,
            "--json",
        )
        assert result.exit_code == 0, result.output
        fixed = json.loads(result.stdout)
        assert fixed["quantity"]["low"] == 2501
        assert _standing(kz, "nyt-injured-2000") == "corrected"
        assert _standing(kz, fixed["claim_id"]) == "active"
