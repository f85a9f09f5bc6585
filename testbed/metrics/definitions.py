"""The figures the tool reports: name (unit in the name), unit and which way is better.

``docs/metrics.md`` defines each with its formula; a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    better: Literal["lower", "higher"]
    summary: str


METRICS: dict[str, Metric] = {m.name: m for m in [
    Metric("latency_mean_ms", "ms", "lower", "mean time from machine event to consumer"),
    Metric("latency_p50_ms", "ms", "lower", "median time from machine event to consumer"),
    Metric("latency_p95_ms", "ms", "lower", "95th percentile of that time"),
    Metric("latency_p99_ms", "ms", "lower", "99th percentile of that time"),
    Metric("latency_max_ms", "ms", "lower", "longest time any delivered message took"),
    Metric("delivered_fraction", "fraction", "higher",
           "share of (message, consumer) deliveries that arrived, late or not"),
    Metric("late_fraction", "fraction", "lower",
           "share that arrived after the consumer's deadline"),
    Metric("loss_fraction", "fraction", "lower", "share that never arrived"),
    Metric("max_visibility_gap_s", "s", "lower",
           "longest time a consumer heard nothing from a machine"),
    Metric("production_lost_parts", "parts", "lower",
           "parts not made because critical software was unreachable"),
]}
