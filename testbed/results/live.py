"""What a live run measured: the live figures and the simulated figures of the same run (each in
the results contract), and ``live.json``, their comparison with the pace the run kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from testbed.results.run import Results


@dataclass
class LiveReport:
    live: Results
    simulated: Results
    wall_s: float
    simulated_s: float
    deliveries: int
    worst_lag_s: float
    events: int
    modbus_reads: int
    notes: list[str] = field(default_factory=list)


# The figures a reader compares first: where live and simulated differ, the difference is the
# real OPC UA leg and the wall clock.
COMPARED = ("latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "latency_max_ms",
            "delivered_fraction", "loss_fraction", "late_fraction", "max_visibility_gap_s",
            "production_lost_parts")


def comparison(report: LiveReport) -> list[dict[str, Any]]:
    (name, live), = report.live.architectures.items()
    simulated = report.simulated.architectures[name]
    rows = []
    for metric in COMPARED:
        rows.append({"metric": metric, "unit": live.metrics[metric].unit,
                     "live": live.mean(metric), "simulated": simulated.mean(metric)})
    return rows


def summary(report: LiveReport) -> dict[str, Any]:
    wall = report.wall_s or 1.0
    return {
        "wall_s": report.wall_s,
        "simulated_s": report.simulated_s,
        "deliveries": report.deliveries,
        "deliveries_per_s": report.deliveries / wall,
        "events_per_s": report.events / wall,
        "worst_lag_s": report.worst_lag_s,
        "modbus_reads": report.modbus_reads,
        "comparison": comparison(report),
        "notes": report.notes,
    }
