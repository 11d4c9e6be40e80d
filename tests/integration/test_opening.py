"""Opening a ledger: many processes may open a fresh one at once, the schema is migrated
once, and the database URL is never logged with its password."""

from __future__ import annotations

import multiprocessing
import secrets

import pytest
import sqlalchemy as sa
from structlog.testing import capture_logs

import ledger
from ledger.store import migrate
from tests.integration.openers import open_and_append

OPENERS = 8


class TestOpeningAtTheSameInstant:
    """Processes that open one fresh ledger together all succeed; one of them migrates."""

    def test_eight_processes_open_a_fresh_ledger_at_once(self, database_url: str) -> None:
        """Eight processes released by a barrier all open the new ledger and append; the
        schema was migrated by exactly one of them and is at head once."""
        context = multiprocessing.get_context("spawn")
        with context.Manager() as manager, context.Pool(OPENERS) as pool:
            barrier = manager.Barrier(OPENERS)
            jobs = pool.starmap_async(
                open_and_append, [(database_url, barrier, n) for n in range(OPENERS)]
            )
            migrated = jobs.get(timeout=120)
        assert sum(migrated) == 1
        with ledger.open(database_url) as lg:
            with lg.store.engine.connect() as connection:
                versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
                assert [v for (v,) in versions] == [migrate.head_revision()]
            assert lg.head() == OPENERS
            assert sorted(e.stream_id for e in lg.events()) == sorted(
                f"source:source-{n}" for n in range(OPENERS)
            )
            assert lg.verify().ok

    def test_opening_a_ledger_at_head_does_not_migrate(self, database_url: str) -> None:
        """Only the first open of a new ledger migrates; later opens find it at head."""
        with capture_logs() as first:
            ledger.open(database_url).close()
        with capture_logs() as second:
            ledger.open(database_url).close()
        assert [e["event"] for e in first].count("migrated") == 1
        assert [e["event"] for e in second].count("migrated") == 0


class TestCredentials:
    """The password of a database URL never reaches the logs."""

    @pytest.mark.postgres
    def test_the_opened_log_line_masks_the_password(self, postgres_url: str) -> None:
        """`opened` logs the URL with its password replaced by ***, and no log line of an
        open, an append or a verification contains the password."""
        password = "hunter2-" + secrets.token_hex(4)
        url = sa.make_url(postgres_url).set(password=password)
        with capture_logs() as logs, ledger.open(url.render_as_string(hide_password=False)) as lg:
            lg.register_source("ministry", name="Ministry", kind="government")
            lg.verify()
        (opened,) = [entry for entry in logs if entry["event"] == "opened"]
        assert opened["url"] == url.render_as_string(hide_password=True)
        assert ":***@" in opened["url"]
        assert password not in repr(logs)


class TestOpeningReadOnly:
    """`ledger.open(url, read_only=True)`: a reader (e.g. on a replica) that neither migrates
    nor writes, and reads what the ledger holds."""

    def test_a_read_only_ledger_reads_and_refuses_every_write(self, database_url: str) -> None:
        """Reads answer as the writer's do; each write raises `ReadOnlyError` naming it, and
        nothing is appended."""
        with ledger.open(database_url) as writer:
            writer.register_source("wire", name="Wire", kind="media")
            writer.define_figure("e/killed/x")
        with ledger.open(database_url, read_only=True) as reader:
            assert reader.read_only
            assert reader.head() == 2
            assert [s.source_id for s in reader.sources()] == ["wire"]
            assert reader.verify().ok
            writes = {
                "register_source": lambda: reader.register_source("w2", name="W", kind="media"),
                "define_figure": lambda: reader.define_figure("e/killed/y"),
                "retract_report": lambda: reader.retract_report("no-such", by="a", reason="b"),
            }
            for operation, write in writes.items():
                with pytest.raises(ledger.ReadOnlyError) as refused:
                    write()
                assert refused.value.operation == operation
            with pytest.raises(ledger.ReadOnlyError):
                reader.keys.create("k", "read")
            with pytest.raises(ledger.ReadOnlyError):
                reader.replay()
            assert reader.head() == 2

    def test_a_read_only_open_does_not_migrate(self, database_url: str) -> None:
        """A database without the ledger's schema is refused with `SchemaMismatchError`
        (revision None), and is left without one."""
        with pytest.raises(ledger.SchemaMismatchError) as refused:
            ledger.open(database_url, read_only=True)
        assert refused.value.revision is None
        assert refused.value.needed == migrate.head_revision()
        engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
        try:
            assert migrate.current_revision(engine) is None
        finally:
            engine.dispose()

    def test_a_schema_older_than_the_code_is_refused(self, sqlite_url: str) -> None:
        """A schema behind the newest revision names both revisions; only the primary
        migrates it."""
        ledger.open(sqlite_url).close()
        engine = sa.create_engine(sqlite_url)
        try:
            with engine.begin() as connection:
                connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
        finally:
            engine.dispose()
        with pytest.raises(ledger.SchemaMismatchError, match="older than") as refused:
            ledger.open(sqlite_url, read_only=True)
        assert refused.value.revision == "0001"

    def test_a_ledger_in_memory_cannot_be_opened_read_only(self) -> None:
        """`memory://` is a new, empty ledger each time: reading one read-only is refused."""
        with pytest.raises(ledger.NotSupportedError):
            ledger.open("memory://", read_only=True)
