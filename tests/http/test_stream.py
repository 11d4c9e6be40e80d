"""The live event stream (Server-Sent Events): it catches up from a position, then sends
every event as it commits, in order, none skipped, and resumes from `Last-Event-ID`."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime

import httpx

import ledger
from tests.http.conftest import FIGURE, Service


def events(response: httpx.Response) -> Iterator[dict[str, str]]:
    """The events of a stream as they arrive (comments and `retry` lines skipped)."""
    fields: dict[str, str] = {}
    for line in response.iter_lines():
        if not line:
            if "id" in fields:
                yield fields
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


def test_the_stream_catches_up_then_follows_the_log(service: Service, api: httpx.Client) -> None:
    lg = service.lg
    start = lg.head() - 3
    report = ledger.Report(
        outlet="rferl",
        published_at=datetime(2022, 1, 20, 12, tzinfo=UTC),
        claims=[
            ledger.Claim(
                figure=FIGURE, value="230", as_of=date(2022, 1, 20), origin="kz-health-ministry"
            )
        ],
    )
    seen: list[dict[str, str]] = []
    with api.stream("GET", f"/v1/events/stream?after={start}") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for event in events(response):
            seen.append(event)
            if len(seen) == 3:  # caught up: append while the stream is open
                threading.Thread(target=lg.append_report, args=(report,)).start()
            if len(seen) == 5:
                break
    positions = [int(e["id"]) for e in seen]
    assert positions == list(range(start + 1, start + 6))
    assert [e["event"] for e in seen[3:]] == ["ReportFiled", "ClaimAsserted"]
    data = json.loads(seen[3]["data"])
    assert data["event"]["report_id"] == report.report_id
    assert data == next(lg.events(start + 3)).model_dump(mode="json")


def test_the_stream_resumes_after_the_last_event_id(service: Service, api: httpx.Client) -> None:
    head = service.lg.head()
    headers = {"Last-Event-ID": str(head - 2)}
    with api.stream("GET", "/v1/events/stream?after=0", headers=headers) as response:
        first = next(events(response))
    assert int(first["id"]) == head - 1


def test_the_stream_needs_a_key(service: Service) -> None:
    with service.client(None) as anonymous:
        assert anonymous.get("/v1/events/stream").status_code == 401
