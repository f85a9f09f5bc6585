"""What one run leaves behind, the same at both fidelities: :class:`RunRecord`, and the one
function that assembles it from an engine's counts in the topology's order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from testbed.sim.sketch import QuantileSketch

if TYPE_CHECKING:
    from testbed.sim.topology import Topology


@dataclass
class ConsumerRecord:
    name: str
    kind: str
    generated: list[int]
    delivered: list[int]
    late: list[int]
    lost: list[int]
    max_gap: list[float]
    latency: QuantileSketch
    counts_delivered: list[int]
    alarm_count: list[int]
    alarm_sum: list[float]


@dataclass
class QueueRecord:
    """Time-averaged figures of one queue or buffer, for Little's law and utilisation."""

    name: str
    time_average_in_system: float
    arrivals: int
    mean_sojourn: float
    completed: int
    period_s: float


@dataclass
class RunRecord:
    horizon: float
    machines: list[str]
    consumers: list[ConsumerRecord]
    loss_reasons: Counter[str]
    parts: list[int]
    blocked_time: list[float]
    mean_cycle: list[float]
    breakdowns: list[int] = field(default_factory=list)
    # production records each machine's operator wrote by hand: one per lot of
    # ``parts_per_record`` parts made, so they follow the parts the run made
    records: list[int] = field(default_factory=list)
    downtime: dict[str, float] = field(default_factory=dict)
    outages: dict[str, int] = field(default_factory=dict)
    servers: list[QueueRecord] = field(default_factory=list)
    buffers: list[QueueRecord] = field(default_factory=list)
    peak_buffer: dict[str, int] = field(default_factory=dict)
    in_flight_at_end: int = 0


@dataclass
class HopRecord:
    """One route between components at the end of a run: its peak buffer, and its buffer's
    queue record if it has a buffer."""

    peak: int
    buffer: QueueRecord | None = None


def run_record(top: Topology, horizon: float, *, consumers: list[ConsumerRecord],
               loss_reasons: Counter[str], parts: list[int], blocked_time: list[float],
               breakdowns: list[int], in_flight: int, downtime: Sequence[float],
               outages: Sequence[int], servers: list[QueueRecord],
               hops: Sequence[HopRecord]) -> RunRecord:
    """The record of a run: ``downtime`` and ``outages`` in element order, ``servers`` in the
    topology's order of servers, ``hops`` in its order of routes between components."""
    record = RunRecord(
        horizon=horizon,
        machines=[m.name for m in top.machines],
        consumers=consumers,
        loss_reasons=loss_reasons,
        parts=parts,
        blocked_time=blocked_time,
        mean_cycle=[m.instance.params.cycle_time.mean for m in top.machines],
        breakdowns=breakdowns,
        records=[made // m.instance.params.parts_per_record
                 for made, m in zip(parts, top.machines, strict=True)],
        in_flight_at_end=in_flight,
    )
    for ref, down, count in zip(top.elements(), downtime, outages, strict=True):
        name = top.name(ref)
        record.downtime[name] = down
        record.outages[name] = count
    record.servers = servers
    for route, hop in zip(top.hops, hops, strict=True):
        record.peak_buffer[route.name] = hop.peak
        if hop.buffer is not None:
            record.buffers.append(hop.buffer)
    return record
