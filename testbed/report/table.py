"""The terminal tables of a run, rendered from the results contract.

A table wider than the terminal is split into stacked tables, each repeating the architecture
column, so that every figure stays on one line and readable at 80 columns however many columns
the results grow; a wide terminal (or a pipe, which the CLI gives 200 columns) gets one table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from testbed.report.format import mean, with_interval
from testbed.report.summary import SOFTWARE_METRICS, TODAY, software_rows
from testbed.report.words import untested
from testbed.results.run import ArchitectureResult, Results
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
    ("payback", "payback months (in target)"), ("tco_gbp", "cost of ownership £"),
    ("npv_gbp", "NPV £"), ("lock_in_score", "lock-in /100"),
]
# Rich's default box: a border left of every column and one at the right; one space of
# padding each side of a cell.
_BORDER, _PADDING = 1, 2
# A name longer than this wraps onto a second line rather than squeezing out the figures.
_LONGEST_NAME = 24


def _width(texts: Sequence[str]) -> int:
    return max(cell_len(t) for t in texts) + _PADDING + _BORDER


def stacked(console: Console, title: str, short: str, key: str, keys: list[str],
             columns: list[tuple[str, list[str]]],
             justify: Literal["left", "right"] = "right", wrap_at: int | None = None,
             longest_key: int = _LONGEST_NAME) -> None:
    """Print ``columns`` (heading, a cell per row) beside the ``keys`` column, in as few tables
    as fit the console's width: every cell on one line, but for a column wider than the
    console (or than ``wrap_at`` characters), which wraps at its spaces. Tables after the first
    are titled ``short`` and "continued". A key longer than ``longest_key`` folds onto a second
    line."""
    key_width = min(_width([key, *keys]), longest_key + _PADDING + _BORDER)
    room = console.width - _BORDER - key_width
    widest = room if wrap_at is None else min(room, wrap_at + _PADDING + _BORDER)
    groups: list[list[tuple[str, list[str]]]] = [[]]
    used = 0
    for column in columns:
        width = min(_width([column[0], *column[1]]), widest)
        if groups[-1] and used + width > room:
            groups.append([])
            used = 0
        groups[-1].append(column)
        used += width
    for index, group in enumerate(groups):
        table = Table(title=title if index == 0 else f"{short}, continued")
        table.add_column(key, no_wrap=cell_len(max(keys, key=cell_len, default="")) <=
                         longest_key, max_width=longest_key, overflow="fold")
        for heading, cells in group:
            fits = _width([heading, *cells]) <= widest
            table.add_column(heading, justify=justify, no_wrap=fits,
                             max_width=None if fits else widest - _PADDING - _BORDER)
        for row, name in enumerate(keys):
            table.add_row(name, *(cells[row] for _, cells in group))
        console.print(table)


def payback_cell(arch: ArchitectureResult) -> str:
    """The median payback in months, or never, and the share of runs within the target: short
    enough for a column of an 80-column table (the page says it in words)."""
    payback = arch.payback
    if payback is None:
        return "-"
    median = "never" if payback.median_months is None else f"{payback.median_months:.1f}"
    return f"{median} ({payback.within_target_share:.0%})"


def _cell(arch: ArchitectureResult, column: str) -> str:
    if column == "payback":
        return payback_cell(arch)
    if arch.untested(column):
        return untested(column)
    return with_interval(arch.metrics.get(column))


def _figures(results: Results, columns: list[tuple[str, str]],
             today: bool = False) -> list[tuple[str, list[str]]]:
    figures = []
    for metric, heading in columns:
        cells = [_cell(arch, metric) for arch in results.architectures.values()]
        if today and results.baseline is not None:
            # Beside the candidates, never ranked: how the shop runs now.
            cells.append(mean(results.baseline.metrics[metric])
                         if metric in results.baseline.metrics else "-")
        figures.append((heading, cells))
    return figures


def render(results: Results, console: Console) -> None:
    names = list(results.architectures)
    stacked(console, f"{results.scenario}: data, over {results.replications} replications of "
                      f"{format_duration(results.horizon_s)}, seed {results.seed} "
                      f"(mean ± 95 % CI half-width)", "data",
             "architecture", names, _figures(results, DATA_COLUMNS))
    rows = software_rows(results)
    if rows:
        stacked(console, "each piece of software: how fast its data arrives",
                 "each piece of software", "architecture: software",
                 [f"{row.architecture}: {row.software}" for row in rows],
                 [(heading, [with_interval(row.summaries[i]) for row in rows])
                  for i, (_, heading) in enumerate(SOFTWARE_METRICS)])
    if any("effort_person_hours" in a.metrics for a in results.architectures.values()):
        today = results.baseline is not None
        stacked(console, "the project and the money", "the project and the money",
                 "architecture", [*names, TODAY] if today else names,
                 _figures(results, PROJECT_COLUMNS, today))
    if results.baseline is not None:
        baseline = results.baseline
        console.print(
            f"{TODAY}: re-keying "
            f"{with_interval(baseline.metrics['status_quo_rekeying_gbp_per_month'])} a month, "
            f"breakdowns found late "
            f"{with_interval(baseline.metrics['status_quo_breakdowns_gbp_per_month'])} a "
            f"month; cost of ownership and NPV over {baseline.appraisal_years:g} years at "
            f"{baseline.discount_rate:.1%} a year")
