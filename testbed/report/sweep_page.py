"""The sweep as a page (templates/sweep.html): a chart per metric across the first parameter's
values."""

from __future__ import annotations

from testbed.metrics.definitions import METRICS
from testbed.report import charts
from testbed.report.format import number
from testbed.report.templating import render as render_template
from testbed.results.sweep import SweepResults


def _formatter(unit: str) -> charts.Formatter:
    return lambda value: number(value, unit)


def render(results: SweepResults) -> str:
    first = next(iter(results.parameters))
    values = results.parameters[first]
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    others = [p for p in results.parameters if p != first]
    parts = []
    metrics = [m for m in METRICS if any(m in row.metrics for row in results.rows)]
    for metric in metrics:
        series: dict[str, list[tuple[float, float]]] = {}
        for row in results.rows:
            summary = row.metrics.get(metric)
            if summary is None or summary.mean is None:
                continue
            label = row.architecture + "".join(f", {p}={row.parameters[p]}" for p in others)
            x = float(row.parameters[first]) if numeric else float(
                values.index(row.parameters[first]))
            series.setdefault(label, []).append((x, summary.mean))
        if not series:
            continue
        unit = METRICS[metric].unit
        parts.append(charts.lines(
            f"chart-{metric}", metric, [charts.Series(k, v) for k, v in series.items()],
            first if numeric else f"{first} ({', '.join(map(str, values))})", unit,
            (lambda x: f"{x:g}") if numeric else (
                lambda x: str(values[int(x)]) if float(x).is_integer() and 0 <= x < len(values)
                else ""),
            _formatter(unit)))
    return render_template("sweep.html", title="Sweep", tool_version=results.tool_version,
                           results=results, parameters=[first, *others], charts=parts)
