"""PostgreSQL privileges: a writer role appends, and cannot alter or remove a recorded event."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from ledger.store.record import NewEvent
from ledger.store.sql import SQLStore

pytestmark = pytest.mark.postgres

READ_MODEL = (
    "sources, figures, reports, claims, claim_changes, estimates, estimate_history, checkpoints"
)


@pytest.fixture
def writer_url(postgres_url: str) -> Iterator[str]:
    """A URL acting as a fresh role granted only what operations.md grants a writer."""
    owner = SQLStore(postgres_url)
    role = "ledger_w_" + secrets.token_hex(4)
    schema = postgres_url.rsplit("search_path%3D", 1)[1]
    with owner.engine.begin() as connection:
        for statement in (
            f"CREATE ROLE {role} NOLOGIN",
            f"GRANT USAGE ON SCHEMA {schema} TO {role}",
            f"GRANT SELECT, INSERT ON events TO {role}",
            f"GRANT SELECT ON alembic_version TO {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON {READ_MODEL} TO {role}",
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        ):
            connection.exec_driver_sql(statement)
    owner.close()
    try:
        yield postgres_url.replace("options=", f"options=-crole%3D{role}%20", 1)
    finally:
        admin = sa.create_engine(postgres_url)
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP OWNED BY {role}")
            connection.exec_driver_sql(f"DROP ROLE {role}")
        admin.dispose()


def raw(url: str, statement: str) -> str:
    """Run one statement as the URL's role and return the database's error message."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(statement)
    except sa.exc.DBAPIError as error:
        return str(error.orig)
    finally:
        engine.dispose()
    return ""


class TestWriterRole:
    def test_a_writer_with_select_and_insert_can_append(self, writer_url: str) -> None:
        """Appending needs no UPDATE or DELETE privilege (writers serialise on an advisory lock)."""
        store = SQLStore(writer_url)
        stored = store.append([NewEvent("a", "Noted", {"n": 1}), NewEvent("a", "Noted", {"n": 2})])
        assert [e.position for e in stored] == [1, 2]
        assert store.verify().ok
        store.close()

    def test_a_writer_cannot_update_delete_truncate_or_drop_the_guards(
        self, writer_url: str
    ) -> None:
        """The database itself denies the writer every way of changing a recorded event."""
        store = SQLStore(writer_url)
        store.append([NewEvent("a", "Noted", {"n": 1})])
        store.close()
        assert "permission denied" in raw(writer_url, "UPDATE events SET type = 'X'")
        assert "permission denied" in raw(writer_url, "DELETE FROM events")
        assert "permission denied" in raw(writer_url, "TRUNCATE events")
        assert "must be owner" in raw(writer_url, "DROP TRIGGER events_refuse_change ON events")
        assert SQLStore(writer_url).verify().count == 1
