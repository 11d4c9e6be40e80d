"""`ledger serve` as a user runs it: a key made with `ledger keys create`, the server
started on a port, a request with the key, and a clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

import ledger
from ledger.http.server import GRACE

LEDGER = [sys.executable, "-m", "ledger.cli.main"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*LEDGER, *args], capture_output=True, text=True, check=False, timeout=60)


def serving(db: str, **env: str) -> tuple[subprocess.Popen[str], str]:
    """`ledger serve --db DB` on a free port, once it answers; its stderr is piped when
    `LEDGER_LOG_FORMAT` is given, else dropped."""
    port = _free_port()
    server = subprocess.Popen(
        [*LEDGER, "serve", "--db", db, "--port", str(port)],
        stderr=subprocess.PIPE if "LEDGER_LOG_FORMAT" in env else subprocess.DEVNULL,
        text=True,
        env=os.environ | {"LEDGER_LOG_LEVEL": "WARNING"} | env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            return server, url
        except httpx.TransportError:
            assert server.poll() is None, "the server ended"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)


@pytest.mark.slow
def test_serve_answers_with_a_key_and_stops_cleanly(tmp_path: Path) -> None:
    db = str(tmp_path / "kz.db")
    assert _run("init", "--db", db, "--seeds").returncode == 0
    created = _run("keys", "create", "dashboard", "--scope", "read", "--db", db, "--json")
    token = json.loads(created.stdout)["token"]
    server, url = serving(db, LEDGER_LOG_FORMAT="json", LEDGER_LOG_LEVEL="INFO")
    try:
        headers = {"Authorization": f"Bearer {token}"}
        figure = "kz-unrest-2022/killed/kazakhstan"
        estimate = httpx.get(f"{url}/v1/figures/{figure}/estimate", headers=headers)
        assert estimate.status_code == 200
        assert estimate.json()["figure"] == figure
        refused = httpx.post(f"{url}/v1/sources", headers=headers, json={})
        assert refused.status_code == 403
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    # uvicorn answers what is in flight, then ends by the signal it was sent, as is usual
    assert server.returncode in (0, -signal.SIGTERM), stderr
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "request"]
    assert {(r["route"], r["status"], r["principal"]) for r in requests} >= {
        ("/v1/figures/{figure:path}/estimate", 200, "dashboard"),
        ("/v1/sources", 403, "dashboard"),
    }


@pytest.mark.slow
def test_a_stop_answers_the_append_in_flight_first(tmp_path: Path) -> None:
    """SIGTERM while a large append is being recorded: the append commits and is answered,
    then the server ends."""
    db = str(tmp_path / "kz.db")
    assert _run("init", "--db", db, "--seeds").returncode == 0
    created = _run("keys", "create", "bot", "--scope", "append", "--db", db, "--json")
    token = json.loads(created.stdout)["token"]
    server, url = serving(db)
    claim = {
        "figure": "kz-unrest-2022/killed/kazakhstan",
        "value": "at least 164",
        "as_of": "2022-01-09",
        "origin": "kz-health-ministry",
    }
    reports = [
        {"outlet": "nyt", "published_at": "2022-01-10T12:00:00Z", "claims": [claim]}
        for _ in range(8000)
    ]
    answers: list[httpx.Response] = []
    answered: list[float] = []

    def append() -> None:
        answers.append(
            httpx.post(
                f"{url}/v1/reports",
                json=reports,
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
        )
        answered.append(time.monotonic())

    writer = threading.Thread(target=append)
    writer.start()
    time.sleep(0.3)  # the request is being recorded
    server.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    writer.join(timeout=60)
    server.wait(timeout=60)
    assert answers[0].status_code == 201
    assert answered[0] > signalled  # it was still in flight when the stop came
    recorded = answers[0].json()
    assert len(recorded) == 8000
    with ledger.open(f"sqlite:///{db}") as lg:
        assert lg.head() == recorded[-1]["last_position"]


@pytest.mark.slow
def test_a_stop_ends_the_open_streams_at_once(tmp_path: Path) -> None:
    """SIGTERM while a client follows the stream: the stream ends (the client resumes
    elsewhere from its last id) and the server stops, without waiting out its grace."""
    db = str(tmp_path / "kz.db")
    assert _run("init", "--db", db, "--seeds").returncode == 0
    created = _run("keys", "create", "feed", "--scope", "read", "--db", db, "--json")
    token = json.loads(created.stdout)["token"]
    server, url = serving(db)
    ids: list[str] = []
    following = threading.Event()

    def follow() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.stream("GET", f"{url}/v1/events/stream", headers=headers, timeout=60) as r:
            for line in r.iter_lines():
                if line.startswith("id:"):
                    ids.append(line[3:].strip())
                    following.set()

    reader = threading.Thread(target=follow)
    reader.start()
    assert following.wait(timeout=30)
    time.sleep(0.5)  # caught up: the stream waits for the next event
    server.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    server.wait(timeout=GRACE + 10)
    reader.join(timeout=10)
    assert time.monotonic() - signalled < GRACE / 3
    assert not reader.is_alive()  # the stream ended; the client saw every event to the head
    with ledger.open(f"sqlite:///{db}") as lg:
        assert ids[-1] == str(lg.head())
