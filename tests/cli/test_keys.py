"""`ledger keys create|list|revoke`: the token printed once and never again, keys listed
without tokens, revocation taking effect at once, and bad input refused in one line with
exit code 2 — on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

import ledger
from tests.cli.conftest import Run


@pytest.fixture
def url(database_url: str) -> str:
    """An empty ledger of this test's own, on each SQL backend."""
    ledger.open(database_url).close()
    return database_url


def authenticated(url: str, token: str) -> tuple[str, str] | None:
    """The name and scope of the key `token` authenticates as, or None."""
    with ledger.open(url) as lg:
        key = lg.keys.authenticate(token)
    return None if key is None else (key.name, str(key.scope))


def refused(run: Run, *args: str) -> str:
    """Run `ledger ARGS…`, assert it fails with exit code 2 and one line on stderr; that line."""
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


class TestCreate:
    def test_prints_the_token_once_and_says_so(self, run: Run, url: str) -> None:
        """The token is printed on a line of its own, with a line saying it will not be
        shown again; it authenticates as the named key with its scope."""
        result = run("keys", "create", "newsroom-bot", "--scope", "append", "--db", url)
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert lines[0] == "created key newsroom-bot (append)"
        (token,) = [line for line in lines if line.startswith("ledger_")]
        assert "not shown again" in result.stdout
        assert authenticated(url, token) == ("newsroom-bot", "append")

    def test_json_gives_name_scope_creation_time_and_token(self, run: Run, url: str) -> None:
        """With --json: exactly name, scope, created_at and token."""
        result = run("keys", "create", "ci", "--scope", "admin", "--json", "--db", url)
        assert result.exit_code == 0, result.output
        made = json.loads(result.stdout)
        assert set(made) == {"name", "scope", "created_at", "token"}
        assert (made["name"], made["scope"]) == ("ci", "admin")
        assert made["created_at"].endswith("+00:00")
        assert authenticated(url, made["token"]) == ("ci", "admin")

    def test_a_bad_scope_is_refused_in_one_line(self, run: Run, url: str) -> None:
        """--scope write names the scopes there are; no key is made."""
        line = refused(run, "keys", "create", "bot", "--scope", "write", "--db", url)
        assert line == "error: scope: 'write' is not one of read, append, admin"
        assert json.loads(run("keys", "list", "--json", "--db", url).stdout) == []

    def test_a_bad_name_is_refused_in_one_line(self, run: Run, url: str) -> None:
        """A name with a space is refused, naming the field."""
        line = refused(run, "keys", "create", "news room", "--scope", "read", "--db", url)
        assert line.startswith("error: name: ")

    def test_a_taken_name_is_refused_in_one_line(self, run: Run, url: str) -> None:
        """A second key of the same name is a conflict."""
        run("keys", "create", "bot", "--scope", "read", "--db", url)
        line = refused(run, "keys", "create", "bot", "--scope", "admin", "--db", url)
        assert line == "error: key 'bot' already exists"


class TestList:
    def test_lists_names_scopes_and_times_never_tokens(self, run: Run, url: str) -> None:
        """A table of name, scope, created and revoked, by name; no token appears."""
        made = run("keys", "create", "zeta", "--scope", "read", "--json", "--db", url)
        run("keys", "create", "alpha", "--scope", "admin", "--db", url)
        run("keys", "revoke", "alpha", "--db", url)
        result = run("keys", "list", "--db", url)
        assert result.exit_code == 0, result.output
        header, _, first, second = result.stdout.splitlines()
        assert header.split() == ["name", "scope", "created", "revoked"]
        assert first.split()[:2] == ["alpha", "admin"]
        assert first.count(" UTC") == 2  # created and revoked
        assert second.split()[:2] == ["zeta", "read"]
        assert second.count(" UTC") == 1
        assert json.loads(made.stdout)["token"] not in result.stdout
        assert "ledger_" not in result.stdout

    def test_json_lists_every_key_with_its_revocation(self, run: Run, url: str) -> None:
        """With --json: name, scope, created_at and revoked_at (null while in force)."""
        run("keys", "create", "bot", "--scope", "append", "--db", url)
        listed = json.loads(run("keys", "list", "--json", "--db", url).stdout)
        assert len(listed) == 1
        assert listed[0]["name"] == "bot"
        assert listed[0]["scope"] == "append"
        assert listed[0]["revoked_at"] is None
        assert set(listed[0]) == {"name", "scope", "created_at", "revoked_at"}

    def test_says_when_there_are_none(self, run: Run, url: str) -> None:
        """A ledger without keys says so, and how to make one."""
        result = run("keys", "list", "--db", url)
        assert result.exit_code == 0
        assert "no keys yet" in result.stdout


class TestRevoke:
    def test_the_token_authenticates_nothing_afterwards(self, run: Run, url: str) -> None:
        """After `keys revoke`, the key's token is refused."""
        token = json.loads(
            run("keys", "create", "bot", "--scope", "read", "--json", "--db", url).stdout
        )["token"]
        result = run("keys", "revoke", "bot", "--db", url)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("revoked key bot (read)")
        assert authenticated(url, token) is None

    def test_json_gives_the_key_with_its_revocation_time(self, run: Run, url: str) -> None:
        """With --json: the key as now kept, revoked_at set."""
        run("keys", "create", "bot", "--scope", "read", "--db", url)
        revoked = json.loads(run("keys", "revoke", "bot", "--json", "--db", url).stdout)
        assert revoked["name"] == "bot"
        assert revoked["revoked_at"] is not None

    def test_an_unknown_name_is_refused_with_the_nearest(self, run: Run, url: str) -> None:
        """A mistyped name gets the nearest one, as a mistyped figure does."""
        run("keys", "create", "newsroom", "--scope", "read", "--db", url)
        line = refused(run, "keys", "revoke", "newsrom", "--db", url)
        assert line == "error: name: unknown key 'newsrom' (did you mean 'newsroom'?)"

    def test_revoking_twice_is_refused(self, run: Run, url: str) -> None:
        """A key already revoked is not revoked again: exit code 2, one line."""
        run("keys", "create", "bot", "--scope", "read", "--db", url)
        run("keys", "revoke", "bot", "--db", url)
        line = refused(run, "keys", "revoke", "bot", "--db", url)
        assert "revoked already" in line
