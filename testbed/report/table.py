"""The terminal table of a run, rendered from the results contract."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from testbed.report.format import with_interval
from testbed.results.run import Results
from testbed.units import format_duration

DATA_COLUMNS = [
    ("latency_p50_ms", "latency p50"), ("latency_p95_ms", "p95"), ("latency_p99_ms", "p99"),
    ("delivered_fraction", "delivered"), ("late_fraction", "late"),
    ("loss_fraction", "lost"), ("max_visibility_gap_s", "longest gap"),
    ("production_lost_parts", "parts lost"),
]
PROJECT_COLUMNS = [
    ("effort_person_hours", "effort h"), ("effort_calendar_weeks", "weeks"),
    ("skills_to_absorb", "new skills"), ("capex_gbp", "capex £"),
    ("opex_gbp_per_month", "opex £/month"), ("benefit_gbp_per_month", "benefit £/month"),
    ("payback_months", "payback months"), ("meets_payback_target", "meets target"),
    ("lock_in_score", "lock-in /100"),
]


def _table(results: Results, title: str, columns: list[tuple[str, str]]) -> Table:
    table = Table(title=title)
    table.add_column("architecture", no_wrap=True)
    for _, heading in columns:
        table.add_column(heading, justify="right")
    for name, arch in results.architectures.items():
        table.add_row(name, *(with_interval(arch.metrics.get(metric)) for metric, _ in columns))
    return table


def render(results: Results, console: Console) -> None:
    console.print(_table(
        results, f"{results.scenario}: data, over {results.replications} replications of "
                 f"{format_duration(results.horizon_s)}, seed {results.seed} "
                 f"(mean ± 95 % CI half-width)", DATA_COLUMNS))
    if any("effort_person_hours" in a.metrics for a in results.architectures.values()):
        console.print(_table(results, "the project and the money", PROJECT_COLUMNS))
