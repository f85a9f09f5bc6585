"""The flow-level run's traffic: slabs through routes, translators and buffers to consumers.

Everything that moves is counted into a :class:`~testbed.sim.flow_plan.Tally`: the run's own
at an instant (an impulse), or a machine's own while one unit of time of its traffic in a
state is pushed through. What does not scale with a segment's length (visibility gaps, waited
latencies, buffers filling) is kept here per consumer and machine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from testbed.sim.flow_buffer import Slab
from testbed.sim.flow_plan import Plan, Rates, Tally, machine_plan
from testbed.sim.flow_steady import SteadyState, emission_rates
from testbed.sim.machines import Origin
from testbed.sim.network import ALARM, COUNT, SAMPLE, Consumer, Route, Server
from testbed.sim.sketch import QuantileSketch

if TYPE_CHECKING:
    from testbed.sim.flow import FlowModel


class Traffic:
    """Where one run's messages went: counters, translators' inboxes, delivery clocks."""

    def __init__(self, model: FlowModel, steady: SteadyState) -> None:
        self.model = model
        self.steady = steady
        nc, nm = len(model.consumers), len(model.instances)
        self.servers = [id(s) for s in model.servers.values()]
        # the run's counters, and the ones being written: a machine's share while one is
        # worked out
        self.totals = self.tally = Tally.zero(nc, nm, self.servers)
        # where a machine's share of a plan is counted, column by column
        self.unit = Tally.zero(nc, nm, self.servers)
        self.recording: list[tuple[Route, Rates]] | None = None
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
        self.inbox: dict[int, list[Slab]] = {id(s): [] for s in model.servers.values()}

    # --- one unit of time, and a segment ------------------------------------------------

    def share(self, m: int, producing: bool | None) -> Plan:
        """Push one unit of time of machine ``m``'s traffic in the present state through, into
        a tally of its own: the rates of everything linear in time, and what reaches closed
        buffers. ``producing`` says whether it makes parts; None once the horizon has passed
        and machines emit nothing."""
        model = self.model
        unit = self.tally = self.unit
        self.recording = []
        if producing is not None:
            if producing:
                unit.parts[m] += 1 / model.instances[m].params.cycle_time.mean
            for origin in model.machines[m].origins:
                slabs = [(m, kind, rate, 0.0, 1.0, False)
                         for kind, rate in emission_rates(model.instances[m], origin,
                                                          producing)]
                self._emitted(m, origin, slabs)
                self.into_route(origin.route, slabs, 0.0, 1.0, origin.poll_interval is not None)
            self.propagate(0.0, 1.0, {})
        share = machine_plan(unit, self.totals, m, self.recording)
        unit.clear(m)
        self.tally, self.recording = self.totals, None
        return share

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
        for route, rates in plan.fills:
            buffer = self.model.buffers[id(route)]
            slabs = [(m, kind, n * d, t0, t1, False) for m, kind, n in rates]
            self._overflow(route, buffer.fill(slabs, t0, t1))
        for buffer in self.model.buffers.values():
            if buffer.content:
                buffer.hold(t1, d)

    def stop_flowing(self) -> None:
        """Bring the delivery clocks of the pairs still receiving up to date."""
        for c, m in self.flowing:
            self.last[c][m] = self.flowing_until
        self.flowing = frozenset()

    def impulse(self, t: float, emitted: list[tuple[int, int]]) -> None:
        """What happens at one instant: events machines emit, and buffers flushed by the
        routes that just opened, pushed through at once."""
        model = self.model
        for m, kind in emitted:
            for origin in model.machines[m].origins:
                if origin.mask >> kind & 1:
                    slab: Slab = (m, kind, 1.0, t, t, False)
                    self._emitted(m, origin, [slab])
                    self.into_route(origin.route, [slab], t, t,
                                    origin.poll_interval is not None)
        for _, origin in model.polled:
            if model.buffers[id(origin.route)].slabs:
                released = self.flush(origin.route)
                if released:
                    self.into_route(origin.route, released, t, t)
        flushed: dict[int, list[Slab]] = {}
        for buffer_id, route in model.buffered_routes:
            if model.buffers[buffer_id].slabs:
                released = self.flush(route)
                if released:
                    flushed[id(route)] = released
        if flushed or any(self.inbox.values()):
            self.propagate(t, t, flushed)

    def buffered(self) -> float:
        return sum(b.content for b in self.model.buffers.values())

    # --- accounting ---------------------------------------------------------------------

    def _emitted(self, m: int, origin: Origin, slabs: list[Slab]) -> None:
        masks = self.model.masks
        for c in origin.route.down[m]:
            self.tally.generated[c][m] += sum(s[2] for s in slabs if masks[c] >> s[1] & 1)

    def lose(self, where: Route | Server, slab: Slab, reason: str) -> None:
        m, kind, n = slab[0], slab[1], slab[2]
        if n <= 0:
            return
        masks = self.model.masks
        for c in where.down[m]:
            if masks[c] >> kind & 1:
                self.tally.lost[c][m] += n
                self.tally.reasons[reason] += n

    def deliver(self, consumer: Consumer, slabs: list[Slab], t1: float) -> None:
        """Slabs reaching a consumer at ``t1``: at an impulse, or in a plan's unit of time."""
        c = self.model.consumer_index[id(consumer)]
        deadline = consumer.deadline
        for m, kind, n, lo, hi, waited in slabs:
            if n <= 0:
                continue
            offset = self.steady.up_mean[c][self.steady.group[m]]
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
            if self.recording is not None or (c, m) in self.flowing:
                # a plan's unit of time, or a pair whose data is flowing: its last delivery
                # is now, so no gap ends here
                continue
            # an impulse: everything arrives at once
            last = self.last[c][m]
            self.gap[c][m] = max(self.gap[c][m], t1 - last)
            self.last[c][m] = max(last, t1)

    # --- moving slabs -------------------------------------------------------------------

    def into_route(self, route: Route, slabs: list[Slab], t0: float, t1: float,
                   polled: bool = False) -> None:
        if not slabs:
            return
        if route.reachable():
            target = route.target
            if isinstance(target, Consumer):
                self.deliver(target, slabs, t1)
            else:
                self.inbox[id(target)].extend(slabs)
            return
        buffer = self.model.buffers.get(id(route))
        if polled:
            # A polled machine's latched events wait for a poll that gets through; a sample
            # read by a failing poll is lost.
            reason = "outage" if route.target.up else "receiver down"
            for slab in slabs:
                if slab[1] == SAMPLE:
                    self.lose(route, slab, reason)
            slabs = [s for s in slabs if s[1] != SAMPLE]
        elif buffer is None:
            reason = "outage" if route.target.up else "receiver down"
            for slab in slabs:
                self.lose(route, slab, reason)
            return
        assert buffer is not None
        if self.recording is not None:
            self.recording.append((route, [(m, kind, n) for m, kind, n, *_ in slabs]))
        elif t0 == t1:
            self._overflow(route, buffer.take_in_order(slabs))
        else:
            self._overflow(route, buffer.fill(slabs, t0, t1))

    def _overflow(self, route: Route, refused: list[Slab]) -> None:
        for slab in refused:
            self.lose(route, slab, "buffer full")

    def flush(self, route: Route) -> list[Slab]:
        """Empty an opened route's buffer, spacing its messages by the slowest link."""
        buffer = self.model.buffers.get(id(route))
        if buffer is None or not buffer.slabs or not route.reachable():
            return []
        return buffer.release(self.model.spacing[id(route)], self.model.sizes)

    def forward(self, server: Server, t0: float, t1: float,
                flushed: dict[int, list[Slab]]) -> None:
        """A translator passes on what reached it: less the M/M/c/K share its waiting room
        turns away and the share it omits, fanned out by what each route carries."""
        sid = id(server)
        slabs = self.inbox[sid]
        self.inbox[sid] = []
        self.tally.arrivals[sid] += sum(s[2] for s in slabs)
        block, omit = self.steady.block[sid], self.steady.omit[sid]
        onward: dict[int, list[Slab]] = {id(r): list(flushed.get(id(r), ()))
                                         for r in self.model.out[sid]}
        for m, kind, n, lo, hi, waited in slabs:
            if block:
                self.lose(server, (m, kind, n * block, lo, hi, waited), "queue full")
                n *= 1 - block
            if omit:
                self.lose(server, (m, kind, n * omit, lo, hi, waited), "omitted in handling")
                n *= 1 - omit
            for route, mask in server.routes[m]:
                if mask >> kind & 1:
                    onward[id(route)].append((m, kind, n, lo, hi, waited))
        for route in self.model.out[id(server)]:
            self.into_route(route, onward[id(route)], t0, t1)

    def propagate(self, t0: float, t1: float, flushed: dict[int, list[Slab]]) -> None:
        """Forward, upstream first, every translator that has something to pass on: slabs in
        its inbox, or a flushed buffer on one of its routes."""
        inbox = self.inbox
        sending = {self.model.route_sender[r] for r in flushed}
        for sid, server in self.model.order:
            if inbox[sid] or sid in sending:
                self.forward(server, t0, t1, flushed)
