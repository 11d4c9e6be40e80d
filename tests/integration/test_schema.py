"""The schema's version as the service reports it: a ledger opened is at the newest
revision, and the DDL of an upgrade is printed for a dialect without connecting."""

from __future__ import annotations

import pytest

import ledger
from ledger.service import schema
from ledger.store.migrate import head_revision


@pytest.fixture
def ledger_url(database_url: str) -> str:
    """SQLite and PostgreSQL only: the SQL schema."""
    return database_url


class TestRevision:
    def test_an_opened_ledger_is_at_the_newest_revision(self, lg: ledger.Ledger) -> None:
        """Opening migrates: the revision is the newest the code knows, on every backend."""
        assert schema.revision(lg) == head_revision()


class TestUpgradeSql:
    def test_is_the_ddl_of_the_dialect_without_a_server(self) -> None:
        """A PostgreSQL URL, even the `postgresql://` form and with no server behind it,
        yields PostgreSQL DDL: the events table and its append-only guard."""
        ddl = schema.upgrade_sql("postgresql://nobody@127.0.0.1:1/none")
        assert "CREATE TABLE events" in ddl
        assert "CREATE FUNCTION ledger_refuse_change" in ddl  # PostgreSQL's append-only guard
