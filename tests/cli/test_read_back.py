"""`ledger report` and `ledger source` read back what was recorded; compensations show their
evidence wherever they are shown, and claims their quote and note — on SQLite and on
PostgreSQL."""

from __future__ import annotations

import json

from tests.cli.conftest import DETAINED, KILLED, Run

SERIOUS = "kz-unrest-2022/detained-serious-crimes/kazakhstan"


def _ok(run: Run, *args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def _block(text: str, claim_id: str) -> str:
    """The lines a listing shows for one claim (up to the next numbered entry)."""
    return text.split(f"[{claim_id}]")[1].split("\n#")[0]


class TestReport:
    def test_shows_the_report_as_filed_and_its_claims(self, run: Run, kz: str) -> None:
        """`report` shows title, outlet, time and content hash, then each claim with its quote."""
        shown = _ok(run, "report", "rferl-2022-01-09", "--db", kz)
        assert "Kazakh Authorities Say Nearly 6,000 Detained" in shown
        assert "report rferl-2022-01-09 · rferl (web) · published 2022-01-09 12:00 +06:00" in shown
        assert "content sha256 d491a1d7" in shown
        assert "recorded at position 26" in shown
        block = _block(shown, "rferl-detained-5969")
        assert "quote: “Kazakhstan’s Interior Ministry said at least 5,969" in block
        assert "active" in block

    def test_shows_a_claims_note(self, run: Run, kz: str) -> None:
        """A claim's note is shown beside its quote."""
        shown = _ok(run, "report", "rferl-2022-01-09", "--db", kz)
        assert "note: Headline and lead; RFE/RL's rounding" in _block(
            shown, "rferl-detained-nearly-6000"
        )

    def test_json_is_the_apis_report_view(self, run: Run, kz: str) -> None:
        """`report --json` prints the ReportView: the report's fields and its claims."""
        shown = json.loads(_ok(run, "report", "nyt-2022-01-09", "--db", kz, "--json"))
        assert shown["outlet"] == "nyt"
        assert shown["published_at"] == "2022-01-09T12:00:00-05:00"
        standing = {c["claim_id"]: c["status"] for c in shown["claims"]}
        assert standing["nyt-killed-164"] == "active"
        assert all("note" in c and "disputes" in c for c in shown["claims"])

    def test_an_unknown_report_suggests_the_nearest(self, run: Run, kz: str) -> None:
        """A mistyped report id exits 2 with the nearest filed id."""
        result = run("report", "rferl-2022-01-90", "--db", kz)
        assert result.exit_code == 2
        assert "unknown report 'rferl-2022-01-90' (did you mean 'rferl-2022-01-09'?)" in (
            result.stderr
        )


class TestSource:
    def test_shows_what_a_source_originated_and_carried(self, run: Run, kz: str) -> None:
        """`source` lists the claims it originated and those it carried as outlet."""
        shown = _ok(run, "source", "kz-health-ministry", "--db", kz)
        assert "Ministry of Health of Kazakhstan (government)" in shown
        assert "part of kz-government" in shown
        originated = shown.split("Originated")[1].split("Carried as outlet")[0]
        assert "[telegram-killed-164]" in originated
        assert "[nyt-killed-164]" in originated
        assert "retracted by kz-information-ministry" in originated
        outlet = _ok(run, "source", "nyt", "--db", kz)
        carried = outlet.split("Carried as outlet")[1].split("Compensations issued")[0]
        assert "[nyt-killed-164]" in carried

    def test_shows_the_compensations_a_source_issued_with_evidence(self, run: Run, kz: str) -> None:
        """`source` lists each compensating event it issued, with its reason and evidence."""
        shown = _ok(run, "source", "kz-information-ministry", "--db", kz)
        issued = shown.split("Compensations issued (2)")[1]
        assert "ClaimRetracted claim telegram-killed-164" in issued
        assert "the message had been published after a technical error — evidence: NYT" in issued

    def test_json_is_the_apis_source_view(self, run: Run, kz: str) -> None:
        """`source --json` prints the SourceView."""
        shown = json.loads(_ok(run, "source", "kz-information-ministry", "--db", kz, "--json"))
        assert shown["source"]["source_id"] == "kz-information-ministry"
        assert [c["claim_id"] for c in shown["compensations"]] == [
            "telegram-killed-164",
            "telegram-killed-almaty-103",
        ]
        assert shown["compensations"][0]["evidence"].startswith("NYT")

    def test_an_unknown_source_suggests_the_nearest(self, run: Run, kz: str) -> None:
        """A mistyped source id exits 2 with the nearest registered id."""
        result = run("source", "kz-helth-ministry", "--db", kz)
        assert result.exit_code == 2
        assert "(did you mean 'kz-health-ministry'?)" in result.stderr


class TestEvidenceShown:
    def test_an_evidenced_dispute_is_told_from_a_bare_one(self, run: Run, fresh_kz: str) -> None:
        """The claims list shows a dispute's evidence, and says when a dispute gave none."""
        for by, evidence in (("kg-foreign-ministry", ["--evidence", "a statement"]), ("nyt", [])):
            _ok(
                run,
                "dispute",
                "rferl-detained-serious-133",
                "--by",
                by,
                "--reason",
                "questioned",
                *evidence,
                "--db",
                fresh_kz,
            )
        block = _block(_ok(run, "claims", SERIOUS, "--db", fresh_kz), "rferl-detained-serious-133")
        assert "disputed by kg-foreign-ministry: questioned — evidence: a statement" in block
        assert "also disputed by nyt: questioned — no evidence given" in block

    def test_the_estimate_shows_the_evidence_behind_a_claim(self, run: Run, kz: str) -> None:
        """The estimate's claim lines show the evidence of a retraction."""
        shown = _ok(run, "estimate", KILLED, "--db", kz)
        block = _block(shown, "telegram-killed-164")
        assert "evidence: NYT, 9 January 2022" in block

    def test_the_claims_list_shows_quotes_and_notes(self, run: Run, kz: str) -> None:
        """`claims` shows each claim's quote and, when there is one, our note."""
        block = _block(_ok(run, "claims", DETAINED, "--db", kz), "rferl-detained-nearly-6000")
        assert "quote: “Kazakh authorities said on January 9" in block
        assert "note: Headline and lead" in block

    def test_a_mistyped_source_in_a_compensation_gets_a_suggestion(self, run: Run, kz: str) -> None:
        """`retract --by` with a mistyped source prints the nearest registered id."""
        result = run(
            "retract",
            "rferl-killed-164",
            "--by",
            "unnamed-news-websit",
            "--reason",
            "x",
            "--db",
            kz,
        )
        assert result.exit_code == 2
        assert "by: unknown source 'unnamed-news-websit'" in result.stderr
        assert "(did you mean 'unnamed-news-website'?)" in result.stderr
