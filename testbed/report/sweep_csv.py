"""``sweep.csv``: the sweep contract as a table a spreadsheet opens."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from testbed.metrics.definitions import METRICS
from testbed.results.sweep import SweepResults


def to_csv(results: SweepResults) -> str:
    """One row per (grid point, architecture); each metric's mean and interval ends."""
    metrics = [m for m in METRICS if any(m in row.metrics for row in results.rows)]
    header = [*results.parameters, "architecture"]
    for metric in metrics:
        header += [metric, f"{metric}_ci95_low", f"{metric}_ci95_high"]
    lines = [",".join(header)]

    def cell(value: Any) -> str:
        text = "" if value is None or (isinstance(value, float) and not math.isfinite(value)) \
            else str(value)
        return f'"{text}"' if "," in text or '"' in text else text

    for row in results.rows:
        cells = [cell(row.parameters[p]) for p in results.parameters]
        cells.append(cell(row.architecture))
        for metric in metrics:
            summary = row.metrics.get(metric)
            ci: Sequence[float | None] = summary.ci95 if summary and summary.ci95 else (None,
                                                                                      None)
            cells += [cell(summary.mean if summary else None), cell(ci[0]), cell(ci[1])]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"
