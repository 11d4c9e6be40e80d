"""The command as a whole: help on every command, and the installed console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.cli.main import app
from tests.cli.conftest import Run

COMMANDS = [
    "init",
    "migrate",
    "demo",
    "append",
    "register-source",
    "define-figure",
    "retract",
    "retract-report",
    "dispute",
    "refute",
    "supersede",
    "correct",
    "sources",
    "figures",
    "claims",
    "report",
    "source",
    "estimate",
    "history",
    "diff",
    "plot",
    "replay",
    "head",
    "verify",
    "export",
    "import",
]


class TestHelp:
    def test_lists_every_command(self, run: Run) -> None:
        """`ledger --help` names every command."""
        result = run("--help")
        assert result.exit_code == 0
        for command in COMMANDS:
            assert f" {command} " in result.stdout, command

    def test_every_command_is_registered(self) -> None:
        """No command exists that this test file does not know about."""
        import typer.main

        assert sorted(typer.main.get_command(app).commands) == sorted(COMMANDS)  # type: ignore[attr-defined]

    @pytest.mark.parametrize("command", COMMANDS)
    def test_every_command_documents_every_option(self, run: Run, command: str) -> None:
        """`ledger COMMAND --help` explains the command and each of its options, --db too."""
        import typer.main

        result = run(command, "--help")
        assert result.exit_code == 0
        click_command = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
        assert click_command.help, command
        for parameter in click_command.params:
            assert getattr(parameter, "help", None), f"{command}: {parameter.name} has no help"
            for name in parameter.opts:
                if name.startswith("--"):
                    assert name in result.stdout, f"{command}: {name}"
        assert "--db" in result.stdout


class TestConsoleScript:
    def test_demo_runs_end_to_end_and_leaves_its_file(self, tmp_path: Path) -> None:
        """The installed `ledger demo` runs in a fresh directory, exits 0, logs nothing to
        stdout, and leaves kz-demo.db that `ledger verify` then checks."""
        script = Path(sys.executable).with_name("ledger")
        env = {**os.environ, "COLUMNS": "120", "LEDGER_DATABASE_URL": ""}
        demo = subprocess.run(
            [str(script), "demo"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert demo.returncode == 0, demo.stderr
        assert "hash chain intact" in demo.stdout
        assert demo.stderr == ""
        verify = subprocess.run(
            [str(script), "verify", "--db", "kz-demo.db"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert verify.returncode == 0, verify.stderr
        assert "hash chain intact" in verify.stdout

    def test_a_user_error_is_one_line_without_a_traceback(self, tmp_path: Path) -> None:
        """A bad URL from the real entry point: exit 3, one line on stderr, no traceback."""
        script = Path(sys.executable).with_name("ledger")
        result = subprocess.run(
            [str(script), "figures", "--db", "postgresql://nobody@127.0.0.1:1/none"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 3
        assert result.stderr.startswith("error: cannot open the ledger at")
        assert "Traceback" not in result.stderr
        assert result.stdout == ""
