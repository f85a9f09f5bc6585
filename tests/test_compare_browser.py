"""The owner-manager opens the compare report in a real browser (headless Chromium), and prints
it to PDF as Chromium does.

Runs in `tox -e browser`; CI sets TESTBED_REQUIRE_BROWSER=1 so a missing browser fails.
The screenshot and the printed PDF are kept in artifacts/ at the repository's root for a person
to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from browser import PRINT_HEIGHT, chart_overlaps, open_report, print_report, require_browser
from conftest import BUNDLED, ROOT

from testbed.cli import main
from testbed.metrics.definitions import METRICS
from testbed.report.format import number
from testbed.report.summary import software_label, software_rows
from testbed.report.words import figure_name
from testbed.results.run import Results

ARTIFACTS = ROOT / "artifacts"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", params=["sme-legacy-shop", "food-producer"])
def compared(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Results]:
    require_browser()
    name: str = request.param
    source = BUNDLED / f"{name}.yaml"
    if not source.exists():
        pytest.skip(f"{source.name} is not bundled")
    tmp_path = tmp_path_factory.mktemp(name)
    # The bundled scenario as written, on a shorter horizon so the test stays quick.
    document = yaml.safe_load(source.read_text())
    document["horizon"] = "6h"
    document["replications"] = 2
    document["max_replications"] = 2
    scenario = tmp_path / source.name
    scenario.write_text(yaml.safe_dump(document, sort_keys=False))
    out = tmp_path / "out"
    assert main(["compare", str(scenario), "--out", str(out), "--quiet"]) == 0
    return name, out, Results.model_validate_json((out / "results.json").read_text())


def test_the_report_opens_with_every_chart_drawn_and_no_errors(
        compared: tuple[str, Path, Results]) -> None:
    name, out, results = compared
    ARTIFACTS.mkdir(exist_ok=True)
    page = open_report(out / "report.html", ARTIFACTS / f"compare-{name}.png")

    assert page.console_errors == []
    assert page.blank_charts == []
    # ranking, latency, outages, effort, lock-in, capex, and one diagram per architecture
    assert page.charts == 6 + len(results.architectures)
    assert page.screenshot.stat().st_size > 10_000
    # what the page shows is what results.json holds
    for architecture, result in results.architectures.items():
        assert architecture in page.text
        capex = result.metrics["capex_gbp"].mean
        assert capex is not None and number(capex, "GBP") in page.text
    assert f"Seed {results.seed}" in page.text
    # Each piece of software's own latency, under its name, for every architecture.
    rows = software_rows(results)
    assert {row.architecture for row in rows} == set(results.architectures)
    lines = page.text.splitlines()
    for row in rows:
        assert any(row.architecture in line and software_label(row) in line
                   and all(cell.text in line for cell in row.cells) for line in lines), row
    # The figures are named in words; a metric id shows only small beside its definition.
    summary = page.text[:page.text.index("How fast each piece of software")]
    assert not [m for m in METRICS if m in summary]
    for metric in ("latency_p95_ms", "capex_gbp", "payback_months"):
        assert figure_name(metric) in page.text
    # No label, legend or interval line is drawn over another text.
    assert chart_overlaps(out / "report.html") == []


def test_printing_the_report_gives_a_one_page_summary_then_the_appendix_uncut(
        compared: tuple[str, Path, Results]) -> None:
    name, out, _ = compared
    printed = print_report(out / "report.html", ARTIFACTS / f"compare-{name}.pdf")

    assert printed.console_errors == []
    # Nothing is cut at the page's edge: no table wider than the printed page's box, no cell
    # whose content runs out of it, nothing that widens the page.
    assert printed.wide_tables == []
    assert printed.clipped_cells == []
    assert printed.document_width <= printed.page_width
    # The summary (the answers and the at-a-glance tables) is the whole of page 1 ...
    assert printed.summary_top is not None and printed.summary_bottom is not None
    assert printed.summary_bottom <= PRINT_HEIGHT
    # ... and the appendix follows on pages of its own.
    assert printed.pages >= 2
    # Every page A4 (595 x 842 points), as the page's print styles ask.
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)",
                       printed.pdf.read_bytes())
    assert len(boxes) == printed.pages
    assert all(abs(float(w) - 595.3) < 1.5 and abs(float(h) - 841.9) < 1.5 for w, h in boxes)
