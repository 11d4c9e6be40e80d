"""The command as a whole: help on every command, and the installed console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

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
    "keys",
    "serve",
]
GROUPS = {"keys": ["create", "list", "revoke"]}
"""Commands that hold commands of their own (`ledger keys create`)."""
LEAVES = [command for command in COMMANDS if command not in GROUPS] + [
    f"{group} {command}" for group, commands in GROUPS.items() for command in commands
]
"""Every command that does something, written as typed: `estimate`, `keys create`."""


def click_command(words: str) -> Any:
    """The click command `ledger WORDS…` runs."""
    import typer.main

    command = typer.main.get_command(app)
    for word in words.split():
        command = command.commands[word]  # type: ignore[attr-defined]
    return command


class TestHelp:
    def test_lists_every_command(self, run: Run) -> None:
        """`ledger --help` names every command."""
        result = run("--help")
        assert result.exit_code == 0
        for command in COMMANDS:
            assert f" {command} " in result.stdout, command

    def test_every_command_is_registered(self) -> None:
        """No command exists that this test file does not know about."""
        assert sorted(click_command("").commands) == sorted(COMMANDS)
        for group, commands in GROUPS.items():
            assert sorted(click_command(group).commands) == sorted(commands)

    @pytest.mark.parametrize("group", list(GROUPS))
    def test_a_group_lists_its_commands(self, run: Run, group: str) -> None:
        """`ledger GROUP --help` names each of its commands."""
        result = run(group, "--help")
        assert result.exit_code == 0
        for command in GROUPS[group]:
            assert f" {command} " in result.stdout, command

    @pytest.mark.parametrize("command", LEAVES)
    def test_every_command_documents_every_option(self, run: Run, command: str) -> None:
        """`ledger COMMAND --help` explains the command and each of its options, --db too."""
        result = run(*command.split(), "--help")
        assert result.exit_code == 0
        found = click_command(command)
        assert found.help, command
        for parameter in found.params:
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
