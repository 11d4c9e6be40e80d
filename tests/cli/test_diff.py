"""`ledger diff`: claims whose flags changed are listed beside those whose standing
changed — a new dispute above all — on SQLite and on PostgreSQL. The comparison itself is
specified in tests/integration/test_diff.py."""

from __future__ import annotations

import json
from typing import Any

import ledger
from tests.cli.conftest import KILLED, TROOPS, Run

DISPUTED = "rferl-killed-164"
DISPUTE_PUBLISHED = "2022-01-10T09:00:00Z"


def _diff(run: Run, url: str, figure: str, start: str, end: str | None = None) -> dict[str, Any]:
    """`ledger diff FIGURE --from START [--to END] --json`, parsed."""
    moments = ["--from", start] + (["--to", end] if end else [])
    result = run("diff", figure, *moments, "--json", "--db", url)
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert isinstance(shown, dict)
    return shown


def _dispute(run: Run, url: str) -> int:
    """The NYT disputes RFE/RL's 164 (published on 10 January); the position before it."""
    with ledger.open(url) as lg:
        head = lg.head()
    result = run(
        "dispute",
        DISPUTED,
        "--by",
        "nyt",
        "--reason",
        "could not confirm the website's count",
        "--published-at",
        DISPUTE_PUBLISHED,
        "--db",
        url,
    )
    assert result.exit_code == 0, result.output
    return head


class TestFlagsInTheDiff:
    def test_a_new_dispute_is_listed_though_the_claim_still_counts(
        self, run: Run, fresh_kz: str
    ) -> None:
        """A claim disputed between the two positions is listed with "disputed by nyt"
        after, although it counted before and still counts."""
        before = _dispute(run, fresh_kz)
        shown = _diff(run, fresh_kz, KILLED, str(before))
        assert shown["changed"] == []
        (claim,) = shown["claims"]
        assert claim["claim_id"] == DISPUTED
        assert claim["before"] == claim["after"] == "counted"
        assert (claim["flags_before"], claim["flags_after"]) == ([], ["disputed by nyt"])
        assert [e["causes"][-1]["event"]["event_type"] for e in shown["events"]] == [
            "ClaimDisputed"
        ]

    def test_the_table_says_who_disputes_it(self, run: Run, fresh_kz: str) -> None:
        """The human-readable diff names the disputing source next to the claim."""
        before = _dispute(run, fresh_kz)
        result = run("diff", KILLED, "--from", str(before), "--db", fresh_kz)
        assert result.exit_code == 0, result.output
        assert "Claims whose standing or flags changed" in result.stdout
        assert f"[{DISPUTED}]" in result.stdout
        assert "after:  counted [disputed by nyt]" in result.stdout

    def test_a_dispute_counts_by_its_publication_between_dates(
        self, run: Run, fresh_kz: str
    ) -> None:
        """As known on dates, the dispute shows between the 9th and the 10th (when it was
        published), not before."""
        _dispute(run, fresh_kz)
        later = _diff(run, fresh_kz, KILLED, "2022-01-09", "2022-01-10")
        assert [c["claim_id"] for c in later["claims"]] == [DISPUTED]
        earlier = _diff(run, fresh_kz, KILLED, "2022-01-08", "2022-01-09")
        flagged = [c for c in earlier["claims"] if c["flags_after"]]
        assert flagged == []

    def test_a_new_conflict_flags_the_claim_already_counted(self, run: Run, kz: str) -> None:
        """When the second troops claim arrives, the first one — counted before and after
        — is listed as now "in conflict"."""
        with ledger.open(kz) as lg:
            second = lg.history(TROOPS)[-1].position
        shown = _diff(run, kz, TROOPS, str(second - 1), str(second))
        first = {c["claim_id"]: c for c in shown["claims"]}["rferl-csto-troops-3000"]
        assert first["before"] == first["after"] == "counted"
        assert (first["flags_before"], first["flags_after"]) == ([], ["in conflict"])
