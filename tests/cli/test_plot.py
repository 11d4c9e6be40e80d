"""`ledger plot`: the picture is produced and depicts the data."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import ledger
from ledger.cli.plot import timeline
from ledger.domain.estimate import EstimateStatus
from tests.cli.conftest import KILLED, TROOPS, Run

RETRACTION_PUBLISHED = datetime(2022, 1, 9, 17, 0, tzinfo=UTC)  # 12:00 -05:00


def _ids(svg: str, prefix: str) -> list[str]:
    return re.findall(rf'id="{prefix}-([^"]+)"', svg)


class TestPlot:
    def test_draws_every_claim_the_retraction_and_the_estimate(
        self, run: Run, kz: str, tmp_path: Path
    ) -> None:
        """The SVG holds one marker per claim, the retraction line and the best-estimate
        steps, with each marker labelled by its origin."""
        path = tmp_path / "killed.svg"
        result = run("plot", KILLED, "-o", str(path), "--db", kz)
        assert result.exit_code == 0, result.output
        svg = path.read_text()
        with ledger.open(kz) as lg:
            claims = {claim.claim_id for claim in lg.claims(KILLED)}
        assert set(_ids(svg, "claim")) == claims
        assert _ids(svg, "withdrawal") == ["telegram-killed-164"]
        assert {"best", "low", "high", "range"} <= set(_ids(svg, "estimate"))
        assert "kz-health-ministry: at least 164 (retracted)" in svg
        assert "retracted by kz-information-ministry" in svg
        assert _ids(svg, "conflict") == []

    def test_shades_a_conflict(self, run: Run, kz: str, tmp_path: Path) -> None:
        """A conflicting figure gets a shaded span, and the estimate says best is withheld."""
        path = tmp_path / "troops.svg"
        result = run("plot", TROOPS, "-o", str(path), "--db", kz, "--json")
        assert result.exit_code == 0, result.output
        picture = json.loads(result.stdout)
        assert (picture["claims"], picture["conflicts"]) == (2, 1)
        svg = path.read_text()
        assert _ids(svg, "conflict") == ["0"]
        assert "best withheld" in svg

    def test_writes_a_png_whose_axes_cover_the_data(
        self, run: Run, kz: str, tmp_path: Path
    ) -> None:
        """A PNG is written; its y axis spans every claim's range (24 to 164 here)."""
        path = tmp_path / "killed.png"
        result = run("plot", KILLED, "-o", str(path), "--axis", "recorded", "--db", kz, "--json")
        assert result.exit_code == 0, result.output
        assert path.read_bytes().startswith(b"\x89PNG")
        picture = json.loads(result.stdout)
        low, high = picture["y_range"]
        assert low <= 24
        assert high > 164
        assert picture["axis"] == "recorded"

    def test_draws_a_figure_without_claims(self, run: Run, kz: str, tmp_path: Path) -> None:
        """A figure with no claim yet still gets a picture, saying so."""
        key = "kz-unrest-2022/missing/kazakhstan"
        assert run("define-figure", key, "--db", kz).exit_code == 0
        path = tmp_path / "missing.svg"
        result = run("plot", key, "-o", str(path), "--db", kz, "--json")
        assert result.exit_code == 0, result.output
        assert (json.loads(result.stdout)["claims"], json.loads(result.stdout)["steps"]) == (0, 0)
        assert "no claim recorded for this figure" in path.read_text()

    def test_refuses_other_formats(self, run: Run, kz: str, tmp_path: Path) -> None:
        """Only .svg and .png pictures are made."""
        result = run("plot", KILLED, "-o", str(tmp_path / "killed.pdf"), "--db", kz)
        assert result.exit_code == 2
        assert "--output: the picture must be a .svg or .png file" in result.stderr

    def test_without_matplotlib_says_how_to_install_it(
        self, run: Run, kz: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """matplotlib is optional: without it the message names the extra to install."""
        monkeypatch.setitem(sys.modules, "matplotlib", None)
        result = run("plot", KILLED, "-o", str(tmp_path / "killed.svg"), "--db", kz)
        assert result.exit_code == 2
        assert "plotting needs matplotlib" in result.stderr
        assert "claim-ledger[plot]" in result.stderr


class TestTimeline:
    def test_publication_axis_follows_what_was_known_when(self, kz: str) -> None:
        """On the publication axis each step is the estimate as known at that time, and
        the retraction sits at its publication time."""
        with ledger.open(kz) as lg:
            line = timeline(lg, KILLED, "published")
            claims = lg.claims(KILLED)
        assert len(line.marks) == len(claims)
        assert [w.at for w in line.withdrawals] == [RETRACTION_PUBLISHED]
        assert line.steps[-1].best == 164
        assert line.steps[-1].status is EstimateStatus.SINGLE_ORIGIN
        assert all(a.at < b.at for a, b in zip(line.steps, line.steps[1:], strict=False))

    def test_recorded_axis_follows_the_history(self, kz: str) -> None:
        """On the recorded axis the steps are the history's changes of low/best/high/status."""
        with ledger.open(kz) as lg:
            line = timeline(lg, TROOPS, "recorded")
            history = lg.history(TROOPS)
        assert [s.status for s in line.steps] == [
            EstimateStatus.SINGLE_ORIGIN,
            EstimateStatus.CONFLICTING,
        ]
        assert line.steps[-1].at == history[-1].recorded_at
        assert len(line.conflicts) == 1
