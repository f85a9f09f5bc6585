"""Numbers as a person reads them, the same in the terminal, the HTML page and Markdown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from testbed.results.run import MetricSummary
from testbed.units import format_duration


def number(value: float, unit: str) -> str:
    if (value < 0 and unit in ("ms", "s")) or (value < 0 and unit.startswith("GBP")):
        return "-" + number(-value, unit)
    if unit == "fraction":
        return f"{value:.2%}"
    if unit in ("ms", "s"):
        return format_duration(value / 1000.0 if unit == "ms" else value)
    if unit.startswith("GBP"):
        return f"£{value:,.0f}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def mean(summary: MetricSummary | None) -> str:
    if summary is None or summary.mean is None:
        return "-"
    return number(summary.mean, summary.unit)


def with_interval(summary: MetricSummary | None) -> str:
    """Mean ± half the 95 % interval."""
    text = mean(summary)
    if summary is not None and summary.mean is not None and summary.ci95:
        text += f" ±{number((summary.ci95[1] - summary.ci95[0]) / 2, summary.unit)}"
    return text


def interval(summary: MetricSummary | None) -> str:
    """The 95 % interval itself, e.g. [£1,200, £1,450]."""
    if summary is None or summary.ci95 is None:
        return "-"
    low, high = summary.ci95
    return f"[{number(low, summary.unit)}, {number(high, summary.unit)}]"


def compact(value: float | None) -> str:
    """Four significant figures with thousands separators, or "-" for no value."""
    return "-" if value is None else f"{value:,.4g}"


TIME_UNITS = ((86_400.0, "days"), (3600.0, "h"), (60.0, "min"), (1.0, "s"), (0.001, "ms"))


@dataclass(frozen=True)
class Axis:
    """A chart's value axis for a figure: values are multiplied by ``factor`` before plotting,
    so round ticks fall on round numbers of the unit named in ``label`` (0, 20, 40 min rather
    than 0, 33.3min, 1.11h, which is what round milliseconds become)."""

    factor: float
    label: str
    fmt: Callable[[float], str]


def value_axis(unit: str, highest: float) -> Axis:
    """The axis for a figure's values in ``unit`` up to ``highest``, named by the quantity and
    the unit its ticks are in, e.g. "time (min)", "share (%)", "pounds (£)"."""
    if unit in ("ms", "s"):
        seconds = abs(highest) / (1000.0 if unit == "ms" else 1.0)
        size, name = next(((s, n) for s, n in TIME_UNITS if seconds >= s), TIME_UNITS[-1])
        factor = (0.001 if unit == "ms" else 1.0) / size
        return Axis(factor, f"time ({name})", lambda v: f"{v:g}")
    if unit == "fraction":
        return Axis(100.0, "share (%)", lambda v: f"{v:g}%")
    if unit.startswith("GBP"):
        return Axis(1.0, "pounds (£)" + unit[3:].replace("/", " a "),
                    lambda v: number(v, unit))
    return Axis(1.0, unit, lambda v: number(v, unit))
