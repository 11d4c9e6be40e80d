"""Idempotent writes: a retried request with the same `Idempotency-Key` answers what the
first one recorded and writes nothing; the same key with another request is a 422; a copy
sent while the first is still being recorded is a 409; and the remote client reuses its
key when it retries a write whose answer was lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

import ledger
from ledger.http.writer import Writer
from ledger.remote.client import RETRIES
from tests.http.conftest import FIGURE, Service
from tests.http.conftest import REPORT as BASE

REPORT = BASE | {
    "report_id": "r-idem",
    "claims": [BASE["claims"][0] | {"claim_id": "c-idem"}],  # type: ignore[index]
}


def _first_active(service: Service) -> str:
    return next(c.claim_id for c in service.lg.claims(FIGURE) if c.status == "active")


WRITES: dict[str, Callable[[Service], tuple[str, Any]]] = {
    "source": lambda s: ("/v1/sources", {"source_id": "idem", "name": "Idem", "kind": "media"}),
    "figure": lambda s: ("/v1/figures", {"figure": "kz-unrest-2022/idem/x"}),
    "report": lambda s: ("/v1/reports", REPORT),
    "reports": lambda s: (
        "/v1/reports",
        [
            REPORT,
            REPORT | {"report_id": "r-2", "claims": [REPORT["claims"][0] | {"claim_id": "c-2"}]},
        ],
    ),  # type: ignore[dict-item]
    "retraction": lambda s: (
        f"/v1/claims/{_first_active(s)}/retractions",
        {"by": s.lg.claim(_first_active(s)).origin, "reason": "withdrawn"},
    ),
    "dispute": lambda s: (
        f"/v1/claims/{_first_active(s)}/disputes",
        {"by": "rferl", "reason": "doubt"},
    ),
    "correction": lambda s: (
        f"/v1/claims/{_first_active(s)}/corrections",
        {"reason": "misread", "value": "7"},
    ),
    "report retraction": lambda s: (
        f"/v1/reports/{s.lg.claim(_first_active(s)).report_id}/retractions",
        {"by": s.lg.report(s.lg.claim(_first_active(s)).report_id).outlet, "reason": "withdrawn"},
    ),
}


@pytest.mark.parametrize("write", WRITES)
def test_a_retry_answers_the_first_request_and_writes_nothing(
    service: Service, api: httpx.Client, write: str
) -> None:
    path, body = WRITES[write](service)
    headers = {"Idempotency-Key": "try-" + write.replace(" ", "-")}
    first = api.post(path, json=body, headers=headers)
    assert first.status_code == 201, first.text
    head = service.lg.head()
    again = api.post(path, json=body, headers=headers)
    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert again.headers["Ledger-Position"] == first.headers["Ledger-Position"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert service.lg.head() == head
    assert service.lg.verify().ok


def test_the_same_key_with_another_request_is_refused(service: Service, api: httpx.Client) -> None:
    headers = {"Idempotency-Key": "k-1"}
    assert api.post("/v1/reports", json=REPORT, headers=headers).status_code == 201
    head = service.lg.head()
    other = REPORT | {"report_id": "r-other"}
    refused = api.post("/v1/reports", json=other, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["error"] == "IdempotencyKeyReusedError"
    assert refused.json()["field"] == "Idempotency-Key"
    assert service.lg.head() == head


def test_keys_are_the_principals_own(service: Service) -> None:
    """Two principals may use the same key for their own requests."""
    headers = {"Idempotency-Key": "shared"}
    with service.client("append") as appender, service.client("admin") as admin:
        assert appender.post("/v1/reports", json=REPORT, headers=headers).status_code == 201
        source = {"source_id": "idem", "name": "Idem", "kind": "media"}
        answer = admin.post("/v1/sources", json=source, headers=headers)
    assert answer.status_code == 201
    assert "Idempotent-Replayed" not in answer.headers


def test_a_copy_of_a_request_in_flight_is_a_409(service: Service, api: httpx.Client) -> None:
    claim = ("admin-key", "busy")
    Writer.in_flight.add(claim)
    try:
        head = service.lg.head()
        refused = api.post("/v1/reports", json=REPORT, headers={"Idempotency-Key": "busy"})
    finally:
        Writer.in_flight.discard(claim)
    assert refused.status_code == 409
    assert refused.json()["error"] == "RequestInFlightError"
    assert service.lg.head() == head
    assert (
        api.post("/v1/reports", json=REPORT, headers={"Idempotency-Key": "busy"}).status_code == 201
    )


@pytest.mark.parametrize("key", [b"", b"x" * 256, "naïve".encode(), b"with space"])
def test_a_malformed_key_is_refused(service: Service, api: httpx.Client, key: bytes) -> None:
    head = service.lg.head()
    refused = api.post("/v1/reports", json=REPORT, headers={"Idempotency-Key": key})
    assert refused.status_code == 422
    assert refused.json()["field"] == "Idempotency-Key"
    assert service.lg.head() == head


class LostAnswers(httpx.BaseTransport):
    """Delivers each write to the server, then loses its answer the first time."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.keys: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST":
            key = request.headers["Idempotency-Key"]
            self.keys.append(key)
            if self.keys.count(key) == 1:
                response.read()
                raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


