"""The sweep as a page (templates/sweep.html): a chart per metric across the first parameter's
values."""

from __future__ import annotations

from testbed.metrics.definitions import METRICS
from testbed.report import charts
from testbed.report.format import value_axis
from testbed.report.templating import render as render_template
from testbed.report.words import figure_name
from testbed.results.sweep import SweepResults


def render(results: SweepResults) -> str:
    first = next(iter(results.parameters))
    values = results.parameters[first]
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    others = [p for p in results.parameters if p != first]
    # The x axis is marked at the values swept, and spans only them: a seed or a count of 3
    # to 5 has no 0.5 and no zero to show.
    if not numeric:
        marks = [float(i) for i in range(len(values))]
    elif len(values) <= 12:
        marks = [float(v) for v in values]
    else:
        marks = charts.nice_ticks(float(min(values)), float(max(values)))
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
        # Round ticks in the unit a person reads (0, 20, 40 min), and the axis named by what
        # they measure in that unit: the figure's stored unit (ms) would mislabel them.
        axis = value_axis(METRICS[metric].unit,
                          max(abs(y) for points in series.values() for _, y in points))
        parts.append(charts.lines(
            f"chart-{metric}", f"{figure_name(metric)} ({metric})",
            [charts.Series(k, [(x, y * axis.factor) for x, y in v])
             for k, v in series.items()],
            first if numeric else f"{first} ({', '.join(map(str, values))})", axis.label,
            (lambda x: f"{x:g}") if numeric else (lambda x: str(values[int(x)])),
            axis.fmt, x_ticks=marks))
    return render_template("sweep.html", title="Sweep", tool_version=results.tool_version,
                           results=results, parameters=[first, *others], charts=parts)
