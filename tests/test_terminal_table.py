"""A user runs the bundled shop in an 80-column terminal: every line fits, and every figure of
results.json is still there, whole, with its heading and architecture."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import BUNDLED
from rich.cells import cell_len

from testbed.report.format import with_interval
from testbed.report.summary import SOFTWARE_METRICS
from testbed.report.table import DATA_COLUMNS, PROJECT_COLUMNS, payback_cell
from testbed.report.words import untested
from testbed.results.run import Results


def test_the_run_table_fits_80_columns_and_keeps_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "testbed.cli", "run", str(BUNDLED / "sme-legacy-shop.yaml"),
         "--horizon", "1h", "--replications", "2", "--out", str(out)],
        capture_output=True, text=True, timeout=600, env={**os.environ, "COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    *lines, where = done.stdout.splitlines()
    # The last line names the file, a path as long as the user's, not cut.
    assert where == f"results: {out / 'results.json'}"
    assert max(cell_len(line) for line in lines) <= 80
    results = Results.model_validate_json((out / "results.json").read_text())
    # Every heading is on the page, on one line of its own table.
    cells = {cell.strip() for line in lines if line.startswith("┃")
             for cell in line.strip("┃").split("┃")}
    headings = [h for _, h in DATA_COLUMNS + PROJECT_COLUMNS] + [h for _, h in SOFTWARE_METRICS]
    assert set(headings) <= cells
    # Every figure, whole, in the row of its architecture (names this shop's fit on a line).
    rows = {}
    for line in lines:
        parts = [p.strip() for p in line.strip("│").split("│")] if line.startswith("│") else []
        if parts and parts[0]:
            rows.setdefault(parts[0], []).extend(parts[1:])
    for name, arch in results.architectures.items():
        shown = rows[name]
        for metric, _ in DATA_COLUMNS + PROJECT_COLUMNS:
            # a figure whose runs met none of the events it rests on is said to be untested,
            # never printed as a zero with a zero-width interval
            expected = untested(metric) if arch.untested(metric) else \
                payback_cell(arch) if metric == "payback" else \
                with_interval(arch.metrics.get(metric))
            assert expected in shown, (name, metric)
    # Each piece of software's own latency, under its own name.
    edge = results.architectures["Edge gateway hub"]
    assert set(edge.per_consumer) == {"mes", "cmms", "erp"}
    for software, figures in edge.per_consumer.items():
        shown = rows[f"Edge gateway hub: {software}"]
        for metric, _ in SOFTWARE_METRICS:
            assert with_interval(figures[metric]) in shown, (software, metric)
