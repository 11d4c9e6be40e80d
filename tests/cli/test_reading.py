"""The reading commands on the founding case: sources, figures, claims, estimate (now and
as of a past moment), history and diff — on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import ledger
from tests.cli.conftest import DETAINED, KILLED, TROOPS, Run


def _json(run: Run, *args: str) -> object:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


class TestSources:
    def test_lists_every_registered_source(self, run: Run, kz: str) -> None:
        """`sources` shows each source with its kind and the body it belongs to."""
        result = run("sources", "--db", kz)
        assert result.exit_code == 0, result.output
        assert "kz-health-ministry" in result.stdout
        assert "Ministry of Health of Kazakhstan" in result.stdout
        shown = _json(run, "sources", "--db", kz)
        assert isinstance(shown, list)
        health = next(s for s in shown if s["source_id"] == "kz-health-ministry")
        assert health == {**health, "kind": "government", "parent": "kz-government"}


class TestFigures:
    def test_lists_every_figure_with_its_estimate(self, run: Run, kz: str) -> None:
        """`figures` shows each figure's unit, kind and current best estimate."""
        result = run("figures", "--db", kz)
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        index = next(i for i, x in enumerate(lines) if x.startswith(DETAINED))
        assert "5,969 – 5,999" in lines[index]
        assert lines[index + 1].startswith("people, cumulative")
        shown = _json(run, "figures", "--db", kz)
        assert isinstance(shown, list)
        assert {f["figure"] for f in shown} >= {KILLED, DETAINED, TROOPS}


class TestClaims:
    def test_lists_every_claim_with_its_standing(self, run: Run, kz: str) -> None:
        """`claims` names the retracted claim, who retracted it and why."""
        result = run("claims", KILLED, "--db", kz)
        assert result.exit_code == 0, result.output
        block = result.stdout.split("[telegram-killed-164]")[1].split("#")[0]
        assert "retracted by kz-information-ministry: the message had been published" in block
        shown = _json(run, "claims", KILLED, "--db", kz)
        assert isinstance(shown, list)
        statuses = {c["claim_id"]: c["status"] for c in shown}
        assert statuses["telegram-killed-164"] == "retracted"
        assert statuses["rferl-killed-164"] == "active"


class TestEstimate:
    def test_shows_the_estimate_with_its_provenance(self, run: Run, kz: str) -> None:
        """`estimate` gives low/best/high, the status, used and excluded claims with reasons."""
        result = run("estimate", DETAINED, "--db", kz)
        assert result.exit_code == 0, result.output
        out = result.stdout
        assert "best 5,969 people" in out
        assert "range 5,969 – 5,999" in out
        assert "single-origin" in out
        assert "4 claims in 2 reports, 1 independent origin" in out
        assert "relay of rferl-detained-5969" in out

    def test_names_both_sides_of_a_conflict(self, run: Run, kz: str) -> None:
        """A conflicting figure withholds best and names the incompatible claims."""
        result = run("estimate", TROOPS, "--db", kz)
        assert result.exit_code == 0, result.output
        assert "best withheld" in result.stdout
        assert "Conflict: “more than 3,000”" in result.stdout
        assert "“around 2,500” (ru-defense-ministry, via nyt)" in result.stdout

    def test_json_is_the_api_estimate(self, run: Run, kz: str) -> None:
        """`estimate --json` is the API's FigureEstimate dumped in JSON mode."""
        shown = _json(run, "estimate", KILLED, "--db", kz)
        with ledger.open(kz) as lg:
            assert shown == lg.estimate(KILLED).model_dump(mode="json")

    def test_at_a_position(self, run: Run, kz: str) -> None:
        """`--at N` is the estimate as the ledger stood after position N."""
        with ledger.open(kz) as lg:
            retraction = next(
                c for c in lg.history(KILLED) if c.cause.event.event_type == "ClaimRetracted"
            ).position
            expected = lg.estimate(KILLED, at_position=retraction - 1)
        shown = _json(run, "estimate", KILLED, "--at", str(retraction - 1), "--db", kz)
        assert shown == expected.model_dump(mode="json")
        assert isinstance(shown, dict)
        assert "telegram-killed-164" in [u["claim_id"] for u in shown["provenance"]["used"]]
        result = run("estimate", KILLED, "--at", str(retraction - 1), "--db", kz)
        assert f"after position {retraction - 1}" in result.stdout

    def test_recorded_before_a_time(self, run: Run, kz: str) -> None:
        """`--recorded-before` before anything was recorded gives no data."""
        shown = _json(
            run, "estimate", KILLED, "--recorded-before", "2000-01-01T00:00:00Z", "--db", kz
        )
        assert isinstance(shown, dict)
        assert (shown["status"], shown["best"], shown["position"]) == ("no data", None, 0)
        later = datetime.now(UTC).isoformat()
        now = _json(run, "estimate", KILLED, "--recorded-before", later, "--db", kz)
        assert isinstance(now, dict)
        assert now["best"] == 164

    def test_as_known_on_a_date(self, run: Run, kz: str) -> None:
        """`--known-on D` counts only reports published by the end of D."""
        before = _json(run, "estimate", KILLED, "--known-on", "2022-01-08", "--db", kz)
        after = _json(run, "estimate", KILLED, "--known-on", "2022-01-09", "--db", kz)
        assert isinstance(before, dict)
        assert isinstance(after, dict)
        assert before["status"] == "no data"
        assert (after["low"], after["best"]) == (164, 164)

    def test_refuses_two_moments_at_once(self, run: Run, kz: str) -> None:
        """At most one of --at, --recorded-before and --known-on."""
        result = run("estimate", KILLED, "--at", "3", "--known-on", "2022-01-09", "--db", kz)
        assert result.exit_code == 2
        assert "give only one of --at, --known-on" in result.stderr


