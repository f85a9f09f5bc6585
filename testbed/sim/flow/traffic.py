"""The flow-level run's traffic: what happens at instants, what a planned segment adds that
does not scale with its length, and what does not scale at all.

At an instant (an impulse) events that machines emit and buffers flushed by routes that just
opened are pushed through at once into the run's own counters. A segment in a planned state
restarts the gap clocks of pairs that start or stop receiving and fills closed buffers. The
visibility gaps, waited latencies, alarms and buffers are kept here per consumer and machine.
"""

from __future__ import annotations

from collections.abc import Sequence

from testbed.sim.flow.buffer import Buffer, Slab
from testbed.sim.flow.graph import Graph
from testbed.sim.flow.plan import Plan
from testbed.sim.flow.push import Push
from testbed.sim.flow.steady import SteadyState
from testbed.sim.flow.tally import Tally
from testbed.sim.network import ALARM, COUNT
from testbed.sim.sketch import QuantileSketch


class Traffic(Push):
    """Where one run's messages went: counters, buffers, delivery clocks."""

    def __init__(self, graph: Graph, steady: SteadyState) -> None:
        top = graph.top
        nc, nm = len(top.consumers), len(top.machines)
        super().__init__(graph, steady, Tally.zero(nc, nm, len(top.servers)))
        # the run's counters
        self.totals = self.tally
        # each buffered route's buffer, by route index
        self.buffers = {r: Buffer(capacity) for r, capacity in graph.capacity.items()}
        # the (consumer, machine) pairs the last segment delivered to, until when: their
        # ``last`` is brought up to date only when they stop
        self.flowing: frozenset[tuple[int, int]] = frozenset()
        self.flowing_until = 0.0
        self.late_waited = [[0.0] * nm for _ in range(nc)]
        self.alarms = [[0.0] * nm for _ in range(nc)]
        self.alarm_sum = [[0.0] * nm for _ in range(nc)]
        self.last = [[0.0] * nm for _ in range(nc)]
        self.gap = [[0.0] * nm for _ in range(nc)]
        self.waited = [QuantileSketch() for _ in range(nc)]
        self.carry = [0.0] * nc

    # --- a segment ------------------------------------------------------------------------

    def replay(self, plan: Plan, t0: float, t1: float) -> None:
        """What of a segment in a planned state does not scale with its length: the gap clocks
        of pairs that start or stop receiving, and closed buffers filling."""
        d = t1 - t0
        if plan.reached is not self.flowing:
            for c, m in self.flowing - plan.reached:
                self.last[c][m] = t0
            for c, m in plan.reached - self.flowing:
                last = self.last[c][m]
                if t0 > last:
                    # the gap of the outage, and the normal one before the first arrival
                    self.gap[c][m] = max(self.gap[c][m],
                                         t0 - last + self.steady.normal_gap[c][m])
            self.flowing = plan.reached
        self.flowing_until = t1
        for fill in plan.fills:
            buffer = self.buffers[fill.route]
            slabs = [Slab(m, kind, n * d, t0, t1, False) for m, kind, n in fill.rates]
            self._overflow(fill.route, buffer.fill(slabs, t0, t1))
        for buffer in self.buffers.values():
            if buffer.content:
                buffer.hold(t1, d)

    def stop_flowing(self) -> None:
        """Bring the delivery clocks of the pairs still receiving up to date."""
        for c, m in self.flowing:
            self.last[c][m] = self.flowing_until
        self.flowing = frozenset()

    # --- an instant -----------------------------------------------------------------------

    def impulse(self, t: float, down: int, emitted: Sequence[tuple[int, int]]) -> None:
        """What happens at one instant, with the elements of ``down`` down: events machines
        emit, and buffers flushed by the routes that just opened, pushed through at once."""
        self.down = down
        graph = self.graph
        for m, kind in emitted:
            for origin in graph.machine_origins[m]:
                if origin.mask >> kind & 1:
                    slab = Slab(m, kind, 1.0, t, t, False)
                    self.emitted(m, origin, [slab])
                    self.into_route(origin.route, [slab], t, t,
                                    origin.poll_interval is not None)
        for origin in graph.polled:
            if self.buffers[origin.route].slabs:
                released = self.flush(origin.route)
                if released:
                    self.into_route(origin.route, released, t, t)
        flushed: dict[int, list[Slab]] = {}
        for r in graph.buffered_hops:
            if self.buffers[r].slabs:
                released = self.flush(r)
                if released:
                    flushed[r] = released
        if flushed or any(self.inbox):
            self.propagate(t, t, flushed)

    def crash(self, s: int) -> None:
        """A crash loses what translator ``s`` held: on average the window's mean number in
        the system, in the mix of what it receives."""
        queued = self.steady.in_system[s]
        down = self.graph.top.servers[s].down
        for (m, kind), share in self.steady.mix[s].items():
            self.lose(down, Slab(m, kind, queued * share, 0.0, 0.0, False), "crash")

    def buffered(self) -> float:
        return sum(b.content for b in self.buffers.values())

    def flush(self, r: int) -> list[Slab]:
        """Empty an opened route's buffer, spacing its messages by the slowest link."""
        buffer = self.buffers.get(r)
        if buffer is None or not buffer.slabs or not self.reachable(r):
            return []
        return buffer.release(self.graph.spacing[r], self.graph.sizes)

    def closed(self, r: int, slabs: list[Slab], t0: float, t1: float) -> None:
        buffer = self.buffers[r]
        if t0 == t1:
            self._overflow(r, buffer.take_in_order(slabs))
        else:
            self._overflow(r, buffer.fill(slabs, t0, t1))

    def _overflow(self, r: int, refused: list[Slab]) -> None:
        down = self.graph.top.routes[r].down
        for slab in refused:
            self.lose(down, slab, "buffer full")

    def deliver(self, c: int, slabs: list[Slab], t1: float) -> None:
        """Slabs reaching consumer ``c`` at an instant ``t1``."""
        deadline = self.graph.top.consumers[c].params.deadline
        steady = self.steady
        for m, kind, n, lo, hi, waited in slabs:
            if n <= 0:
                continue
            offset = steady.up_mean[c][steady.group[m]]
            if waited:
                # Created evenly over [lo, hi], delivered at t1: the wait is uniform.
                low, high = t1 - hi + offset, t1 - lo + offset
                # The sketch counts whole messages: the fraction left over is carried on.
                amount = n + self.carry[c]
                counted = self.waited[c].add_uniform(max(0.0, low), high, amount) \
                    if amount > 0 else 0
                self.carry[c] = amount - counted
                if high > deadline:
                    share = 1.0 if low >= deadline else (high - deadline) / (high - low)
                    self.late_waited[c][m] += n * share
                latency = (low + high) / 2
            else:
                self.tally.delivered_up[c][m] += n
                latency = offset
            if kind == COUNT:
                self.tally.counts[c][m] += n
            elif kind == ALARM:
                self.alarms[c][m] += n
                self.alarm_sum[c][m] += n * latency
            if (c, m) in self.flowing:
                # a pair whose data is flowing: its last delivery is now, so no gap ends here
                continue
            # everything arrives at once
            last = self.last[c][m]
            self.gap[c][m] = max(self.gap[c][m], t1 - last)
            self.last[c][m] = max(last, t1)
