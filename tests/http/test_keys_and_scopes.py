"""Keys and scopes: no key, a bad key or a revoked key is a 401; a key without the scope a
403; nothing is appended either way, and the key's name acts in what it appends."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest

import ledger
from ledger.service.keys import REMEMBERED
from tests.http.conftest import FIGURE, REPORT, Service

SOURCE = {"source_id": "new-outlet", "name": "New Outlet", "kind": "media"}


def test_health_needs_no_key(service: Service) -> None:
    with service.client(None) as anonymous:
        response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "head": service.lg.head()}


@pytest.mark.parametrize("path", ["/v1/figures", f"/v1/figures/{FIGURE}/estimate", "/v1/events"])
def test_a_request_without_a_key_is_refused(service: Service, path: str) -> None:
    with service.client(None) as anonymous:
        response = anonymous.get(path)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_an_unknown_or_revoked_key_is_refused(service: Service) -> None:
    with service.client("read") as reader:
        assert reader.get("/v1/figures").status_code == 200
        service.lg.keys.revoke("read-key")
        revoked = reader.get("/v1/figures")
    assert revoked.status_code == 401
    assert revoked.json()["detail"] == "the key is unknown or revoked"
    with service.client(None) as anonymous:
        forged = anonymous.get("/v1/figures", headers={"Authorization": "Bearer ledger_forged"})
    assert forged.status_code == 401


def test_a_key_revoked_by_another_process_is_refused_within_a_second(
    service: Service, database_url: str
) -> None:
    """The server remembers a key it found valid for `REMEMBERED` seconds: a revocation
    made elsewhere (the CLI, another server) reaches it once that lapses."""
    with service.client("read") as reader:
        assert reader.get("/v1/figures").status_code == 200
        with ledger.open(database_url) as elsewhere:
            elsewhere.keys.revoke("read-key")
        time.sleep(REMEMBERED)
        revoked = reader.get("/v1/figures")
    assert revoked.status_code == 401


def test_a_key_without_the_scope_is_refused_before_its_body_is_read(service: Service) -> None:
    with service.client("read") as reader:
        refused = reader.post("/v1/sources", json={"not": "a source"})
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("scope", "path", "body", "status"),
    [
        ("read", "/v1/reports", REPORT, 403),
        ("read", "/v1/sources", SOURCE, 403),
        ("append", "/v1/sources", SOURCE, 403),
        ("append", "/v1/figures", {"figure": "kz-unrest-2022/new/x"}, 403),
        ("append", "/v1/reports", REPORT, 201),
        ("admin", "/v1/sources", SOURCE, 201),
    ],
)
def test_each_scope_may_do_what_it_names(
    service: Service, scope: str, path: str, body: dict[str, object], status: int
) -> None:
    """read reads; append also records reports and compensations; admin also registers
    sources and defines figures."""
    head = service.lg.head()
    with service.client(scope) as client:
        response = client.post(path, json=body)
    assert response.status_code == status, response.text
    if status == 403:
        assert service.lg.head() == head
        assert f"scope {scope}" in response.json()["detail"]
    else:
        assert service.lg.head() > head


def test_the_key_name_acts_in_the_events_it_appends(service: Service) -> None:
    with service.client("append") as client:
        response = client.post("/v1/reports", json=REPORT)
    position = int(response.headers["Ledger-Position"])
    last = list(service.lg.events(position - 1))[-1]
    assert last.position == position
    assert last.metadata["actor"] == "append-key"


def test_a_key_made_after_the_server_started_works_at_once(service: Service) -> None:
    _, token = service.lg.keys.create("late", "read")
    with service.client(None) as client:
        response = client.get("/v1/figures", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_times_in_a_body_keep_their_zone(service: Service) -> None:
    """(a compensation's `published_at` travels as ISO 8601 and is recorded as given)"""
    claim_id = service.lg.claims(FIGURE)[0].claim_id
    when = datetime(2022, 1, 21, 9, 30, tzinfo=UTC)
    with service.client("append") as client:
        response = client.post(
            f"/v1/claims/{claim_id}/disputes",
            json={"by": "rferl", "reason": "counts differ", "published_at": when.isoformat()},
        )
    assert response.status_code == 201, response.text
    assert service.lg.claim(claim_id).status == "disputed"
    assert date.fromisoformat(response.json()["recorded_at"][:10]) >= date(2026, 1, 1)
