"""`ledger plot`: the picture is produced and depicts the data, on a scale that fits it,
with every label readable. What it shows, as data, is specified in
tests/integration/test_timeline.py."""

from __future__ import annotations

import itertools
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from matplotlib.figure import Figure as MplFigure
from matplotlib.transforms import Bbox

import ledger
from ledger.cli.plot import Scale, choose_scale, draw
from ledger.service.timeline import timeline
from tests.cli.conftest import DETAINED, KILLED, TROOPS, Run


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


QUAKE = "test-quake/killed/region"


@pytest.fixture
def quake(sqlite_url: str) -> str:
    """A toll from 16 to 2,975 over four days: the ministry updating its own figure (16,
    34, 912, 2,975: each superseding the one before, the first explicitly) and the Red
    Cross's 2,379, each carried by one of two outlets."""
    with ledger.open(sqlite_url, actor="tester") as lg:
        lg.register_source("ministry", name="Ministry of Health", kind="government")
        lg.register_source("red-cross", name="Red Cross", kind="ngo")
        lg.register_source("wire", name="Wire service", kind="media")
        lg.register_source("daily", name="The Daily", kind="media")
        lg.define_figure(QUAKE, unit="people", kind="cumulative")
        for claim_id, value, origin, outlet, published in [
            ("m-16", "16", "ministry", "wire", datetime(2023, 2, 6, 6, tzinfo=UTC)),
            ("m-34", "34", "ministry", "daily", datetime(2023, 2, 6, 14, tzinfo=UTC)),
            ("m-912", "912", "ministry", "wire", datetime(2023, 2, 7, 9, tzinfo=UTC)),
            ("rc-2379", "2,379", "red-cross", "daily", datetime(2023, 2, 7, 20, tzinfo=UTC)),
            ("m-2975", "2,975", "ministry", "wire", datetime(2023, 2, 9, 11, tzinfo=UTC)),
        ]:
            claim = ledger.Claim(
                figure=QUAKE, value=value, as_of=published, origin=origin, claim_id=claim_id
            )
            lg.append_report(ledger.Report(outlet=outlet, published_at=published, claims=[claim]))
        lg.supersede(
            "m-16",
            replacement="m-34",
            by="ministry",
            published_at=datetime(2023, 2, 6, 14, tzinfo=UTC),
        )
    return sqlite_url


def _drawn(url: str, figure: str, scale: Scale | None = None) -> MplFigure:
    with ledger.open(url) as lg:
        return draw(timeline(lg, figure), scale)


def _label_boxes(drawn: MplFigure) -> dict[str, Bbox]:
    """Every claim label's extent (its text and white box) in display pixels, as drawn."""
    drawn.canvas.draw()  # the white boxes are sized when drawn
    renderer = drawn.canvas.get_renderer()  # type: ignore[attr-defined]  # Agg's canvas
    boxes = {}
    for text in drawn.axes[0].texts:
        gid = text.get_gid() or ""
        if gid.startswith("label-"):
            extent = text.get_window_extent(renderer)
            patch = text.get_bbox_patch()
            boxes[gid] = (
                Bbox.union([extent, patch.get_window_extent(renderer)]) if patch else extent
            )
    return boxes


def _assert_labels_readable(drawn: MplFigure) -> dict[str, Bbox]:
    """Every label inside the axes (so never over the ticks or below the x axis), no two
    labels overlapping; the boxes are returned."""
    renderer = drawn.canvas.get_renderer()  # type: ignore[attr-defined]  # Agg's canvas
    area = drawn.axes[0].get_window_extent(renderer)
    boxes = _label_boxes(drawn)
    for gid, box in boxes.items():
        inside = area.x0 <= box.x0 <= box.x1 <= area.x1 and area.y0 <= box.y0 <= box.y1 <= area.y1
        assert inside, f"{gid} at {box.extents} leaves {area.extents}"
    for (one, a), (other, b) in itertools.combinations(boxes.items(), 2):
        apart = a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0
        assert apart, f"{one} overlaps {other}"
    return boxes


