"""Bad input over HTTP: each a typed problem (RFC 9457) naming the field and the reason,
never a 500; nothing is appended and the ledger still verifies."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.http.conftest import FIGURE, Service

PROBLEM = "application/problem+json"


def refused(service: Service, send: Callable[[], httpx.Response], status: int) -> dict[str, object]:
    head = service.lg.head()
    response = send()
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert service.lg.head() == head
    assert service.lg.verify().ok
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert body["detail"]
    return body


def test_an_unknown_figure_is_a_404_with_the_nearest_key(
    service: Service, api: httpx.Client
) -> None:
    body = refused(
        service, lambda: api.get("/v1/figures/kz-unrest-2022/kiled/kazakhstan/estimate"), 404
    )
    assert body["error"] == "UnknownFigureError"
    assert body["field"] == "figure"
    assert body["attributes"] == {
        "key": "kz-unrest-2022/kiled/kazakhstan",
        "field": "figure",
        "suggestion": FIGURE,
    }


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/v1/claims/c_nope", "UnknownClaimError"),
        ("/v1/reports/r_nope", "UnknownReportError"),
        ("/v1/sources/nobody", "UnknownSourceError"),
    ],
)
def test_unknown_things_are_404s(
    service: Service, api: httpx.Client, path: str, error: str
) -> None:
    assert refused(service, lambda: api.get(path), 404)["error"] == error


def test_a_report_the_ledger_refuses_names_the_field(service: Service, api: httpx.Client) -> None:
    report = {
        "outlet": "rferl",
        "published_at": "2022-01-20T12:00:00Z",
        "claims": [
            {
                "figure": FIGURE,
                "value": "a great many",
                "as_of": "2022-01-20",
                "origin": "kz-health-ministry",
            }
        ],
    }
    body = refused(service, lambda: api.post("/v1/reports", json=report), 422)
    assert body["error"] == "QuantityParseError"
    assert body["field"] == "claims[0].value"
    assert "a great many" in str(body["detail"])


def test_a_wrong_type_in_a_body_names_the_field(service: Service, api: httpx.Client) -> None:
    report = {"outlet": "rferl", "published_at": "2022-01-20T12:00:00Z", "claims": [{"figure": 5}]}
    body = refused(service, lambda: api.post("/v1/reports", json=report), 422)
    assert body["error"] == "InvalidInputError"
    fields = {fault["field"] for fault in body["errors"]}  # type: ignore[attr-defined]
    assert "claims[0].figure" in fields or any("claims[0]" in f for f in fields)


def test_a_naive_time_is_refused(service: Service, api: httpx.Client) -> None:
    claim_id = service.lg.claims(FIGURE)[0].claim_id
    body = refused(
        service,
        lambda: api.post(
            f"/v1/claims/{claim_id}/disputes",
            json={"by": "rferl", "reason": "r", "published_at": "2022-01-21T09:30:00"},
        ),
        422,
    )
    assert "published_at" in str(body["field"])


def test_a_conflict_is_a_409(service: Service, api: httpx.Client) -> None:
    source = {"source_id": "rferl", "name": "RFE/RL", "kind": "media"}
    assert (
        refused(service, lambda: api.post("/v1/sources", json=source), 409)["error"]
        == "AlreadyExistsError"
    )


def test_retracting_twice_is_a_409(service: Service, api: httpx.Client) -> None:
    claim = next(c for c in service.lg.claims(FIGURE) if c.status == "active")
    compensation = {"by": claim.origin, "reason": "withdrawn"}
    assert (
        api.post(f"/v1/claims/{claim.claim_id}/retractions", json=compensation).status_code == 201
    )
    body = refused(
        service,
        lambda: api.post(f"/v1/claims/{claim.claim_id}/retractions", json=compensation),
        409,
    )
    assert body["error"] == "InvalidTransitionError"


@pytest.mark.parametrize(
    ("content", "kind", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"[]", "application/json", 422),
        (b"null", "application/json", 422),
        (b'{"source_id": "x"}', "text/plain", 415),
        (b'{"source_id": "x"}', "", 415),
        (b'{"source_id": "x", "name": "X", "kind": "media", "extra": 1}', "application/json", 422),
    ],
)
def test_a_malformed_body_is_a_4xx(
    service: Service, api: httpx.Client, content: bytes, kind: str, status: int
) -> None:
    headers = {"Content-Type": kind} if kind else {}
    refused(service, lambda: api.post("/v1/sources", content=content, headers=headers), status)


def test_a_body_over_the_limit_is_a_413(service: Service, api: httpx.Client) -> None:
    big = {"source_id": "big", "name": "x" * 100_000, "kind": "media"}
    refused(service, lambda: api.post("/v1/sources", json=big), 413)

    def chunked() -> httpx.Response:  # no Content-Length: cut off as it arrives
        body = httpx.Request("POST", "/", json=big).content
        return api.post(
            "/v1/sources",
            content=iter([body[i : i + 4096] for i in range(0, len(body), 4096)]),
            headers={"Content-Type": "application/json"},
        )

    refused(service, chunked, 413)


def test_unknown_routes_and_methods_are_problems(service: Service, api: httpx.Client) -> None:
    assert refused(service, lambda: api.get("/v1/nothing-here"), 404)["type"] != "about:blank"
    refused(service, lambda: api.delete("/v1/figures"), 405)
    refused(service, lambda: api.put(f"/v1/figures/{FIGURE}/estimate", json={}), 405)


@pytest.mark.parametrize(
    "query",
    [
        "at_position=-1",
        "at_position=x",
        "recorded_before=yesterday",
        "recorded_before=2022-01-10T00:00:00",
        "known_on=soon",
        "at_position=3&known_on=2022-01-09",
    ],
)
def test_bad_as_of_options_are_422s(service: Service, api: httpx.Client, query: str) -> None:
    refused(service, lambda: api.get(f"/v1/figures/{FIGURE}/estimate?{query}"), 422)


def test_a_min_position_beyond_the_head_is_refused(service: Service, api: httpx.Client) -> None:
    head = service.lg.head()
    body = refused(service, lambda: api.get(f"/v1/figures?min_position={head + 1}"), 422)
    assert body["field"] == "min_position"
    assert api.get(f"/v1/figures?min_position={head}").status_code == 200


def test_history_pages_are_bounded(service: Service, api: httpx.Client) -> None:
    refused(service, lambda: api.get(f"/v1/figures/{FIGURE}/history?limit=0"), 422)
    refused(service, lambda: api.get(f"/v1/figures/{FIGURE}/history?limit=100000"), 422)