def test_the_client_retries_a_lost_answer_with_its_key(service: Service) -> None:
    transport = LostAnswers()
    head = service.lg.head()
    with ledger.RemoteLedger(
        service.url, token=service.tokens["append"], transport=transport
    ) as remote:
        recorded = remote.append_report(ledger.Report.model_validate(REPORT))
    assert transport.keys[0] == transport.keys[1]  # the retry carried the first key
    assert recorded.report_id == "r-idem"
    assert service.lg.head() == head + 2 == recorded.last_position  # recorded once
    assert remote.position == recorded.last_position


class BusyOnce(httpx.BaseTransport):
    """Answers each request's first try with a 503, as a replica behind or a database out
    of reach does, then passes it to the server."""

    def __init__(self, retry_after: str) -> None:
        self.inner = httpx.HTTPTransport()
        self.retry_after = retry_after
        self.tries: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.tries.append(request.headers.get("Idempotency-Key", request.url.path))
        if self.tries.count(self.tries[-1]) == 1:
            problem = {"status": 503, "error": "ReplicaBehindError", "detail": "behind"}
            return httpx.Response(503, json=problem, headers={"Retry-After": self.retry_after})
        return self.inner.handle_request(request)


def test_the_client_retries_a_503_after_its_retry_after(service: Service) -> None:
    """A 503 is the server's passing trouble: the client waits as asked and tries again, a
    write with the same key (recorded once)."""
    transport = BusyOnce(retry_after="0")
    head = service.lg.head()
    with ledger.RemoteLedger(
        service.url, token=service.tokens["append"], transport=transport
    ) as remote:
        recorded = remote.append_report(ledger.Report.model_validate(REPORT))
        estimate = remote.estimate(FIGURE)
    assert transport.tries[0] == transport.tries[1]  # the write, twice, with its key
    assert service.lg.head() == head + 2 == recorded.last_position
    assert estimate.figure == FIGURE


def test_the_client_gives_up_on_a_server_that_stays_busy(service: Service) -> None:
    class AlwaysBusy(BusyOnce):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            self.tries.append(request.url.path)
            problem = {
                "status": 503,
                "error": "ReplicaBehindError",
                "detail": "behind",
                "attributes": {"position": 9, "applied": 3, "waited": 5.0},
            }
            return httpx.Response(503, json=problem, headers={"Retry-After": "0"})

    transport = AlwaysBusy(retry_after="0")
    with (
        ledger.RemoteLedger(
            service.url, token=service.tokens["read"], transport=transport
        ) as remote,
        pytest.raises(ledger.errors.ReplicaBehindError),
    ):
        remote.estimate(FIGURE)
    assert len(transport.tries) == 1 + RETRIES
