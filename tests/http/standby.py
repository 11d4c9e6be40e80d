"""A real PostgreSQL hot standby for the replica tests, made by the test setup.

`hot_standby(server_url)` streams a base backup (`pg_basebackup -R -X stream`) of a primary
into a temporary folder and starts it there as a hot standby on a free port; it is stopped
and removed afterwards. The primary is the test server when it accepts replication
connections; a server that does not (its `pg_hba.conf` has no `replication` line: the
database `all` does not cover replication) is replaced by a private primary made with
`initdb`, whose own `pg_hba.conf` allows it. What cannot be done — no server binaries, no
user to run them as — is raised as `Unavailable`, with the reason.

The binaries are looked for in `LEDGER_TEST_PG_BIN`, then `pg_config --bindir`, then
/usr/lib/postgresql/*/bin. PostgreSQL refuses to run as root: under root they run as the
`postgres` user, in a folder it owns.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

NEEDED = ("pg_basebackup", "pg_ctl", "pg_isready", "initdb")
STANDBY_SETTINGS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)
"""Settings a hot standby must have at least as high as its primary."""
START_TIMEOUT = 30


class Unavailable(Exception):
    """A standby cannot be made here; the message says why."""


@dataclass(frozen=True)
class Standby:
    """A primary and its hot standby: SQLAlchemy URLs of the same database on each, how
    the primary came to be, and what the test server said about replication."""

    primary: str
    standby: str
    private_primary: bool
    refused: str | None  # why the test server could not be the primary, if it could not

    def on(self, url: str, schema: str) -> str:
        """`url` (the primary's or the standby's) with `schema` as its search_path."""
        return f"{url}?options=-csearch_path%3D{schema}"

    def wait_for_replay(self, timeout: float = 10) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        with _connected(self.primary) as primary:
            target = primary.exec_driver_sql("SELECT pg_current_wal_lsn()").scalar()
        deadline = time.monotonic() + timeout
        with _connected(self.standby) as standby:
            while True:
                behind = standby.exec_driver_sql(
                    "SELECT pg_wal_lsn_diff(%s, pg_last_wal_replay_lsn()) > 0", (target,)
                ).scalar()
                if not behind:
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the standby did not replay up to {target}")
                time.sleep(0.02)

    def pause_replay(self) -> None:
        """Stop the standby applying WAL (it keeps receiving it) until `resume_replay`."""
        with _connected(self.standby) as standby:
            standby.exec_driver_sql("SELECT pg_wal_replay_pause()")
            deadline = time.monotonic() + 10
            while standby.exec_driver_sql("SELECT pg_get_wal_replay_pause_state()").scalar() != (
                "paused"
            ):
                assert time.monotonic() < deadline, "replay did not pause"
                time.sleep(0.01)

    def resume_replay(self) -> None:
        with _connected(self.standby) as standby:
            standby.exec_driver_sql("SELECT pg_wal_replay_resume()")


@contextlib.contextmanager
def hot_standby(server_url: str) -> Iterator[Standby]:
    """A hot standby of the test server at `server_url` (or of a private primary, if that
    server refuses replication); see the module."""
    binaries = _binaries()
    user = _runner()
    folder = Path(tempfile.mkdtemp(prefix="ledger-standby-"))
    run = _Runner(binaries, user, folder)
    try:
        if user is not None:
            os.chown(folder, user.pw_uid, user.pw_gid)
        primary = sa.engine.make_url(server_url).set(drivername="postgresql+psycopg")
        refused = run.base_backup(primary, folder / "standby")
        private = refused is not None
        if private:
            primary = run.private_primary(folder / "primary", primary.database or "postgres")
            failed = run.base_backup(primary, folder / "standby")
            if failed is not None:
                raise Unavailable(f"a base backup of a private primary failed: {failed}")
        run.start_standby(primary, folder / "standby")
        standby = primary.set(host="127.0.0.1", port=run.ports[folder / "standby"])
        yield Standby(
            primary.render_as_string(hide_password=False),
            standby.render_as_string(hide_password=False),
            private,
            refused,
        )
    finally:
        for data in (folder / "standby", folder / "primary"):
            if (data / "postmaster.pid").exists():
                run.stop(data)
        shutil.rmtree(folder, ignore_errors=True)


class _Runner:
    """Runs the server binaries (as `user`, if given) on clusters under `folder`."""

    def __init__(self, binaries: Path, user: pwd.struct_passwd | None, folder: Path) -> None:
        self.binaries = binaries
        self.user = user
        self.folder = folder
        self.ports: dict[Path, int] = {}

    def __call__(self, program: str, *args: str, timeout: float = 60) -> str | None:
        """Run `program`; None if it succeeded, else its error output."""
        options: dict[str, Any] = {}
        if self.user is not None:
            options = {"user": self.user.pw_uid, "group": self.user.pw_gid}
        done = subprocess.run(
            [str(self.binaries / program), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=self.folder,
            env=os.environ | {"PGCONNECT_TIMEOUT": "5"},
            **options,
        )
        return None if done.returncode == 0 else (done.stderr or done.stdout).strip()

    def base_backup(self, primary: sa.URL, data: Path) -> str | None:
        """Stream a base backup of `primary` into `data`, set up to follow it (`-R`);
        None if done, else why not."""
        return self(
            "pg_basebackup",
            *("-h", primary.host or "127.0.0.1", "-p", str(primary.port or 5432)),
            *("-U", primary.username or "postgres", "-D", str(data)),
            *("-R", "-X", "stream", "-c", "fast", "-w"),
        )

    def private_primary(self, data: Path, database: str) -> sa.URL:
        """A new cluster that allows replication (initdb's trust `pg_hba.conf` has
        `replication` lines for the loopback addresses), started on a free port."""
        failed = self("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-N")
        if failed is not None:
            raise Unavailable(f"initdb failed: {failed}")
        port = self._configure(data, {"wal_level": "replica", "max_wal_senders": "4"})
        self._start(data)
        primary = sa.URL.create(
            "postgresql+psycopg", username="postgres", host="127.0.0.1", port=port
        )
        if database != "postgres":
            with _connected(primary.set(database="postgres"), autocommit=True) as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
        return primary.set(database=database)

    def start_standby(self, primary: sa.URL, data: Path) -> None:
        """Start the base backup in `data` as a hot standby, with the settings a standby
        needs at least as high as the primary's (a packaged server keeps its config outside
        its data folder, so the backup may have none of its own)."""
        with _connected(primary) as connection:
            settings = {
                name: str(connection.exec_driver_sql(f"SHOW {name}").scalar())
                for name in STANDBY_SETTINGS
            }
        (data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n", encoding="utf-8"
        )
        self._configure(data, settings | {"hot_standby": "on"})
        self._start(data)

    def _configure(self, data: Path, settings: dict[str, str]) -> int:
        """Write `data`'s postgresql.conf: a free loopback port, the socket in `data`,
        no durability (a test cluster), and `settings`. Returns the port."""
        port = _free_port()
        self.ports[data] = port
        lines = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(port),
            "unix_socket_directories": f"'{data}'",
            "fsync": "off",
            "full_page_writes": "off",
            "hba_file": f"'{data / 'pg_hba.conf'}'",
            "ident_file": f"'{data / 'pg_ident.conf'}'",
        } | settings
        (data / "pg_ident.conf").touch()
        text = "".join(f"{name} = {value}\n" for name, value in lines.items())
        (data / "postgresql.conf").write_text(text, encoding="utf-8")
        if self.user is not None:
            for path in (data / "postgresql.conf", data / "pg_hba.conf", data / "pg_ident.conf"):
                if path.exists():
                    os.chown(path, self.user.pw_uid, self.user.pw_gid)
        return port

    def _start(self, data: Path) -> None:
        log = str(data / "server.log")
        failed = self("pg_ctl", "-D", str(data), "-l", log, "-w", "-t", str(START_TIMEOUT), "start")
        if failed is None:
            failed = self("pg_isready", "-h", "127.0.0.1", "-p", str(self.ports[data]))
        if failed is not None:
            output = Path(log).read_text(encoding="utf-8") if Path(log).exists() else ""
            raise Unavailable(f"the cluster in {data} did not start: {failed}\n{output[-2000:]}")

    def stop(self, data: Path) -> None:
        self("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")


def _binaries() -> Path:
    """The folder of the server binaries (see the module), or `Unavailable`."""
    candidates: list[Path] = []
    if os.environ.get("LEDGER_TEST_PG_BIN"):
        candidates.append(Path(os.environ["LEDGER_TEST_PG_BIN"]))
    if shutil.which("pg_config"):
        found = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=False
        )
        candidates.append(Path(found.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in candidates:
        if all((folder / name).is_file() for name in NEEDED):
            return folder
    raise Unavailable(
        f"no PostgreSQL server binaries ({', '.join(NEEDED)}) found: set LEDGER_TEST_PG_BIN"
    )


def _runner() -> pwd.struct_passwd | None:
    """Whom to run the binaries as: ourselves, or `postgres` under root (which they refuse)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise Unavailable(
            "running as root, which PostgreSQL refuses, and there is no postgres user"
        ) from None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _connected(url: sa.URL | str, *, autocommit: bool = True) -> Iterator[sa.Connection]:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT" if autocommit else None)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()
