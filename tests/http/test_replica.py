"""Readers on a PostgreSQL streaming replica: `create_app(writer, reader=...)` (`ledger serve
--read-url`) answers reads from a real hot standby the setup makes (`tests.http.standby`),
writes go to the primary, and a read carrying `min_position` waits, bounded, until the
replica has applied it: read-your-writes across machines.

The replica is made to lag on purpose by pausing its replay (`pg_wal_replay_pause`)."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import sqlalchemy as sa

import ledger
from ledger.http import deps
from ledger.http.app import create_app
from ledger.http.server import Background
from ledger.service.seeds import load_seeds
from tests.conftest import IN_CI, postgres_server_url
from tests.http.standby import Standby, Unavailable, hot_standby

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SOURCE = {"source_id": "late-wire", "name": "Late Wire", "kind": "media"}


@pytest.fixture(scope="module")
def standby() -> Iterator[Standby]:
    """A hot standby of the test server (or of a private primary; see `tests.http.standby`)."""
    server = postgres_server_url()
    try:
        with hot_standby(server) as made:
            yield made
    except Unavailable as reason:
        if IN_CI:
            pytest.fail(f"no hot standby for the replica tests: {reason}")
        pytest.skip(f"no hot standby for the replica tests: {reason}")


@dataclass
class Replicated:
    """A ledger on the primary (`writer`), read-only on the standby (`reader`), served."""

    standby: Standby
    writer: ledger.Ledger
    reader: ledger.Ledger
    url: str
    token: str

    def client(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


@pytest.fixture
def replicated(standby: Standby) -> Iterator[Replicated]:
    """The founding case in a fresh schema on the primary, replayed on the standby, and a
    server writing to the one and reading from the other."""
    schema = "t_" + secrets.token_hex(6)
    admin = sa.create_engine(standby.primary, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        with ledger.open(standby.on(standby.primary, schema), actor="loader") as writer:
            load_seeds(writer)
            token = writer.keys.create("reader-key", "admin")[1]
            standby.wait_for_replay()
            with (
                ledger.open(standby.on(standby.standby, schema), read_only=True) as reader,
                Background(create_app(writer, reader=reader)) as server,
            ):
                yield Replicated(standby, writer, reader, server.url, token)
    finally:
        standby.resume_replay()
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def paused(replicated: Replicated) -> Iterator[Replicated]:
    """The replica receiving the primary's log but not applying it, until resumed."""
    replicated.standby.pause_replay()
    yield replicated
    replicated.standby.resume_replay()


def _resume_after(standby: Standby, seconds: float) -> threading.Thread:
    def resume() -> None:
        time.sleep(seconds)
        standby.resume_replay()

    thread = threading.Thread(target=resume)
    thread.start()
    return thread


class TestReadsOnTheReplica:
    def test_a_read_answers_from_the_replica_and_waits_for_min_position(
        self, paused: Replicated
    ) -> None:
        """While the replica lags, a plain read shows its old state; the same read with
        `min_position` = the write's `Ledger-Position` waits for the replay, then shows it."""
        with paused.client() as api:
            written = api.post("/v1/sources", json=SOURCE)
            assert written.status_code == 201, written.text
            position = int(written.headers["Ledger-Position"])
            assert paused.writer.head() == position
            assert paused.reader.head() < position

            assert api.get(f"/v1/sources/{SOURCE['source_id']}").status_code == 404
            assert api.get("/healthz").json()["head"] < position

            resumer = _resume_after(paused.standby, 0.5)
            started = time.monotonic()
            waited = api.get(f"/v1/sources/{SOURCE['source_id']}?min_position={position}")
            elapsed = time.monotonic() - started
            resumer.join()
        assert waited.status_code == 200, waited.text
        assert waited.json()["source"]["name"] == SOURCE["name"]
        assert elapsed >= 0.4
        assert paused.reader.head() == position

    def test_a_position_the_replica_does_not_reach_in_time_is_a_503(
        self, paused: Replicated, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A position the log holds but the replica has not applied within the bound is the
        server's lag, not the caller's mistake: 503 `ReplicaBehindError`, with Retry-After."""
        monkeypatch.setattr(deps, "MIN_POSITION_WAIT", 0.3)
        with paused.client() as api:
            position = int(api.post("/v1/sources", json=SOURCE).headers["Ledger-Position"])
            refused = api.get(f"/v1/sources?min_position={position}")
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "1"
        body = refused.json()
        assert body["error"] == "ReplicaBehindError"
        assert body["attributes"]["position"] == position
        assert body["attributes"]["applied"] < position

    def test_a_position_beyond_the_primarys_log_is_a_422_at_once(self, paused: Replicated) -> None:
        """A position no write has recorded is the caller's mistake, whatever the lag:
        422 on `min_position`, without waiting."""
        with paused.client() as api:
            beyond = paused.writer.head() + 1000
            started = time.monotonic()
            refused = api.get(f"/v1/sources?min_position={beyond}")
        assert refused.status_code == 422
        assert refused.json()["field"] == "min_position"
        assert time.monotonic() - started < deps.MIN_POSITION_WAIT


class TestWritesThroughTheReplicatedService:
    def test_the_remote_client_reads_its_own_writes(self, paused: Replicated) -> None:
        """A write through `ledger.connect` goes to the primary; the client's next read
        carries its `Ledger-Position` and answers it once the replica has replayed."""
        remote = ledger.connect(paused.url, token=paused.token)
        try:
            remote.register_source(**SOURCE)
            assert remote.position == paused.writer.head()
            assert paused.writer.source(SOURCE["source_id"]).source.name == SOURCE["name"]
            resumer = _resume_after(paused.standby, 0.3)
            read = remote.source(SOURCE["source_id"])
            resumer.join()
        finally:
            remote.close()
        assert read.source.name == SOURCE["name"]


class TestTheReadOnlyLedger:
    def test_it_reads_the_replica_and_refuses_writes(self, replicated: Replicated) -> None:
        """On the standby, the read-only ledger answers what the primary's does and refuses
        writes with `ReadOnlyError` (nothing reaches the standby, which would refuse too)."""
        reader, writer = replicated.reader, replicated.writer
        assert reader.head() == writer.head()
        assert reader.estimates() == writer.estimates()
        assert reader.verify().ok
        with pytest.raises(ledger.ReadOnlyError) as refused:
            reader.register_source(**SOURCE)
        assert refused.value.operation == "register_source"
        with pytest.raises(ledger.ReadOnlyError):
            reader.keys.create("from-the-replica", "read")
        assert reader.head() == writer.head()

    def test_a_schema_the_primary_never_migrated_is_refused(self, standby: Standby) -> None:
        """A reader does not migrate: opening one on a schema without the ledger's tables
        raises `SchemaMismatchError` rather than writing to (or failing on) the standby."""
        schema = "t_" + secrets.token_hex(6)
        admin = sa.create_engine(standby.primary, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        try:
            standby.wait_for_replay()
            with pytest.raises(ledger.SchemaMismatchError) as refused:
                ledger.open(standby.on(standby.standby, schema), read_only=True)
            assert refused.value.revision is None
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            admin.dispose()
