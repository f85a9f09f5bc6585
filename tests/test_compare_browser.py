"""The owner-manager opens the compare report in a real browser (headless Chromium).

Runs in `tox -e browser`; CI sets TESTBED_REQUIRE_BROWSER=1 so a missing browser fails.
The screenshot is kept in artifacts/ at the repository's root for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from browser import open_report, require_browser
from conftest import BUNDLED, ROOT

from testbed.cli import main
from testbed.report.format import number
from testbed.results.run import Results

ARTIFACTS = ROOT / "artifacts"
pytestmark = pytest.mark.browser


@pytest.mark.parametrize("name", ["sme-legacy-shop", "food-producer"])
def test_the_report_opens_with_every_chart_drawn_and_no_errors(name: str,
                                                                tmp_path: Path) -> None:
    require_browser()
    source = BUNDLED / f"{name}.yaml"
    if not source.exists():
        pytest.skip(f"{source.name} is not bundled")
    # The bundled scenario as written, on a shorter horizon so the test stays quick.
    document = yaml.safe_load(source.read_text())
    document["horizon"] = "6h"
    document["replications"] = 2
    document["max_replications"] = 2
    scenario = tmp_path / source.name
    scenario.write_text(yaml.safe_dump(document, sort_keys=False))
    out = tmp_path / "out"
    assert main(["compare", str(scenario), "--out", str(out), "--quiet"]) == 0
    results = Results.model_validate_json((out / "results.json").read_text())

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
