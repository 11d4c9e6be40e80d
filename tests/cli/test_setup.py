"""`ledger init`, `ledger migrate` and `ledger demo`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.store.migrate import head_revision
from tests.cli.conftest import KILLED, Run, event_count


class TestInit:
    def test_creates_an_empty_ledger_at_the_newest_schema(
        self, run: Run, database_url: str
    ) -> None:
        """`init` creates the ledger with its schema at head and no event."""
        result = run("init", "--db", database_url, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == {
            "db": json.loads(result.stdout)["db"],
            "revision": head_revision(),
            "events": 0,
        }
        assert event_count(database_url) == 0

    def test_loads_the_founding_case_on_request(self, run: Run, database_url: str) -> None:
        """`init --seeds` loads the founding case into the new ledger."""
        result = run("init", "--seeds", "--db", database_url)
        assert result.exit_code == 0, result.output
        assert "ledger ready" in result.stdout
        assert event_count(database_url) > 40

    def test_defaults_to_ledger_db_in_the_working_directory(self, run: Run, workdir: Path) -> None:
        """Without --db or $LEDGER_DATABASE_URL the ledger is ./ledger.db."""
        result = run("init")
        assert result.exit_code == 0, result.output
        assert (workdir / "ledger.db").is_file()

    def test_reads_the_url_from_the_environment(
        self, run: Run, workdir: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """$LEDGER_DATABASE_URL chooses the ledger when --db is not given."""
        monkeypatch.setenv("LEDGER_DATABASE_URL", f"sqlite:///{workdir / 'env.db'}")
        result = run("init")
        assert result.exit_code == 0, result.output
        assert (workdir / "env.db").is_file()
        assert not (workdir / "ledger.db").exists()


class TestMigrate:
    def test_brings_the_schema_to_head(self, run: Run, database_url: str) -> None:
        """`migrate` reports the newest revision."""
        result = run("migrate", "--db", database_url, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["revision"] == head_revision()

    def test_prints_the_ddl_without_touching_the_database(self, run: Run, tmp_path: Path) -> None:
        """`migrate --sql` prints CREATE TABLE statements and creates no file."""
        target = tmp_path / "never.db"
        result = run("migrate", "--sql", "--db", str(target))
        assert result.exit_code == 0, result.output
        assert "CREATE TABLE events" in result.stdout
        assert not target.exists()

    def test_prints_postgresql_ddl_for_a_postgresql_url(self, run: Run) -> None:
        """`migrate --sql` speaks the dialect of the URL it is given."""
        result = run("migrate", "--sql", "--db", "postgresql://nobody@127.0.0.1:1/none")
        assert result.exit_code == 0, result.output
        assert "CREATE FUNCTION ledger_refuse_change" in result.stdout


class TestDemo:
    def test_builds_the_founding_case_in_kz_demo_db(self, run: Run, workdir: Path) -> None:
        """`demo` leaves ./kz-demo.db and shows estimates, the retraction and a verify line."""
        result = run("demo")
        assert result.exit_code == 0, result.output
        assert (workdir / "kz-demo.db").is_file()
        out = result.stdout
        assert "kz-unrest-2022/detained/kazakhstan" in out
        assert "best 5,969 people" in out
        assert "conflicting" in out
        assert "retracted by kz-information-ministry" in out
        assert f"How the estimate of {KILLED} moved" in out
        assert "ClaimRetracted" in out
        assert "hash chain intact" in out
        assert f"ledger estimate {KILLED} --db kz-demo.db" in out

    def test_recreates_the_file_on_each_run(self, run: Run, workdir: Path) -> None:
        """A second `demo` starts again from an empty ledger instead of failing."""
        first = run("demo", "--json")
        second = run("demo", "--json")
        assert first.exit_code == second.exit_code == 0, second.output
        assert json.loads(first.stdout)["events"] == json.loads(second.stdout)["events"]
        assert event_count(f"sqlite:///{workdir / 'kz-demo.db'}") == sum(
            json.loads(second.stdout)["events"].values()
        )

    def test_runs_on_an_empty_ledger_given_by_url(self, run: Run, database_url: str) -> None:
        """`demo --db URL` loads the case into that ledger (here on each backend)."""
        result = run("demo", "--db", database_url, "--json")
        assert result.exit_code == 0, result.output
        shown = json.loads(result.stdout)
        assert shown["verify"]["ok"] is True
        assert [c["causes"][-1]["event"]["event_type"] for c in shown["history"][KILLED]][-1] == (
            "ClaimRetracted"
        )
        assert shown["refused"]["error"] == "NotEntitledError"
        assert "a retraction is the issuer's act" in shown["refused"]["message"]

    def test_refuses_a_ledger_that_is_not_empty(self, run: Run, sqlite_kz: str) -> None:
        """`demo --db` never adds the founding case twice: nothing is written."""
        before = event_count(sqlite_kz)
        result = run("demo", "--db", sqlite_kz)
        assert result.exit_code == 2
        assert "already holds" in result.stderr
        assert event_count(sqlite_kz) == before
