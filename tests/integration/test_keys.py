"""API keys, one contract for every ledger — in memory, SQLite and PostgreSQL: a key made
authenticates its token with its scope until it is revoked; the token itself is never
kept; names and scopes are checked; and keys outlive a replay of the log."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from structlog.testing import capture_logs

import ledger
from ledger.errors import (
    AlreadyExistsError,
    InvalidInputError,
    InvalidTransitionError,
    UnknownKeyError,
)
from ledger.service.keys import TOKEN_PREFIX, Keys, Scope
from ledger.store.schema import api_keys
from ledger.store.sql import SQLStore


def kept(lg: ledger.Ledger) -> list[str]:
    """Everything the ledger keeps about its keys, as text: each row of `api_keys`, or
    each entry of the keys of a ledger in memory."""
    if isinstance(lg.store, SQLStore):
        with lg.store.engine.connect() as connection:
            return [str(tuple(row)) for row in connection.execute(sa.select(api_keys))]
    return [str(entry) for entry in vars(lg.keys).values()]


@pytest.fixture
def keys(lg: ledger.Ledger) -> Keys:
    return lg.keys


class TestCreate:
    def test_a_new_key_authenticates_its_token_with_its_scope(self, keys: Keys) -> None:
        """`create` returns the key and a token; `authenticate(token)` finds that key."""
        key, token = keys.create("dashboard", Scope.READ)
        assert key.name == "dashboard"
        assert key.scope is Scope.READ
        assert key.revoked_at is None
        assert keys.authenticate(token) == key

    def test_the_scope_may_be_given_by_its_name(self, keys: Keys) -> None:
        """A scope may be given as its word: "append" is Scope.APPEND."""
        key, token = keys.create("newsroom", "append")
        assert key.scope is Scope.APPEND
        found = keys.authenticate(token)
        assert found is not None
        assert found.scope is Scope.APPEND

    def test_the_token_is_recognisable_and_new_each_time(self, keys: Keys) -> None:
        """Tokens begin with `ledger_` and carry 32 random bytes: no two keys share one."""
        _, first = keys.create("one", Scope.READ)
        _, second = keys.create("two", Scope.READ)
        assert first.startswith(TOKEN_PREFIX)
        assert len(first) >= len(TOKEN_PREFIX) + 43
        assert first != second

    def test_the_creation_time_is_now_in_utc(self, keys: Keys) -> None:
        """`created_at` is the moment of creation, zone-aware, and read back the same."""
        before = datetime.now(UTC)
        key, _ = keys.create("timed", Scope.ADMIN)
        assert before <= key.created_at <= datetime.now(UTC)
        assert key.created_at.utcoffset() is not None
        assert keys.list() == [key]

    def test_the_token_is_not_kept_only_its_sha256(self, lg: ledger.Ledger) -> None:
        """Nothing the ledger keeps holds the token's text; the SHA-256 of it is kept."""
        _, token = lg.keys.create("secretive", Scope.ADMIN)
        everything = " ".join(kept(lg))
        assert token not in everything
        assert token.removeprefix(TOKEN_PREFIX) not in everything
        assert hashlib.sha256(token.encode()).hexdigest() in everything

    def test_a_taken_name_is_refused(self, keys: Keys) -> None:
        """A second key of the same name is an AlreadyExistsError; the first still works."""
        key, token = keys.create("dashboard", Scope.READ)
        with pytest.raises(AlreadyExistsError, match="key 'dashboard' already exists"):
            keys.create("dashboard", Scope.ADMIN)
        assert keys.list() == [key]
        assert keys.authenticate(token) == key

    def test_the_name_of_a_revoked_key_stays_taken(self, keys: Keys) -> None:
        """Revoked keys stay listed under their name, so it cannot be reused."""
        keys.create("old", Scope.READ)
        keys.revoke("old")
        with pytest.raises(AlreadyExistsError):
            keys.create("old", Scope.READ)

    @pytest.mark.parametrize("scope", ["write", "", "READ", "owner", None, 3])
    def test_an_unknown_scope_is_refused_naming_the_field(self, keys: Keys, scope: object) -> None:
        """Only read, append and admin are scopes; anything else is an InvalidInputError
        on `scope`, and no key is made."""
        with pytest.raises(InvalidInputError) as caught:
            keys.create("dashboard", scope)  # type: ignore[arg-type]  # what callers might pass
        assert caught.value.field == "scope"
        assert keys.list() == []

    @pytest.mark.parametrize(
        "name", ["", "   ", "has space", "slash/ed", "x" * 101, "naïve", "semi;colon", None, 7]
    )
    def test_a_bad_name_is_refused_naming_the_field(self, keys: Keys, name: object) -> None:
        """A name is 1 to 100 of `A-Z a-z 0-9 . _ @ -`; anything else is an
        InvalidInputError on `name`, and no key is made."""
        with pytest.raises(InvalidInputError) as caught:
            keys.create(name, Scope.READ)  # type: ignore[arg-type]  # what callers might pass
        assert caught.value.field == "name"
        assert keys.list() == []

    @pytest.mark.parametrize("name", ["a", "ci-bot", "alice@example.org", "svc_1.2", "x" * 100])
    def test_names_of_the_allowed_characters_are_accepted(self, keys: Keys, name: str) -> None:
        """Letters, digits and `. _ @ -`, up to 100 of them, make a name."""
        key, _ = keys.create(name, Scope.READ)
        assert key.name == name


