"""Connectivity loss: what arrived, what arrived late, what was lost, how long consumers went
blind, and the production lost when critical software was out of reach."""

from __future__ import annotations

from collections.abc import Sequence

from testbed.sim.record import ConsumerRecord, RunRecord


def delivery_metrics(consumers: Sequence[ConsumerRecord],
                     machines: Sequence[int] | None = None) -> dict[str, float | None]:
    """Fractions of (message, consumer) deliveries, optionally for some machines only."""
    def total(rows: list[list[int]]) -> int:
        return sum(row[m] for row in rows for m in (machines if machines is not None
                                                    else range(len(row))))

    generated = total([c.generated for c in consumers])
    if generated == 0:
        return {"delivered_fraction": None, "late_fraction": None, "loss_fraction": None,
                "max_visibility_gap_s": None}
    gaps = [c.max_gap[m] for c in consumers
            for m in (machines if machines is not None else range(len(c.generated)))
            if c.generated[m] > 0]
    return {
        "delivered_fraction": total([c.delivered for c in consumers]) / generated,
        "late_fraction": total([c.late for c in consumers]) / generated,
        "loss_fraction": total([c.lost for c in consumers]) / generated,
        "max_visibility_gap_s": max(gaps) if gaps else None,
    }


def production_lost_parts(record: RunRecord, machines: Sequence[int] | None = None) -> float:
    """Blocked machine time divided by the machine's mean cycle time, summed over machines."""
    chosen = machines if machines is not None else range(len(record.machines))
    return sum(record.blocked_time[m] / record.mean_cycle[m] for m in chosen)
