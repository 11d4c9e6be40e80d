"""Opening a ledger that cannot be opened fails with the ledger's own error, never with an
SQLAlchemy or driver exception."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger.errors import DatabaseUnavailableError, StoreError
from ledger.store.sql import SQLStore, translated_errors

UNOPENABLE = {
    "unreachable PostgreSQL": "postgresql://postgres@127.0.0.1:1/nope",
    "not a URL": "not a url",
    "unknown database kind": "nosuchdb://somewhere/ledger",
}


class TestOpening:
    """Databases that cannot be reached or named raise DatabaseUnavailableError."""

    @pytest.mark.parametrize("url", UNOPENABLE.values(), ids=UNOPENABLE.keys())
    def test_unopenable_ledger_raises_database_unavailable(self, url: str) -> None:
        """The error is the ledger's; SQLAlchemy's stays behind it as the cause at most."""
        with pytest.raises(DatabaseUnavailableError) as raised:
            SQLStore(url)
        assert not isinstance(raised.value, sa.exc.SQLAlchemyError)

    def test_the_error_does_not_show_the_password(self) -> None:
        """A URL that cannot be used is named in the error with its password masked."""
        with pytest.raises(DatabaseUnavailableError) as raised:
            SQLStore("nosuchdb://someone:hunter2@somewhere/ledger")
        assert "hunter2" not in str(raised.value)
        assert "someone:***@somewhere" in str(raised.value)

    def test_sqlite_file_in_a_missing_folder(self, tmp_path: Path) -> None:
        """An SQLite path whose folder does not exist cannot be opened."""
        with pytest.raises(DatabaseUnavailableError):
            SQLStore(f"sqlite:///{tmp_path / 'no' / 'such' / 'ledger.db'}")

    def test_other_database_errors_are_store_errors(self, sqlite_url: str) -> None:
        """A failing statement surfaces as StoreError, not as an SQLAlchemy exception."""
        store = SQLStore(sqlite_url)
        with (
            pytest.raises(StoreError) as raised,
            translated_errors(),
            store.engine.connect() as connection,
        ):
            connection.exec_driver_sql("SELECT * FROM no_such_table")
        assert not isinstance(raised.value, sa.exc.SQLAlchemyError)
        store.close()