class TestList:
    def test_lists_every_key_by_name_revoked_ones_too(self, keys: Keys) -> None:
        """`list` is sorted by name and keeps revoked keys, with their revocation time."""
        keys.create("zeta", Scope.READ)
        keys.create("alpha", Scope.ADMIN)
        keys.create("mid", Scope.APPEND)
        keys.revoke("mid")
        listed = keys.list()
        assert [key.name for key in listed] == ["alpha", "mid", "zeta"]
        assert [key.revoked_at is None for key in listed] == [True, False, True]

    def test_an_empty_ledger_has_no_keys(self, keys: Keys) -> None:
        """A new ledger starts with none."""
        assert keys.list() == []


class TestRevoke:
    def test_a_revoked_key_no_longer_authenticates(self, keys: Keys) -> None:
        """After `revoke`, its token authenticates nothing; other keys are untouched."""
        _, token = keys.create("leaked", Scope.APPEND)
        other, other_token = keys.create("kept", Scope.APPEND)
        revoked = keys.revoke("leaked")
        assert revoked.revoked_at is not None
        assert keys.authenticate(token) is None
        assert keys.authenticate(other_token) == other

    def test_revoke_returns_the_key_as_now_kept(self, keys: Keys) -> None:
        """The key `revoke` returns is the one `list` shows afterwards."""
        keys.create("leaked", Scope.READ)
        revoked = keys.revoke("leaked")
        assert keys.list() == [revoked]

    def test_revoking_twice_is_refused(self, keys: Keys) -> None:
        """A key is revoked once: again is an InvalidTransitionError, as retracting a claim
        twice is, and the first revocation's time stands."""
        keys.create("leaked", Scope.READ)
        revoked = keys.revoke("leaked")
        with pytest.raises(InvalidTransitionError, match="revoked already"):
            keys.revoke("leaked")
        assert keys.list() == [revoked]

    def test_an_unknown_name_is_refused_with_the_nearest_one(self, keys: Keys) -> None:
        """Revoking a name no key has is an UnknownKeyError (a NotFoundError) suggesting
        the nearest name."""
        keys.create("dashboard", Scope.READ)
        with pytest.raises(UnknownKeyError) as caught:
            keys.revoke("dashbord")
        assert caught.value.suggestion == "dashboard"
        assert str(caught.value) == "name: unknown key 'dashbord' (did you mean 'dashboard'?)"


class TestAuthenticate:
    @pytest.mark.parametrize("token", ["", "ledger_", "ledger_nope", "Bearer x", "x" * 5000])
    def test_an_unknown_token_authenticates_nothing(self, keys: Keys, token: str) -> None:
        """A token no key was made with gives None."""
        keys.create("dashboard", Scope.ADMIN)
        assert keys.authenticate(token) is None

    def test_a_token_is_matched_exactly(self, keys: Keys) -> None:
        """A token with a character more, less or changed is not the key's."""
        _, token = keys.create("dashboard", Scope.ADMIN)
        for near in (token + "x", token[:-1], token.upper(), f" {token}"):
            assert keys.authenticate(near) is None


class TestLedger:
    def test_keys_outlive_a_replay(self, lg: ledger.Ledger) -> None:
        """A replay empties and rebuilds the read model; the keys are neither, and stay."""
        lg.register_source("ministry", name="Ministry", kind="government")
        key, token = lg.keys.create("dashboard", Scope.READ)
        lg.keys.create("gone", Scope.ADMIN)
        lg.keys.revoke("gone")
        listed = lg.keys.list()
        assert lg.replay().identical
        assert lg.keys.list() == listed
        assert lg.keys.authenticate(token) == key

    def test_keys_are_no_events(self, lg: ledger.Ledger) -> None:
        """Making and revoking keys appends nothing to the log."""
        lg.keys.create("dashboard", Scope.READ)
        lg.keys.revoke("dashboard")
        assert lg.head() == 0

    def test_a_ledger_acting_for_someone_shares_its_keys(self, lg: ledger.Ledger) -> None:
        """`acting()` gives a view of the same ledger: the same keys."""
        key, token = lg.acting("alice").keys.create("dashboard", Scope.READ)
        assert lg.keys.authenticate(token) == key


class TestLogs:
    def test_create_and_revoke_are_logged_without_the_token(self, keys: Keys) -> None:
        """Each logs the key's name and scope as key/value pairs; no line holds the token."""
        with capture_logs() as logs:
            _, token = keys.create("dashboard", Scope.APPEND)
            keys.revoke("dashboard")
        assert [(line["event"], line["name"], line["scope"]) for line in logs] == [
            ("key created", "dashboard", "append"),
            ("key revoked", "dashboard", "append"),
        ]
        assert token not in repr(logs)
