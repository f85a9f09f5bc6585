"""The terminal table of `testbed calibrate`, rendered from the calibration contract."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from testbed.results.calibration import CalibrationReport, CalibrationRow


def _number(value: float | None) -> str:
    if value is None:
        return "none"
    return f"{value:.4g}" if abs(value) < 1e5 else f"{value:,.0f}"


def published(row: CalibrationRow) -> str:
    """The publication's figure with its spread (or the band the calibration allows)."""
    text = f"{_number(row.published)} {row.unit}"
    if row.published_spread is not None:
        low, high = row.published_spread
        return f"{text} ({_number(low)}-{_number(high)})"
    low, high = row.band
    return text if low == high else f"{text} (±{_number((high - low) / 2)})"


def measured(row: CalibrationRow) -> str:
    """The mean over the replications and its 95 % interval where it varied."""
    text = f"{_number(row.measured)} {row.unit}"
    if row.ci95 is not None:
        text += f" [{_number(row.ci95[0])}, {_number(row.ci95[1])}]"
    return f"{text}, n={row.replications}"


def verdict(row: CalibrationRow) -> str:
    return row.verdict if row.verdict == "PASS" else f"{row.verdict} ({row.reason})"


def render(report: CalibrationReport, console: Console) -> None:
    table = Table(title=f"Calibration against published measurements ({report.size} size)")
    for column in ("calibration", "published (spread)", "measured (95 % interval)", "verdict"):
        table.add_column(column, overflow="fold")
    for row in report.rows:
        table.add_row(f"{row.calibration}: {row.figure}", published(row), measured(row),
                      verdict(row))
    console.print(table)
    counts = report.counts
    console.print(", ".join(f"{name} {counts[name]}" for name in
                            ("PASS", "KNOWN DIFFERENCE", "FAIL") if counts[name]),
                  highlight=False, markup=False)
