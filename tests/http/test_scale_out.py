"""Several `ledger serve` processes against one PostgreSQL database are one ledger:
writers through both lose nothing and duplicate nothing, positions stay gap-free, and each
server's stream delivers every event once, in order — woken by the other's appends."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime

import httpx
import pytest

import ledger
from tests.cli.test_serve import serving
from tests.conftest import fresh_postgres_schema
from tests.http.test_stream import events

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

FIGURE = "quake/killed/all"
WRITERS, REPORTS = 4, 15


@pytest.fixture
def two_servers(postgres_url: str) -> Iterator[tuple[str, list[str]]]:
    with fresh_postgres_schema() as url, ledger.open(url) as lg:
        lg.register_source("wire", name="Wire", kind="media")
        lg.register_source("agency", name="Agency", kind="government")
        lg.define_figure(FIGURE)
        _, token = lg.keys.create("writer", "append")
        servers = [serving(url), serving(url)]
        try:
            yield token, [address for _, address in servers]
        finally:
            for server, _ in servers:
                server.terminate()
                server.wait(timeout=30)


def _report(writer: int, n: int) -> ledger.Report:
    return ledger.Report(
        outlet="wire",
        report_id=f"r-{writer}-{n}",
        published_at=datetime(2023, 2, 6, 12, tzinfo=UTC),
        claims=[
            ledger.Claim(
                figure=FIGURE,
                value=str(100 + n),
                as_of=date(2023, 2, 6),
                origin="agency",
                claim_id=f"c-{writer}-{n}",
            )
        ],
    )


def test_two_servers_are_one_ledger(two_servers: tuple[str, list[str]]) -> None:
    token, addresses = two_servers
    first = httpx.get(f"{addresses[0]}/healthz").json()["head"]
    last = first + WRITERS * REPORTS * 2
    seen: dict[str, list[int]] = {address: [] for address in addresses}

    def consume(address: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{address}/v1/events/stream?after={first}"
        with httpx.stream("GET", url, headers=headers, timeout=60) as response:
            for event in events(response):
                seen[address].append(int(event["id"]))
                if int(event["id"]) >= last:
                    return

    def write(writer: int) -> None:
        with ledger.connect(addresses[writer % 2], token=token) as remote:
            for n in range(REPORTS):
                remote.append_report(_report(writer, n))

    consumers = [threading.Thread(target=consume, args=(a,)) for a in addresses]
    writers = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for thread in consumers + writers:
        thread.start()
    for thread in writers + consumers:
        thread.join(timeout=120)
    with ledger.connect(addresses[1], token=token) as remote:
        logged = list(remote.events())
        assert remote.head() == last
        assert remote.verify().ok
        assert len(remote.claims(FIGURE)) == WRITERS * REPORTS
    assert [e.position for e in logged] == list(range(1, last + 1))  # gap-free
    reports = [e.event.report_id for e in logged if e.type == "ReportFiled"]
    assert sorted(reports) == sorted({f"r-{w}-{n}" for w in range(WRITERS) for n in range(REPORTS)})
    for address in addresses:  # each stream: every event once, in order
        assert seen[address] == list(range(first + 1, last + 1)), json.dumps(seen[address][:5])