class TestScale:
    def test_values_spanning_more_than_tenfold_get_a_log_scale(self, quake: str) -> None:
        """A figure spanning 16 to 2,975 is drawn on a log scale, and says so."""
        drawn = _drawn(quake, QUAKE)
        assert drawn.axes[0].get_yscale() == "log"
        assert "log scale" in drawn.axes[0].get_xlabel()
        low, high = drawn.axes[0].get_ylim()
        assert 0 < low < 16
        assert high > 2975

    def test_values_within_tenfold_stay_linear(self, kz: str) -> None:
        """The killed figure (24 to 164) keeps a linear scale."""
        assert _drawn(kz, KILLED).axes[0].get_yscale() == "linear"

    def test_either_scale_can_be_forced(self, run: Run, quake: str, tmp_path: Path) -> None:
        """--linear and --log override the automatic choice; the JSON names the scale."""
        path = str(tmp_path / "quake.svg")
        linear = run("plot", QUAKE, "-o", path, "--linear", "--json", "--db", quake)
        assert json.loads(linear.stdout)["scale"] == "linear"
        logarithmic = run("plot", KILLED, "-o", path, "--log", "--json", "--db", quake)
        assert logarithmic.exit_code == 2  # no such figure in this ledger
        chosen = run("plot", QUAKE, "-o", path, "--json", "--db", quake)
        assert json.loads(chosen.stdout)["scale"] == "log"

    def test_a_zero_floor_sits_on_the_bottom_edge_of_a_log_scale(self, quake: str) -> None:
        """A claim whose range starts at 0 ("up to 40") keeps the log scale; its bar runs
        to the bottom edge, which stays above zero."""
        with ledger.open(quake) as lg:
            published = datetime(2023, 2, 6, 16, tzinfo=UTC)
            claim = ledger.Claim(figure=QUAKE, value="up to 40", as_of=published, origin="wire")
            lg.append_report(ledger.Report(outlet="wire", published_at=published, claims=[claim]))
            line = timeline(lg, QUAKE)
        assert min(mark.low for mark in line.marks) == 0
        assert choose_scale(line) == "log"
        drawn = draw(line)
        bottom = drawn.axes[0].get_ylim()[0]
        assert 0 < bottom < 16
        _assert_labels_readable(drawn)

    def test_a_figure_without_positive_values_is_linear_even_when_log_is_asked(
        self, kz: str
    ) -> None:
        """A log scale needs a positive value: a figure without claims stays linear."""
        key = "kz-unrest-2022/nothing-yet/kazakhstan"
        with ledger.open(kz) as lg:
            lg.define_figure(key)
            assert choose_scale(timeline(lg, key), "log") == "linear"


class TestLabels:
    @pytest.mark.parametrize("scale", [None, "linear"])
    def test_labels_stay_inside_the_plot_and_apart(self, quake: str, scale: Scale | None) -> None:
        """Every claim of the 16-to-2,975 figure is labelled inside the axes, the
        superseded ones too, and no two labels overlap (log scale and forced linear)."""
        drawn = _drawn(quake, QUAKE, scale)
        boxes = _assert_labels_readable(drawn)
        assert set(boxes) == {f"label-{c}" for c in ("m-16", "m-34", "m-912", "rc-2379", "m-2975")}
        texts = {text.get_text() for text in drawn.axes[0].texts}
        assert {"ministry: 16 (superseded)", "red-cross: 2,379", "ministry: 2,975"} <= texts

    @pytest.mark.parametrize("figure", [KILLED, DETAINED, TROOPS])
    def test_the_founding_case_is_labelled_readably(self, kz: str, figure: str) -> None:
        """The README's pictures keep every label inside the axes and apart."""
        with ledger.open(kz) as lg:
            claims = lg.claims(figure)
        assert len(_assert_labels_readable(_drawn(kz, figure))) == len(claims)

    def test_equal_labels_close_together_are_written_once(self, quake: str) -> None:
        """Five outlets relaying the ministry's 2,975 within the hour get one label,
        counted, instead of a pile of five."""
        with ledger.open(quake) as lg:
            for index in range(5):
                outlet = f"outlet-{index}"
                lg.register_source(outlet, name=f"Outlet {index}", kind="media")
                published = datetime(2023, 2, 9, 11, 10 * index, tzinfo=UTC)
                claim = ledger.Claim(
                    figure=QUAKE,
                    value="2,975",
                    as_of=datetime(2023, 2, 9, 11, tzinfo=UTC),
                    origin="ministry",
                    derived_from="m-2975",
                )
                lg.append_report(
                    ledger.Report(outlet=outlet, published_at=published, claims=[claim])
                )
        drawn = _drawn(quake, QUAKE)
        texts = [text.get_text() for text in drawn.axes[0].texts]
        assert "ministry: 2,975 ×6" in texts
        assert "ministry: 2,975" not in texts
        _assert_labels_readable(drawn)
