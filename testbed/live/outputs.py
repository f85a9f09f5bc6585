"""What a live run leaves behind: the live figures, the simulated figures of the same run, and
a side-by-side comparison with the pace the run kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from testbed.live.session import LiveReport
from testbed.report.results import to_json, write_atomically

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


def write(report: LiveReport, out: Path) -> list[Path]:
    """results.json (the live figures, in the results contract), simulated.json (the same
    run as the simulated consumers measured it) and live.json (the comparison and pace)."""
    out.mkdir(parents=True, exist_ok=True)
    files = [out / "results.json", out / "simulated.json", out / "live.json"]
    write_atomically(files[0], to_json(report.live))
    write_atomically(files[1], to_json(report.simulated))
    write_atomically(files[2], json.dumps(summary(report), indent=2, allow_nan=False) + "\n")
    return files
