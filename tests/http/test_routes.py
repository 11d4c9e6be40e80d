"""The routes: the OpenAPI schema, figure keys with slashes in paths, positions on every
write, the log a page at a time, and an access log line per request."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import httpx
from structlog.testing import capture_logs

from tests.http.conftest import FIGURE, REPORT, Service

ROUTES = {
    ("get", "/v1/figures"),
    ("get", "/v1/estimates"),
    ("get", "/v1/summaries"),
    ("get", "/v1/figures/{figure}/estimate"),
    ("get", "/v1/figures/{figure}/history"),
    ("get", "/v1/figures/{figure}/claims"),
    ("get", "/v1/claims/{claim_id}"),
    ("get", "/v1/reports/{report_id}"),
    ("get", "/v1/sources"),
    ("get", "/v1/sources/{source_id}"),
    ("post", "/v1/sources"),
    ("post", "/v1/figures"),
    ("post", "/v1/reports"),
    ("post", "/v1/claims/{claim_id}/retractions"),
    ("post", "/v1/claims/{claim_id}/disputes"),
    ("post", "/v1/claims/{claim_id}/refutations"),
    ("post", "/v1/claims/{claim_id}/supersessions"),
    ("post", "/v1/claims/{claim_id}/corrections"),
    ("post", "/v1/reports/{report_id}/retractions"),
    ("get", "/v1/events"),
    ("get", "/v1/events/stream"),
    ("get", "/v1/head"),
    ("get", "/v1/verify"),
    ("get", "/healthz"),
}


def test_the_openapi_schema_documents_every_route(service: Service, api: httpx.Client) -> None:
    schema = api.get("/openapi.json").json()
    found = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert found >= ROUTES
    estimate = schema["paths"]["/v1/figures/{figure}/estimate"]["get"]
    assert "FigureEstimate" in str(estimate["responses"]["200"])
    assert "Report" in str(schema["paths"]["/v1/reports"]["post"]["requestBody"])
    assert "bearer" in str(schema["components"]["securitySchemes"]).lower()
    assert api.get("/docs").status_code == 200


def test_every_write_documents_its_body_and_key(service: Service, api: httpx.Client) -> None:
    """(the write routes read their bodies themselves: the schema still names each one, and
    every model it names is among the components)"""
    schema = api.get("/openapi.json").json()
    writes = [(path, item["post"]) for path, item in schema["paths"].items() if "post" in item]
    assert len(writes) == 9
    for path, operation in writes:
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert "$ref" in str(body), path
        assert operation["security"] == [{"HTTPBearer": []}], path
    components = schema["components"]["schemas"]
    named = set(re.findall(r"#/components/schemas/([^\"]+)", json.dumps(schema)))
    assert named <= set(components)
    assert {"Report", "Claim", "Compensation", "Supersession", "Correction"} <= set(components)


def test_figure_keys_with_slashes_work_in_paths(service: Service, api: httpx.Client) -> None:
    plain = api.get(f"/v1/figures/{FIGURE}/estimate").json()
    encoded = api.get(f"/v1/figures/{quote(FIGURE, safe='')}/estimate").json()
    assert plain == encoded
    assert plain["figure"] == FIGURE
    assert plain["best"] == service.lg.estimate(FIGURE).best


def test_reads_answer_what_the_python_api_answers(service: Service, api: httpx.Client) -> None:
    lg = service.lg
    claim = lg.claims(FIGURE)[0]
    assert api.get(f"/v1/figures/{FIGURE}/estimate").json() == lg.estimate(FIGURE).model_dump(
        mode="json"
    )
    assert api.get(f"/v1/figures/{FIGURE}/claims").json() == [
        c.model_dump(mode="json") for c in lg.claims(FIGURE)
    ]
    assert api.get(f"/v1/claims/{claim.claim_id}").json() == claim.model_dump(mode="json")
    assert api.get(f"/v1/reports/{claim.report_id}").json() == lg.report(
        claim.report_id
    ).model_dump(mode="json")
    assert api.get("/v1/sources/rferl").json() == lg.source("rferl").model_dump(mode="json")
    assert api.get("/v1/head").json() == {"position": lg.head()}
    assert api.get("/v1/verify").json()["ok"] is True


def test_every_write_answers_with_its_position(service: Service, api: httpx.Client) -> None:
    response = api.post("/v1/reports", json=[REPORT, REPORT | {"report_id": "r-second"}])
    assert response.status_code == 201
    recorded = response.json()
    assert (
        int(response.headers["Ledger-Position"])
        == recorded[-1]["last_position"]
        == service.lg.head()
    )
    claim_id = recorded[0]["claims"][0]["claim_id"]
    retraction = api.post(
        f"/v1/claims/{claim_id}/retractions",
        json={"by": "kz-health-ministry", "reason": "withdrawn"},
    )
    assert (
        int(retraction.headers["Ledger-Position"])
        == retraction.json()["position"]
        == service.lg.head()
    )


def test_the_log_reads_a_page_at_a_time(service: Service, api: httpx.Client) -> None:
    page = api.get("/v1/events?after=10&limit=5").json()
    assert [e["position"] for e in page] == [11, 12, 13, 14, 15]
    assert page[0] == next(service.lg.events(10)).model_dump(mode="json")


def test_each_request_is_logged_with_its_principal_route_status_and_position(
    service: Service, api: httpx.Client
) -> None:
    with capture_logs() as logs:
        api.get(f"/v1/figures/{FIGURE}/estimate")
        api.post("/v1/sources", json={"source_id": "logged", "name": "Logged", "kind": "media"})
    lines = [line for line in logs if line["event"] == "request"]
    assert [line["status"] for line in lines] == [200, 201]
    assert lines[0]["route"] == "/v1/figures/{figure:path}/estimate"
    assert lines[1]["principal"] == "admin-key"
    assert lines[1]["position"] == service.lg.head()
    assert all(line["ms"] >= 0 for line in lines)
