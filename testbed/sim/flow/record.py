"""The flow-level run's :class:`~testbed.sim.record.RunRecord`, from its expected counts.

The record is the message engine's, assembled by the same :func:`~testbed.sim.record.run_record`:
whole counts rounded from expected ones, each consumer's latency sketch from its windows
scaled to its up-state deliveries plus the waits it computed, queue records of translators
from the windows and of buffers from their time integrals.
"""

from __future__ import annotations

from collections import Counter

from testbed.sim.flow.faults import FaultState
from testbed.sim.flow.steady import SteadyState
from testbed.sim.flow.traffic import Traffic
from testbed.sim.record import ConsumerRecord, HopRecord, QueueRecord, RunRecord, run_record
from testbed.sim.sketch import QuantileSketch


def flow_record(steady: SteadyState, traffic: Traffic, faults: FaultState,
                end: float) -> RunRecord:
    """The record of a run that ended at ``end``; what is still buffered is lost."""
    graph = traffic.graph
    top = graph.top
    horizon = steady.horizon
    in_flight = 0.0
    for r in [*(h.index for h in top.hops), *(o.route for o in top.origins)]:
        buffer = traffic.buffers.get(r)
        if buffer is None:
            continue
        for slab in buffer.slabs:
            in_flight += slab.amount
            traffic.lose(top.routes[r].down, slab, "undelivered at end")
    records = [_consumer_record(c, steady, traffic) for c in range(len(top.consumers))]
    totals = traffic.totals
    downtime, outages = [], []
    for e in range(len(graph.bits)):
        down = faults.downtime[e]
        if not faults.is_up(e):
            down += max(0.0, horizon - faults.down_since[e])
        downtime.append(min(down, horizon))
        outages.append(faults.outages[e])
    servers = []
    for s, server in enumerate(top.servers):
        seen = [w.servers[server.name] for w in steady.windows if server.name in w.servers]
        completed = sum(x.completed for x in seen)
        sojourn = sum(x.mean_sojourn * x.completed for x in seen) / completed \
            if completed else 0.0
        arrivals = round(totals.arrivals[s])
        servers.append(QueueRecord(server.name, steady.in_system[s], arrivals, sojourn,
                                   arrivals, end))
    hops = []
    for route in top.hops:
        buffer = traffic.buffers.get(route.index)
        if buffer is None:
            hops.append(HopRecord(0))
            continue
        # Little's law gives the mean wait from the content's time integral.
        taken = buffer.arrivals
        hops.append(HopRecord(round(buffer.peak), QueueRecord(
            route.name, buffer.area / end if end else 0.0, round(taken),
            buffer.area / taken if taken else 0.0, round(taken), end)))
    return run_record(
        top, horizon, consumers=records,
        loss_reasons=Counter({k: round(v) for k, v in totals.reasons.items() if round(v) > 0}),
        parts=[round(p) for p in totals.parts],
        blocked_time=list(faults.blocked),
        breakdowns=list(faults.breakdowns),
        in_flight=round(in_flight),
        downtime=downtime, outages=outages, servers=servers, hops=hops)


def _consumer_record(c: int, steady: SteadyState, traffic: Traffic) -> ConsumerRecord:
    """Whole counts from expected ones: generated and lost are rounded, delivered is what
    is left, so generated = delivered + lost holds exactly for every machine."""
    name = traffic.graph.top.consumers[c].name
    nm = len(steady.instances)
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
        seen = window.consumers.get(name)
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
        name, name, generated, delivered, late, lost, gaps, latency,
        [round(x) for x in totals.counts[c]], [round(x) for x in traffic.alarms[c]],
        list(traffic.alarm_sum[c]))
