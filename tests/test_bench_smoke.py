"""The benchmark's smallest size runs end to end (a smoke test: no timing is asserted)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytest.importorskip("eventsourcing", reason="the bench extra is not installed")

from bench.__main__ import main


@pytest.mark.slow
def test_tiny_run_writes_every_measure_and_replays_identically(tmp_path: Path) -> None:
    """`python -m bench --size tiny` writes every section and ratio (the service's over
    HTTP among them), and replay == live."""
    out = tmp_path / "bench.json"
    postgres = os.environ.get("LEDGER_TEST_POSTGRES_URL") or "none"
    code = main(
        [
            "--size",
            "tiny",
            "--json",
            str(out),
            "--workdir",
            str(tmp_path / "work"),
            "--postgres-url",
            postgres,
            "--quiet",
        ]
    )
    assert code == 0
    results = json.loads(out.read_text())
    assert {"durable", "bulk", "queries", "replay", "postgres", "service", "ratios"} <= (
        results.keys()
    )
    assert results["replay"]["base_check"] == {
        "identical": True,
        "differences": [],
        "events": results["workload"]["base"]["events"],
        "verified": True,
    }
    assert results["replay"]["ledger"]["events"] == results["workload"]["large"]["events"]
    assert "bulk_vs_eventsourcing" in results["ratios"]
    assert ("writers_4" in results["postgres"]) == (postgres != "none")
    service = results["service"]
    assert service["durable"]["http"]["events"] == service["durable"]["local"]["events"] > 0
    assert service["reads"]["http"]["reads"] == service["reads"]["local"]["reads"] > 0
    assert {"http_durable_vs_local", "http_reads_vs_local", "http_estimate_p99_vs_local"} <= (
        results["ratios"].keys()
    )
    assert ("p99_ms" in service["stream"]) == (postgres != "none")
    assert ("stream_p99_ms_postgres" in results["ratios"]) == (postgres != "none")


def test_the_markdown_table_has_a_row_per_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m bench --markdown RESULTS` prints the committed run's table for the docs."""
    latest = Path(__file__).resolve().parent.parent / "bench" / "latest.json"
    ratios = json.loads(latest.read_text())["ratios"]

    assert main(["--markdown", str(latest)]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == [
        "| measure | ledger | peer | ratio | target | |",
        "|---|---:|---:|---:|---|---|",
    ]
    assert len(lines) == 2 + len(ratios)
