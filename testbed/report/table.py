"""The terminal table of a run, rendered from the results contract."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from testbed.report.results import MetricSummary, Results

COLUMNS = [
    ("latency_p50_ms", "p50 ms"), ("latency_p95_ms", "p95 ms"), ("latency_p99_ms", "p99 ms"),
    ("delivered_fraction", "delivered"), ("late_fraction", "late"),
    ("loss_fraction", "lost"), ("max_visibility_gap_s", "max gap s"),
    ("production_lost_parts", "parts lost"),
]


def cell(summary: MetricSummary | None) -> str:
    if summary is None or summary.mean is None:
        return "-"
    if summary.unit == "fraction":
        text = f"{summary.mean:.2%}"
        if summary.ci95:
            text += f" ±{(summary.ci95[1] - summary.ci95[0]) / 2:.2%}"
        return text
    text = f"{summary.mean:,.4g}"
    if summary.ci95:
        text += f" ±{(summary.ci95[1] - summary.ci95[0]) / 2:,.2g}"
    return text


def render(results: Results, console: Console) -> None:
    table = Table(title=f"{results.scenario}: {results.replications} replications of "
                        f"{results.horizon_s / 86400:g} days, seed {results.seed} "
                        f"(mean ± 95 % CI half-width)")
    table.add_column("architecture", no_wrap=True)
    for _, title in COLUMNS:
        table.add_column(title, justify="right")
    for name, arch in results.architectures.items():
        table.add_row(name, *(cell(arch.metrics.get(metric)) for metric, _ in COLUMNS))
    console.print(table)