class TestHistory:
    def test_shows_the_retraction_as_the_cause_of_a_change(self, run: Run, kz: str) -> None:
        """`history` lists each change with its event, source and reason."""
        result = run("history", KILLED, "--db", kz)
        assert result.exit_code == 0, result.output
        out = result.stdout
        assert "ClaimRetracted" in out
        assert "retracted by kz-information-ministry" in out
        assert "the message had been published after a technical error" in out
        assert "status consistent → single-origin" in out
        assert "set by: low rferl-killed-164, best rferl-killed-164" in out

    def test_json_lists_every_change_with_its_cause(self, run: Run, kz: str) -> None:
        """`history --json` is the API's history: before, after, changed and the causes."""
        shown = _json(run, "history", KILLED, "--db", kz)
        assert isinstance(shown, list)
        last = shown[-1]
        assert [c["event"]["event_type"] for c in last["causes"]] == ["ClaimRetracted"]
        assert last["causes"][0]["by"] == "kz-information-ministry"
        assert last["changed"] == ["status", "support"]
        assert last["after"]["low_by"] == "rferl-killed-164"


class TestHistoryPages:
    def test_limit_and_after_page_through_the_history(self, run: Run, kz: str) -> None:
        """`history --limit 2` shows two changes and how to ask for the next page."""
        first = _json(run, "history", KILLED, "--limit", "2", "--db", kz)
        assert isinstance(first, list)
        assert len(first) == 2
        table = run("history", KILLED, "--limit", "2", "--db", kz)
        assert f"--after {first[-1]['position']} --limit 2" in table.stdout
        rest = _json(run, "history", KILLED, "--after", str(first[-1]["position"]), "--db", kz)
        whole = _json(run, "history", KILLED, "--db", kz)
        assert isinstance(rest, list)
        assert first + rest == whole


class TestDiff:
    def test_between_two_positions(self, run: Run, kz: str) -> None:
        """`diff --from P1 --to P2` names the claims that changed and the events between."""
        with ledger.open(kz) as lg:
            changes = lg.history(KILLED)
        retraction = changes[-1].position
        shown = _json(
            run, "diff", KILLED, "--from", str(retraction - 1), "--to", str(retraction), "--db", kz
        )
        assert isinstance(shown, dict)
        assert [e["position"] for e in shown["events"]] == [retraction]
        assert shown["changed"] == ["status", "support"]
        moved = {c["claim_id"]: c for c in shown["claims"]}
        assert moved["telegram-killed-164"]["before"] == "counted"
        assert moved["telegram-killed-164"]["after"].startswith("not counted: retracted")

    def test_between_two_dates(self, run: Run, kz: str) -> None:
        """`diff` between two dates compares what was known on each, by publication."""
        result = run("diff", KILLED, "--from", "2022-01-08", "--to", "2022-01-09", "--db", kz)
        assert result.exit_code == 0, result.output
        assert "changed: low, best, status, support" in result.stdout
        assert "Events that did it" in result.stdout
        assert "ClaimRetracted" in result.stdout

    def test_to_defaults_to_now_and_times_mix_with_positions(self, run: Run, kz: str) -> None:
        """Without --to the diff runs to the head; a recorded time may face a position."""
        shown = _json(run, "diff", KILLED, "--from", "2000-01-01T00:00:00+00:00", "--db", kz)
        assert isinstance(shown, dict)
        assert shown["before"]["status"] == "no data"
        assert shown["after"]["best"] == 164
        assert shown["events"][-1]["causes"][-1]["event"]["event_type"] == "ClaimRetracted"

    def test_refuses_a_date_against_a_position(self, run: Run, kz: str) -> None:
        """Dates (as known on) only compare with dates."""
        result = run("diff", KILLED, "--from", "2022-01-08", "--to", "12", "--db", kz)
        assert result.exit_code == 2
        assert "compare a date with a date" in result.stderr

    def test_refuses_moments_in_the_wrong_order(self, run: Run, kz: str) -> None:
        """--from must not be later than --to."""
        result = run("diff", KILLED, "--from", "20", "--to", "10", "--db", kz)
        assert result.exit_code == 2
        assert "--from: must not be later than --to" in result.stderr
