"""A drafter reads the guidance study's charts and an engineer a sweep's, in a real browser
(headless Chromium): no interval line runs through a label, no legend entry is printed over
another however long the names, and a sweep's value axis is marked in the unit its ticks are in.

Runs in `tox -e browser`, like the compare report's browser test.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from browser import chart_overlaps, open_report, require_browser
from conftest import ROOT

from testbed.cli import main
from testbed.results.sweep import SweepResults

pytestmark = pytest.mark.browser
SCENARIOS = ROOT / "tests" / "scenarios"
ARTIFACTS = ROOT / "artifacts"


def test_the_guidance_charts_keep_intervals_off_the_labels(tmp_path: Path) -> None:
    require_browser()
    out = tmp_path / "out"
    assert main(["guidance", str(SCENARIOS / "tiny-guidance.yaml"), "--population",
                 str(SCENARIOS / "tiny-region.yaml"), "--out", str(out), "--quiet"]) == 0
    page = open_report(out / "report.html", ARTIFACTS / "guidance.png")
    assert page.console_errors == [] and page.blank_charts == []
    html = (out / "report.html").read_text()
    # The study has changes whose interval spans zero: the case that drew over the labels.
    assert 'class="interval"' in html
    assert re.search(r"\[-[\d.]+%, [\d.]+%\]", html)
    assert chart_overlaps(out / "report.html") == []


class _AxisLabels(HTMLParser):
    """Each chart's y-axis label (the rotated text) and its tick labels (right-aligned, at the
    axis), by chart id."""

    def __init__(self) -> None:
        super().__init__()
        self.chart = ""
        self.kind = ""
        self.axis: dict[str, str] = {}
        self.ticks: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "svg":
            self.chart = found.get("id") or ""
        elif tag == "text":
            self.kind = ("axis" if "rotate(-90" in (found.get("transform") or "") else
                         "tick" if found.get("text-anchor") == "end" else "")

    def handle_data(self, data: str) -> None:
        if self.kind == "axis":
            self.axis[self.chart] = data
        elif self.kind == "tick":
            self.ticks.setdefault(self.chart, []).append(data)
        self.kind = ""


SECONDS = {"ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0, "days": 86_400.0}


def test_the_sweep_charts_have_legible_legends_and_axes_in_their_units(
        tmp_path: Path) -> None:
    require_browser()
    # Two parameters: every series is named by an architecture and the second parameter's
    # value, names long enough to overprint each other in a legend laid out by count.
    document = yaml.safe_load((SCENARIOS / "small-shop.yaml").read_text())
    document.update(horizon="30min", replications=2)
    scenario = tmp_path / "shop.yaml"
    scenario.write_text(yaml.safe_dump(document, sort_keys=False))
    out = tmp_path / "out"
    assert main(["sweep", str(scenario), "--param", "shop.links[broadband].outages.mttr=1h,4h",
                 "--param", "seed=1,2", "--out", str(out), "--quiet"]) == 0
    page = open_report(out / "sweep.html", ARTIFACTS / "sweep.png")
    assert page.console_errors == [] and page.blank_charts == []
    assert chart_overlaps(out / "sweep.html") == []

    results = SweepResults.model_validate_json((out / "sweep.json").read_text())
    labels = _AxisLabels()
    labels.feed((out / "sweep.html").read_text())
    # A time axis says its unit and its ticks are plain numbers of it; the top tick is the
    # first round number of that unit above the longest time swept.
    for metric in ("latency_p95_ms", "max_visibility_gap_s"):
        chart = f"chart-{metric}"
        unit = re.fullmatch(r"time \((ms|s|min|h|days)\)", labels.axis[chart])
        assert unit, labels.axis[chart]
        ticks = [float(t) for t in labels.ticks[chart]]
        highest = max(r.metrics[metric].mean or 0.0 for r in results.rows)
        highest_s = highest / (1000.0 if metric.endswith("_ms") else 1.0)
        in_unit = highest_s / SECONDS[unit.group(1)]
        assert ticks[-2] < in_unit <= ticks[-1]
        assert 1 <= ticks[-1] < 1000  # the unit suits the figures: not 0.001 h nor 5000 ms
    # A share is in per cent, its ticks marked so.
    assert labels.axis["chart-loss_fraction"] == "share (%)"
    assert all(t.endswith("%") for t in labels.ticks["chart-loss_fraction"])
