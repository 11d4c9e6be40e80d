"""PostgreSQL privileges, exactly as docs/operations.md grants them: the writer role opens,
appends and verifies but cannot alter a recorded event; the reader role reads, cannot
append, and cannot take the writers' lock."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

import ledger
from ledger.errors import PermissionDeniedError
from ledger.service.keys import Scope
from ledger.store.record import NewEvent
from ledger.store.sql import SQLStore

pytestmark = pytest.mark.postgres

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
FIGURE = "test-event/killed/capital"


def documented_grants() -> list[str]:
    """The statements of the ```sql block that creates the roles in docs/operations.md."""
    blocks = re.findall(r"```sql\n(.*?)```", OPERATIONS.read_text(encoding="utf-8"), re.S)
    (block,) = [b for b in blocks if "CREATE ROLE ledger_writer" in b]
    text = "\n".join(line.split("--", 1)[0] for line in block.splitlines())
    return [statement.strip() for statement in text.split(";") if statement.strip()]


@dataclass(frozen=True)
class Roles:
    """URLs that log in as the documented writer and reader roles (unique names per test)."""

    writer: str
    reader: str


def as_role(url: str, role: str, password: str) -> str:
    """`url` logging in as `role` with `password` (the search_path is kept)."""
    parsed = sa.make_url(url).set(username=role, password=password)
    return parsed.render_as_string(hide_password=False)


@pytest.fixture
def roles(postgres_url: str) -> Iterator[Roles]:
    """The roles of docs/operations.md, created by running its own SQL block as the owner
    on a migrated ledger, with this test's schema and unique role names."""
    SQLStore(postgres_url).close()  # the owner migrates
    schema = postgres_url.rsplit("search_path%3D", 1)[1]
    suffix = secrets.token_hex(4)
    writer, reader = f"ledger_writer_{suffix}", f"ledger_reader_{suffix}"
    password = secrets.token_urlsafe(12)
    admin = sa.create_engine(postgres_url)
    with admin.begin() as connection:
        for statement in documented_grants():
            statement = re.sub(r"\bpublic\b", schema, statement)
            statement = re.sub(r"\bledger_writer\b", writer, statement)
            statement = re.sub(r"\bledger_reader\b", reader, statement)
            connection.exec_driver_sql(statement.replace("'…'", f"'{password}'"))
    try:
        yield Roles(
            writer=as_role(postgres_url, writer, password),
            reader=as_role(postgres_url, reader, password),
        )
    finally:
        with admin.begin() as connection:
            for role in (writer, reader):
                connection.exec_driver_sql(f"DROP OWNED BY {role}")
                connection.exec_driver_sql(f"DROP ROLE {role}")
        admin.dispose()


def with_option(url: str, option: str) -> str:
    """`url` with one more PostgreSQL session option."""
    parsed = sa.make_url(url)
    options = f"{parsed.query.get('options', '')} {option}".strip()
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


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


def fill(lg: ledger.Ledger) -> None:
    """A source, a figure and one report with one claim."""
    lg.register_source("ministry", name="Ministry", kind="government")
    lg.define_figure(FIGURE, unit="people", kind="cumulative")
    lg.append_report(
        ledger.Report(
            outlet="ministry",
            published_at=datetime(2022, 1, 9, 12, tzinfo=UTC),
            claims=[
                ledger.Claim(
                    figure=FIGURE, value="at least 10", as_of=date(2022, 1, 9), origin="ministry"
                )
            ],
        )
    )


class TestDocumentedRoles:
    """The grants in docs/operations.md are enough, and no more than enough."""

    def test_the_documented_writer_opens_appends_reads_and_verifies(self, roles: Roles) -> None:
        """A role granted exactly what the docs grant a writer runs the whole ledger API."""
        with ledger.open(roles.writer) as lg:
            fill(lg)
            assert lg.estimate(FIGURE).low == 10
            assert lg.head() == 4
            assert lg.verify().ok

    def test_the_documented_reader_reads_and_is_refused_appends(self, roles: Roles) -> None:
        """The reader role opens and reads the ledger; an append is a PermissionDeniedError
        saying the role may not append, and nothing is written."""
        with ledger.open(roles.writer) as lg:
            fill(lg)
        with ledger.open(roles.reader) as lg:
            assert lg.estimate(FIGURE).low == 10
            assert lg.verify().ok
            with pytest.raises(PermissionDeniedError, match="may not append"):
                lg.register_source("monitor", name="Monitor", kind="ngo")
            assert lg.head() == 4

    def test_a_writer_cannot_update_delete_truncate_or_drop_the_guards(self, roles: Roles) -> None:
        """The database itself denies the writer every way of changing a recorded event."""
        store = SQLStore(roles.writer)
        store.append([NewEvent("a", "Noted", {"n": 1})])
        store.close()
        assert "permission denied" in raw(roles.writer, "UPDATE events SET type = 'X'")
        assert "permission denied" in raw(roles.writer, "DELETE FROM events")
        assert "permission denied" in raw(roles.writer, "TRUNCATE events")
        assert "must be owner" in raw(roles.writer, "DROP TRIGGER events_refuse_change ON events")
        assert SQLStore(roles.writer).verify().count == 1

    def test_the_service_roles_authenticate_keys_but_only_the_owner_makes_them(
        self, roles: Roles, postgres_url: str
    ) -> None:
        """A key the owner makes authenticates through a ledger opened as the writer or the
        reader; neither role may make or revoke one (PermissionDeniedError)."""
        with ledger.open(postgres_url) as owner:
            key, token = owner.keys.create("newsroom", Scope.APPEND)
        for role in (roles.writer, roles.reader):
            with ledger.open(role) as lg:
                assert lg.keys.authenticate(token) == key
                with pytest.raises(PermissionDeniedError):
                    lg.keys.create("intruder", Scope.ADMIN)
                with pytest.raises(PermissionDeniedError):
                    lg.keys.revoke("newsroom")
        with ledger.open(postgres_url) as owner:
            assert owner.keys.list() == [key]

    @pytest.mark.parametrize(
        "statement",
        [
            "SELECT id FROM writer_lock FOR UPDATE",
            "SELECT id FROM writer_lock FOR KEY SHARE",
            "LOCK TABLE writer_lock IN ROW SHARE MODE",
            "LOCK TABLE writer_lock IN ACCESS EXCLUSIVE MODE",
        ],
    )
    def test_a_reader_cannot_take_the_writers_lock(self, roles: Roles, statement: str) -> None:
        """Every way of locking the writers' lock row or table is refused to the reader."""
        assert "permission denied for table writer_lock" in raw(roles.reader, statement)

    def test_a_reader_holding_an_advisory_lock_does_not_stall_writers(self, roles: Roles) -> None:
        """Advisory locks are open to every role, so writers do not serialise on one: a reader
        holding the old writers' advisory lock leaves appends free."""
        reader = sa.create_engine(roles.reader)
        bounded = with_option(roles.writer, "-c lock_timeout=2000")  # today's code stalled
        with reader.begin() as connection:
            connection.exec_driver_sql(
                "SELECT pg_advisory_xact_lock('events'::regclass::oid::bigint)"
            )
            store = SQLStore(bounded)
            assert store.append([NewEvent("a", "Noted", {"n": 1})])[0].position == 1
            store.close()
        reader.dispose()
