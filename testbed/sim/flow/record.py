"""The flow-level run's :class:`~testbed.sim.model.RunRecord`, from its expected counts.

The record is the message engine's: whole counts rounded from expected ones, each consumer's
latency sketch from its windows scaled to its up-state deliveries plus the waits it computed,
queue records of translators from the windows and of buffers from their time integrals.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from testbed.sim.flow_faults import FaultState
from testbed.sim.flow_steady import SteadyState
from testbed.sim.flow_traffic import Traffic
from testbed.sim.model import ConsumerRecord, QueueRecord, RunRecord
from testbed.sim.network import Consumer, Stateful
from testbed.sim.sketch import QuantileSketch

if TYPE_CHECKING:
    from testbed.sim.flow import FlowModel


def run_record(model: FlowModel, steady: SteadyState, traffic: Traffic, faults: FaultState,
               end: float) -> RunRecord:
    """The record of a run that ended at ``end``; what is still buffered is lost."""
    horizon = steady.horizon
    in_flight = 0.0
    for route in [*model.routes.values(), *(o.route for _, o in model.origins)]:
        buffer = model.buffers.get(id(route))
        if buffer is None:
            continue
        for slab in buffer.slabs:
            in_flight += slab[2]
            traffic.lose(route, slab, "undelivered at end")
    records = []
    for c, consumer in enumerate(model.consumers):
        records.append(_consumer_record(c, consumer, steady, traffic))
    totals = traffic.totals
    reasons = Counter({k: round(v) for k, v in totals.reasons.items() if round(v) > 0})
    record = RunRecord(
        horizon=horizon,
        machines=[m.id for m in model.instances],
        consumers=records,
        loss_reasons=reasons,
        parts=[round(p) for p in totals.parts],
        blocked_time=list(faults.blocked),
        mean_cycle=[m.params.cycle_time.mean for m in model.instances],
        breakdowns=list(faults.breakdowns),
        in_flight_at_end=round(in_flight),
    )
    elements: list[Stateful] = [*model.links.values(), *model.servers.values(),
                                *model.consumers, *model.machines]
    for element in elements:
        key = id(element)
        down = faults.downtime.get(key, 0.0)
        if not element.up:
            down += max(0.0, horizon - faults.down_since[key])
        record.downtime[element.name] = min(down, horizon)
        record.outages[element.name] = faults.outages.get(key, 0)
    for server in model.servers.values():
        seen = [w.servers[server.name] for w in steady.windows if server.name in w.servers]
        completed = sum(s.completed for s in seen)
        sojourn = sum(s.mean_sojourn * s.completed for s in seen) / completed \
            if completed else 0.0
        arrivals = round(totals.arrivals[id(server)])
        record.servers.append(QueueRecord(server.name, steady.in_system[id(server)],
                                          arrivals, sojourn, arrivals, end))
    for (here, there), route in model.routes.items():
        name = f"{here}->{there}"
        buffer = model.buffers.get(id(route))
        record.peak_buffer[name] = round(buffer.peak) if buffer else 0
        if buffer is not None:
            # Little's law gives the mean wait from the content's time integral.
            taken = buffer.arrivals
            record.buffers.append(QueueRecord(
                name, buffer.area / end if end else 0.0, round(taken),
                buffer.area / taken if taken else 0.0, round(taken), end))
    return record


def _consumer_record(c: int, consumer: Consumer, steady: SteadyState,
                     traffic: Traffic) -> ConsumerRecord:
    """Whole counts from expected ones: generated and lost are rounded, delivered is what
    is left, so generated = delivered + lost holds exactly for every machine."""
    nm = len(steady.model.instances)
    totals = traffic.totals
    generated = [round(x) for x in totals.generated[c]]
    lost = [min(round(x), g) for x, g in zip(totals.lost[c], generated, strict=True)]
    delivered = [g - x for g, x in zip(generated, lost, strict=True)]
    late = []
    unbuffered = totals.delivered_up[c]
    for m in range(nm):
        expected = unbuffered[m] * steady.late_share[c][m] + traffic.late_waited[c][m]
        late.append(min(round(expected), delivered[m]))
    latency = QuantileSketch()
    for g, window in enumerate(steady.windows):
        seen = window.consumers.get(consumer.name)
        if seen is None or seen.latency.count == 0:
            continue
        up = sum(unbuffered[m] for m in range(nm) if steady.group[m] == g)
        latency.add_scaled(seen.latency, up / seen.latency.count)
    latency.merge(traffic.waited[c])
    gaps = []
    for m in range(nm):
        if delivered[m] == 0:
            gaps.append(steady.horizon)
            continue
        gaps.append(max(traffic.gap[c][m], steady.normal_gap[c][m],
                        steady.horizon - traffic.last[c][m]))
    return ConsumerRecord(
        consumer.name, consumer.name, generated, delivered, late, lost, gaps, latency,
        [round(x) for x in totals.counts[c]], [round(x) for x in traffic.alarms[c]],
        list(traffic.alarm_sum[c]))
