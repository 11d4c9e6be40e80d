"""API keys as values, without a ledger: scopes are ordered read ⊂ append ⊂ admin, a
revoked key allows nothing, and what is kept of a token is its SHA-256."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import InvalidInputError
from ledger.service.keys import ApiKey, Scope, checked_name, token_hash

MADE = datetime(2026, 1, 1, tzinfo=UTC)

ALLOWED = {
    (Scope.READ, Scope.READ): True,
    (Scope.READ, Scope.APPEND): False,
    (Scope.READ, Scope.ADMIN): False,
    (Scope.APPEND, Scope.READ): True,
    (Scope.APPEND, Scope.APPEND): True,
    (Scope.APPEND, Scope.ADMIN): False,
    (Scope.ADMIN, Scope.READ): True,
    (Scope.ADMIN, Scope.APPEND): True,
    (Scope.ADMIN, Scope.ADMIN): True,
}


class TestScope:
    @pytest.mark.parametrize(("held", "needed"), list(ALLOWED))
    def test_a_scope_allows_itself_and_every_lesser_one(self, held: Scope, needed: Scope) -> None:
        """admin allows append and read, append allows read, read only itself."""
        assert held.allows(needed) is ALLOWED[held, needed]

    def test_the_scopes_are_their_words(self) -> None:
        """Each scope is the word written on the command line and stored: read, append,
        admin."""
        assert [str(scope) for scope in Scope] == ["read", "append", "admin"]
        assert Scope("append") is Scope.APPEND


class TestApiKey:
    @pytest.mark.parametrize("needed", list(Scope))
    def test_a_key_allows_what_its_scope_allows(self, needed: Scope) -> None:
        """A key in force allows exactly what its scope does."""
        key = ApiKey("a", Scope.APPEND, MADE)
        assert key.allows(needed) is Scope.APPEND.allows(needed)

    @pytest.mark.parametrize("needed", list(Scope))
    def test_a_revoked_key_allows_nothing(self, needed: Scope) -> None:
        """Once revoked, even an admin key allows nothing."""
        key = ApiKey("a", Scope.ADMIN, MADE, revoked_at=MADE)
        assert not key.allows(needed)

    def test_a_key_is_a_frozen_value(self) -> None:
        """An ApiKey cannot be changed after it is made."""
        key = ApiKey("a", Scope.READ, MADE)
        with pytest.raises(AttributeError):
            key.name = "b"  # type: ignore[misc]  # frozen: the point of the test


class TestTokenHash:
    def test_is_the_hex_sha256_of_the_token(self) -> None:
        """64 hex digits: the SHA-256 of the token's UTF-8 bytes."""
        assert token_hash("ledger_abc") == hashlib.sha256(b"ledger_abc").hexdigest()
        assert len(token_hash("")) == 64


class TestName:
    @given(st.from_regex(r"[A-Za-z0-9._@-]{1,100}", fullmatch=True))
    def test_every_name_of_the_allowed_characters_is_kept_as_written(self, name: str) -> None:
        """A name of 1 to 100 allowed characters comes back unchanged."""
        assert checked_name(name) == name

    @given(
        st.builds(
            lambda before, separator, after: before + separator + after,
            st.text(max_size=50),
            st.sampled_from(" /:;\n\t"),
            st.text(max_size=50),
        )
    )
    def test_a_name_with_a_space_or_separator_is_refused(self, name: str) -> None:
        """Spaces and separators are never part of a name."""
        with pytest.raises(InvalidInputError, match="name"):
            checked_name(name)
