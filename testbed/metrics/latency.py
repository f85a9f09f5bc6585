"""Latency: from the machine event to the consumer that uses it, per delivered message."""

from __future__ import annotations

from collections.abc import Iterable

from testbed.sim.record import ConsumerRecord
from testbed.sim.sketch import QuantileSketch

_QUANTILES = {"latency_p50_ms": 0.5, "latency_p95_ms": 0.95, "latency_p99_ms": 0.99}


def latency_metrics(consumers: Iterable[ConsumerRecord]) -> dict[str, float | None]:
    """Mean, p50/p95/p99 and max in milliseconds over every delivery to these consumers.

    With nothing delivered there is no latency to report: the figures are None, not zero.
    """
    pooled = QuantileSketch()
    for consumer in consumers:
        pooled.merge(consumer.latency)
    if pooled.count == 0:
        return dict.fromkeys(["latency_mean_ms", *_QUANTILES, "latency_max_ms"])
    figures: dict[str, float | None] = {"latency_mean_ms": pooled.mean * 1000.0}
    figures.update({name: pooled.quantile(q) * 1000.0 for name, q in _QUANTILES.items()})
    figures["latency_max_ms"] = pooled.max * 1000.0
    return figures
