"""The terminal table of a run, rendered from the results contract."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from testbed.report.format import mean, with_interval
from testbed.report.summary import TODAY, payback_text
from testbed.results.run import ArchitectureResult, Results
from testbed.units import format_duration

DATA_COLUMNS = [
    ("latency_p50_ms", "latency p50"), ("latency_p95_ms", "p95"), ("latency_p99_ms", "p99"),
    ("delivered_fraction", "delivered"), ("late_fraction", "late"),
    ("loss_fraction", "lost"), ("max_visibility_gap_s", "longest gap"),
    ("production_lost_parts", "parts lost"),
]
# "payback" is the median over every run (ArchitectureResult.payback), not a metric's mean.
PROJECT_COLUMNS = [
    ("effort_person_hours", "effort h"), ("effort_calendar_weeks", "weeks"),
    ("skills_to_absorb", "new skills"), ("capex_gbp", "capex £"),
    ("opex_gbp_per_month", "opex £/month"), ("benefit_gbp_per_month", "benefit £/month"),
    ("payback", "payback (median)"), ("tco_gbp", "cost of ownership £"),
    ("npv_gbp", "NPV £"), ("lock_in_score", "lock-in /100"),
]


def _cell(arch: ArchitectureResult, column: str) -> str:
    if column == "payback":
        return payback_text(arch).text
    return with_interval(arch.metrics.get(column))


def _table(results: Results, title: str, columns: list[tuple[str, str]],
           today: bool = False) -> Table:
    table = Table(title=title)
    table.add_column("architecture", no_wrap=True)
    for _, heading in columns:
        table.add_column(heading, justify="right")
    for name, arch in results.architectures.items():
        table.add_row(name, *(_cell(arch, column) for column, _ in columns))
    if today and results.baseline is not None:
        # Beside the candidates, never ranked: how the shop runs now.
        table.add_row(TODAY, *(mean(results.baseline.metrics.get(column))
                               if column in results.baseline.metrics else "-"
                               for column, _ in columns))
    return table


def render(results: Results, console: Console) -> None:
    console.print(_table(
        results, f"{results.scenario}: data, over {results.replications} replications of "
                 f"{format_duration(results.horizon_s)}, seed {results.seed} "
                 f"(mean ± 95 % CI half-width)", DATA_COLUMNS))
    if any("effort_person_hours" in a.metrics for a in results.architectures.values()):
        console.print(_table(results, "the project and the money", PROJECT_COLUMNS, today=True))
    if results.baseline is not None:
        today = results.baseline
        console.print(
            f"{TODAY}: re-keying "
            f"{with_interval(today.metrics['status_quo_rekeying_gbp_per_month'])} a month, "
            f"breakdowns found late "
            f"{with_interval(today.metrics['status_quo_breakdowns_gbp_per_month'])} a month; "
            f"cost of ownership and NPV over {today.appraisal_years:g} years at "
            f"{today.discount_rate:.1%} a year")
