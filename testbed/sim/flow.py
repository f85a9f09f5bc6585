"""The flow-level engine: traffic as rates between state changes, buffers in closed form.

It elaborates the shop exactly as the message-level engine does (it builds a
:class:`~testbed.sim.model.FactoryModel` and reads its links, routes, translators, consumers,
origins and production gates without running it), draws every outage, crash, software
failure and breakdown from the same seeded fault streams, and walks from one state change to
the next. Between two changes nothing is random: each machine emits each kind of message at a
constant rate, each route is open or closed, and the traffic of the segment moves as *slabs*
(an amount of one machine's messages of one kind, created evenly over a span of time):

* through an open route to the next translator or to the consumer;
* into a closed route's store-and-forward buffer, which fills at the arrival rate up to its
  capacity (the rest is lost, "buffer full"), or, with no buffer, lost ("outage", "receiver
  down"); a polled machine's latched events wait for the next successful poll instead;
* out of a buffer all at once when its route opens again, spaced by the route's slowest link,
  as the message engine flushes it.

Latencies of traffic that never waited are the short fault-free message-level window's
(:mod:`testbed.sim.flow_window`), scaled to the deliveries; a message that waited in a buffer
has the wait computed from its slab. The cost grows with the number of state changes, not the
number of messages. docs/architecture.md says what is approximated; docs/metrics.md how each
figure is derived.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from testbed.metrics.stats import QuantileSketch
from testbed.params import Exponential, Faults, SoftwareParams, TranslatorParams
from testbed.sim.flow_plan import Plan, Rates, Tally, compile_plan
from testbed.sim.flow_window import Window, measure_windows
from testbed.sim.machines import Origin
from testbed.sim.model import (
    DRAIN_LIMIT_S,
    ConsumerRecord,
    FactoryModel,
    QueueRecord,
    RunRecord,
    ShopNetwork,
)
from testbed.sim.network import ALARM, COUNT, SAMPLE, STATE, Consumer, Route, Server, Stateful
from testbed.sim.queueing import expected_longest_exponential_gap, mean_residual, mmck_blocking
from testbed.sim.randomness import fault_samplers, stream
from testbed.wiring import MachineInstance, Wiring

DEFAULT_WINDOW_S = 3600.0

# (machine, kind, amount, earliest creation, latest creation, waited in a buffer)
Slab = tuple[int, int, float, float, float, bool]

_FAULT, _SET, _EXPIRE = 0, 1, 2
# (time, action, sequence number, what changes): the sequence number keeps the heap from ever
# comparing two payloads
_Event = tuple[float, int, int, Any]


def _changes(faults: Faults, seed: int, *names: str) -> Iterator[tuple[float, bool]]:
    """The alternating renewal process the message engine's ``_alternate`` draws, the same
    draws in the same order: common random numbers across fidelities and architectures."""
    up, down = fault_samplers(faults, stream(seed, "faults", *names))
    t = 0.0
    while True:
        t += up()
        yield t, False
        t += down()
        yield t, True


@dataclass
class _Buffer:
    capacity: float
    slabs: list[Slab] = field(default_factory=list)
    content: float = 0.0
    peak: float = 0.0
    area: float = 0.0
    arrivals: float = 0.0
    # the end of the last segment whose arrivals _fill already counted in the area
    filled_until: float = -1.0


class FlowModel:
    """One architecture in one shop for one replication, at flow level."""

    def __init__(self, machines: Sequence[MachineInstance], network: ShopNetwork,
                 wiring: Wiring, seed: int, window: float = DEFAULT_WINDOW_S,
                 windows: list[Window] | None = None) -> None:
        """``windows``: up-state windows already measured for this shop and wiring (shared by
        a region study's replications); by default each run measures its own."""
        self.instances = list(machines)
        self.network = network
        self.wiring = wiring
        self.seed = seed
        self.window = window
        self.windows = windows
        structure = FactoryModel(machines, network, wiring, seed)
        self.links = structure.links
        self.servers = structure.servers
        self.consumers = list(structure.consumers.values())
        self.consumer_index = {id(c): i for i, c in enumerate(self.consumers)}
        self.masks = structure.ledger.masks
        self.machines = structure.machines
        self.origins: list[tuple[int, Origin]] = [(m, o) for (m, _), o in
                                                  structure.origins.items()]
        self.gates = self.machines[0].gates if self.machines else []
        self.order = _topological(self.servers)
        self.out: dict[int, list[Route]] = {}
        for server in self.servers.values():
            routes: list[Route] = []
            for row in server.routes:
                routes.extend(r for r, _ in row if r not in routes)
            self.out[id(server)] = routes
        self.buffers: dict[int, _Buffer] = {}
        for _, o in self.origins:
            if o.poll_interval is not None:
                self.buffers[id(o.route)] = _Buffer(math.inf)
        self.routes = structure.routes
        for route in self.routes.values():
            if route.capacity:
                self.buffers[id(route)] = _Buffer(float(route.capacity))
        self.buffered_routes = [(id(r), r) for r in self.routes.values() if r.capacity]
        self.polled = [(m, o) for m, o in self.origins if o.poll_interval is not None]
        self.spacing = {id(r): max((link.byte_time for link in r.links), default=0.0)
                        for r in [*self.routes.values(), *(o.route for _, o in self.origins)]}
        self.sizes = structure.sizes
        elements: list[Stateful] = [*self.links.values(), *self.servers.values(),
                                    *self.consumers, *self.machines]
        self.bits = {id(e): 1 << i for i, e in enumerate(elements)}
        self._scripted: list[tuple[float, Stateful, bool]] = []

    def schedule_outage(self, links: Sequence[str], start: float, length: float) -> None:
        """Force the named links down from ``start`` for ``length`` seconds, as
        :meth:`FactoryModel.schedule_outage` does."""
        for name in links:
            self._scripted += [(start, self.links[name], False),
                               (start + length, self.links[name], True)]

    # --- running ------------------------------------------------------------------------

    def run(self, horizon: float) -> RunRecord:
        return _FlowRun(self, horizon).run()


class _FlowRun:
    """The state of one flow-level run: counters per (consumer, machine), buffers, gates."""

    def __init__(self, model: FlowModel, horizon: float) -> None:
        self.model = model
        self.horizon = horizon
        nc, nm = len(model.consumers), len(model.instances)
        self.servers = [id(s) for s in model.servers.values()]
        # the run's counters, and the ones being written: a plan's while one is worked out
        self.totals = self.tally = Tally.zero(nc, nm, self.servers)
        self.recording: list[tuple[Route, Rates]] | None = None
        self.plans: dict[tuple[int, bool, bool], Plan] = {}
        self.time_in: dict[tuple[int, bool, bool], float] = {}
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
        self.blocked = [0.0] * nm
        self.breakdowns = [0] * nm
        self.downtime: dict[int, float] = {}
        self.down_since: dict[int, float] = {}
        self.outages: dict[int, int] = {}
        self.inbox: dict[int, list[Slab]] = {id(s): [] for s in model.servers.values()}
        self.running = True
        self.gate_reachable = [True] * len(model.gates)
        self.gate_epoch = [0] * len(model.gates)
        self.gate_blocked = [False] * len(model.gates)
        # one bit per element that is down: with running and blocked, the plan's key
        self.down_mask = 0
        self.blocked_since = 0.0
        self.windows = model.windows or measure_windows(
            model.instances, model.network, model.wiring, model.seed,
            min(model.window, horizon))
        self._read_windows()
        self._steady_rates()

    # --- what the windows and theory give ----------------------------------------------

    def _read_windows(self) -> None:
        model = self.model
        index = {m.id: i for i, m in enumerate(model.instances)}
        self.group = [0] * len(model.instances)
        for g, window in enumerate(self.windows):
            for name in window.machines:
                self.group[index[name]] = g
        nc = len(model.consumers)
        self.up_mean = [[0.0] * len(self.windows) for _ in range(nc)]
        self.late_share = [[0.0] * len(model.instances) for _ in range(nc)]
        self.normal_gap = [[0.0] * len(model.instances) for _ in range(nc)]
        for c, consumer in enumerate(model.consumers):
            for g, window in enumerate(self.windows):
                seen = window.consumers.get(consumer.name)
                if seen is None:
                    continue
                if seen.latency.count:
                    self.up_mean[c][g] = seen.latency.mean
                pooled_late = sum(seen.late.values()) / max(1, sum(seen.delivered.values()))
                for name in window.machines:
                    m = index[name]
                    got = seen.delivered.get(name, 0)
                    self.late_share[c][m] = seen.late[name] / got if got else pooled_late
                    self.normal_gap[c][m] = seen.max_gap.get(name, 0.0) if got else 0.0
        for c in range(nc):
            for m, inst in enumerate(model.instances):
                rate = self._poisson_rate(c, inst)
                if rate <= 0:
                    continue
                seen_gap = self.normal_gap[c][m]
                if seen_gap > 0:
                    # The longest of N gaps with an exponential tail of this rate grows by
                    # ln(k) / rate when N grows k-fold: from the window's span to the run's.
                    span = self.windows[self.group[m]].length
                    self.normal_gap[c][m] = seen_gap + math.log(max(1.0, self.horizon / span)) \
                        / rate
                else:
                    self.normal_gap[c][m] = expected_longest_exponential_gap(rate, self.horizon)
        self.in_system: dict[int, float] = {}
        for server in model.servers.values():
            self.in_system[id(server)] = sum(w.servers[server.name].in_system
                                             for w in self.windows if server.name in w.servers)

    def _poisson_rate(self, c: int, inst: MachineInstance) -> float:
        """Rate of the machine's traffic to the consumer when all of it is Poisson (state
        changes, and counts when the cycle is exponential), else 0: the longest normal gap of
        Poisson traffic grows with the horizon, which a short window cannot show, while
        regular traffic (samples, counts of a steady cycle) keeps the window's longest gap."""
        mask = self.model.masks[c]
        params = inst.params
        if mask >> SAMPLE & 1:
            return 0.0
        rate = params.state_changes if mask >> STATE & 1 else 0.0
        if mask >> COUNT & 1:
            if not isinstance(params.cycle_time, Exponential):
                return 0.0
            rate += 1.0 / params.cycle_time.mean
        return rate

    def _steady_rates(self) -> None:
        """Arrival rates at each translator with everything up: the M/M/c/K share it turns
        away, and the mix of what a crash finds queued."""
        model = self.model
        arrivals: dict[int, dict[tuple[int, int], float]] = {id(s): {} for s in
                                                              model.servers.values()}
        for m, origin in model.origins:
            target = arrivals[id(origin.route.target)]
            for kind, rate in self._rates(m, origin, producing=True):
                target[(m, kind)] = target.get((m, kind), 0.0) + rate
        self.block: dict[int, float] = {}
        self.omit: dict[int, float] = {}
        for server in model.order:
            params = model.wiring.components[server.name].params
            assert isinstance(params, TranslatorParams)
            here = arrivals[id(server)]
            total = sum(here.values())
            block = mmck_blocking(total, params.service_time.mean, params.servers,
                                  params.queue_capacity)
            self.block[id(server)] = block
            self.omit[id(server)] = params.omission_probability
            passed = (1 - block) * (1 - params.omission_probability)
            for (m, kind), rate in here.items():
                for route, mask in server.routes[m]:
                    if mask >> kind & 1 and isinstance(route.target, Server):
                        there = arrivals[id(route.target)]
                        there[(m, kind)] = there.get((m, kind), 0.0) + rate * passed
        self.mix = {key: {mk: r / sum(rates.values()) for mk, r in rates.items()}
                    for key, rates in arrivals.items() if sum(rates.values()) > 0}

    def _rates(self, m: int, origin: Origin, producing: bool) -> list[tuple[int, float]]:
        params = self.model.instances[m].params
        rates = []
        if origin.mask >> COUNT & 1 and producing:
            rates.append((COUNT, 1.0 / params.cycle_time.mean))
        if origin.mask >> STATE & 1 and params.state_changes > 0:
            rates.append((STATE, params.state_changes))
        if origin.mask >> SAMPLE & 1:
            interval = origin.poll_interval or params.sample_interval
            rates.append((SAMPLE, 1.0 / interval))
        return rates

    # --- accounting ---------------------------------------------------------------------

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
            offset = self.up_mean[c][self.group[m]]
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
            self._take_in_order(route, buffer, slabs)
        else:
            self._fill(route, buffer, slabs, t0, t1)

    def _fill(self, route: Route, buffer: _Buffer, slabs: list[Slab], t0: float,
              t1: float) -> None:
        """Slabs arriving at a steady rate over [t0, t1] into a closed route's buffer: it
        takes the first ``room / arriving`` share of each, and loses the rest."""
        arriving = sum(s[2] for s in slabs)
        room = buffer.capacity - buffer.content
        taken = 1.0 if arriving <= room else room / arriving
        for m, kind, n, lo, hi, _ in slabs:
            if taken > 0:
                buffer.slabs.append((m, kind, n * taken, lo, lo + (hi - lo) * taken, True))
            if taken < 1:
                self.lose(route, (m, kind, n * (1 - taken), lo, hi, False), "buffer full")
        accepted = min(arriving, room)
        d = t1 - t0
        fill_time = d * accepted / arriving if arriving else d
        buffer.area += (buffer.content + accepted / 2) * fill_time \
            + (buffer.content + accepted) * (d - fill_time)
        buffer.content += accepted
        buffer.arrivals += accepted
        buffer.filled_until = t1
        buffer.peak = max(buffer.peak, buffer.content)

    def _take_in_order(self, route: Route, buffer: _Buffer, slabs: list[Slab]) -> None:
        """A burst (a flush upstream) into a closed buffer: first come, first kept."""
        for m, kind, n, lo, hi, _ in slabs:
            room = buffer.capacity - buffer.content
            take = min(n, room)
            if take > 0:
                buffer.slabs.append((m, kind, take, lo, lo + (hi - lo) * take / n, True))
                buffer.content += take
                buffer.arrivals += take
            if take < n:
                self.lose(route, (m, kind, n - take, lo, hi, False), "buffer full")
        buffer.peak = max(buffer.peak, buffer.content)

    def flush(self, route: Route) -> list[Slab]:
        """Empty an opened route's buffer, spacing its messages by the slowest link."""
        buffer = self.model.buffers.get(id(route))
        if buffer is None or not buffer.slabs or not route.reachable():
            return []
        spacing = self.model.spacing[id(route)]
        sizes = self.model.sizes
        out: list[Slab] = []
        before = 0.0
        for m, kind, n, lo, hi, _ in buffer.slabs:
            after = before + n * sizes[m] * spacing
            first, last = lo - before, hi - after
            out.append((m, kind, n, min(first, last), max(first, last), True))
            before = after
        buffer.slabs = []
        buffer.content = 0.0
        return out

    def forward(self, server: Server, t0: float, t1: float,
                flushed: dict[int, list[Slab]]) -> None:
        """A translator passes on what reached it: less the M/M/c/K share its waiting room
        turns away and the share it omits, fanned out by what each route carries."""
        slabs = self.inbox[id(server)]
        if not slabs and not any(id(r) in flushed for r in self.model.out[id(server)]):
            return
        self.inbox[id(server)] = []
        self.tally.arrivals[id(server)] += sum(s[2] for s in slabs)
        block, omit = self.block[id(server)], self.omit[id(server)]
        onward: dict[int, list[Slab]] = {id(r): list(flushed.get(id(r), ()))
                                         for r in self.model.out[id(server)]}
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
        for server in self.model.order:
            self.forward(server, t0, t1, flushed)

    # --- segments and events ------------------------------------------------------------

    def producing(self, m: int) -> bool:
        return self.model.machines[m].up and not any(self.gate_blocked)

    def segment(self, t0: float, t1: float) -> None:
        d = t1 - t0
        if d <= 0:
            return
        key = (self.down_mask, self.running, any(self.gate_blocked))
        plan = self.plans.get(key)
        if plan is None:
            plan = self.plans[key] = self._plan()
            self.time_in[key] = 0.0
        # What is linear in time is added once, at the end, from the time spent in each state.
        self.time_in[key] += d
        if plan.reached is not self.flowing:
            for c, m in self.flowing - plan.reached:
                self.last[c][m] = t0
            for c, m in plan.reached - self.flowing:
                last = self.last[c][m]
                if t0 > last:
                    # the gap of the outage, and the normal one before the first arrival
                    self.gap[c][m] = max(self.gap[c][m], t0 - last + self.normal_gap[c][m])
            self.flowing = plan.reached
        self.flowing_until = t1
        for route, rates in plan.fills:
            self._fill(route, self.model.buffers[id(route)],
                       [(m, kind, n * d, t0, t1, False) for m, kind, n in rates], t0, t1)
        for buffer in self.model.buffers.values():
            if buffer.filled_until != t1:
                buffer.area += buffer.content * d

    def _plan(self) -> Plan:
        """Push one unit of time of the present state's traffic through, into a tally of its
        own: the rates of everything linear in time, and what reaches closed buffers."""
        model = self.model
        self.tally = Tally.zero(len(model.consumers), len(model.instances), self.servers)
        self.recording = []
        if self.running:
            for m in range(len(model.instances)):
                if self.producing(m):
                    self.tally.parts[m] += 1 / model.instances[m].params.cycle_time.mean
            for m, origin in model.origins:
                slabs = [(m, kind, rate, 0.0, 1.0, False)
                         for kind, rate in self._rates(m, origin, self.producing(m))]
                self._emitted(m, origin, slabs)
                self.into_route(origin.route, slabs, 0.0, 1.0, origin.poll_interval is not None)
        self.propagate(0.0, 1.0, {})
        plan = compile_plan(self.tally, self.totals, self.recording)
        self.tally, self.recording = self.totals, None
        return plan

    def _emitted(self, m: int, origin: Origin, slabs: list[Slab]) -> None:
        masks = self.model.masks
        for c in origin.route.down[m]:
            self.tally.generated[c][m] += sum(s[2] for s in slabs if masks[c] >> s[1] & 1)

    def impulse(self, t: float, emitted: list[tuple[int, int]]) -> None:
        """What happens at one instant: events machines emit, and buffers flushed by the
        routes that just opened, pushed through at once."""
        model = self.model
        for m, kind in emitted:
            for mm, origin in model.origins:
                if mm == m and origin.mask >> kind & 1:
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

    def set_state(self, element: Stateful, up: bool, t: float) -> list[tuple[int, int]]:
        """Change one element's state; return the (machine, kind) events it emits."""
        if element.up == up:
            return []
        element.up = up
        self.down_mask ^= self.model.bits[id(element)]
        key = id(element)
        if up:
            self.downtime[key] = self.downtime.get(key, 0.0) + t - self.down_since[key]
        else:
            self.outages[key] = self.outages.get(key, 0) + 1
            self.down_since[key] = t
            if isinstance(element, Server):
                self._crash(element)
        machine = next((i for i, mm in enumerate(self.model.machines) if mm is element), None)
        if machine is None or not self.running:
            return []
        if not up:
            self.breakdowns[machine] += 1
            return [(machine, ALARM)]
        return [(machine, STATE)]

    def _crash(self, server: Server) -> None:
        """A crash loses what the translator held: on average the window's mean number in
        the system, in the mix of what it receives."""
        queued = self.in_system.get(id(server), 0.0)
        for (m, kind), share in self.mix.get(id(server), {}).items():
            self.lose(server, (m, kind, queued * share, 0.0, 0.0, False), "crash")

    def gates_changed(self, t: float, events: list[_Event]) -> None:
        for g, gate in enumerate(self.model.gates):
            reachable = all(w.up for w in gate.watched)
            if reachable == self.gate_reachable[g]:
                continue
            self.gate_reachable[g] = reachable
            self.gate_epoch[g] += 1
            if reachable:
                self._unblock(g, t)
            else:
                expiry = (g, self.gate_epoch[g])
                heapq.heappush(events, (t + gate.tolerance, _EXPIRE, self._seq(), expiry))

    def _seq(self) -> int:
        self._counter += 1
        return self._counter

    def _unblock(self, g: int, t: float) -> None:
        if not self.gate_blocked[g]:
            return
        self.gate_blocked[g] = False
        if not any(self.gate_blocked):
            stop = min(t, self.horizon) - self.blocked_since
            for m, inst in enumerate(self.model.instances):
                # The machine runs on into the stop until its cycle under way ends.
                self.blocked[m] += max(0.0, stop - mean_residual(inst.params.cycle_time))

    def _expire(self, g: int, epoch: int, t: float) -> None:
        if epoch != self.gate_epoch[g] or self.gate_reachable[g] or t >= self.horizon:
            return
        if not any(self.gate_blocked):
            self.blocked_since = t
        self.gate_blocked[g] = True

    def _fault_events(self) -> list[_Event]:
        model = self.model
        sources: list[tuple[Stateful, Faults | None, tuple[str, ...]]] = []
        for name, link in model.links.items():
            sources.append((link, model.network.links[name].outages, ("link", name)))
        for cid, server in model.servers.items():
            params = model.wiring.components[cid].params
            assert isinstance(params, TranslatorParams)
            sources.append((server, params.crashes, ("crash", cid)))
        for consumer in model.consumers:
            params = model.wiring.components[consumer.name].params
            assert isinstance(params, SoftwareParams)
            sources.append((consumer, params.availability, ("software", consumer.name)))
        for machine, inst in zip(model.machines, model.instances, strict=True):
            sources.append((machine, inst.params.breakdowns, ("breakdown", inst.id)))
        events: list[_Event] = []
        for element, faults, names in sources:
            if faults is None:
                continue
            changes = _changes(faults, model.seed, *names)
            t, up = next(changes)
            events.append((t, _FAULT, self._seq(), (element, up, changes)))
        for t, element, up in model._scripted:
            events.append((t, _SET, self._seq(), (element, up)))
        heapq.heapify(events)
        return events

    def buffered(self) -> float:
        return sum(b.content for b in self.model.buffers.values())

    def run(self) -> RunRecord:
        self._counter = 0
        events = self._fault_events()
        horizon = self.horizon
        deadline = horizon + DRAIN_LIMIT_S
        t = 0.0
        while True:
            limit = horizon if self.running else deadline
            nxt = events[0][0] if events and events[0][0] < limit else limit
            self.segment(t, nxt)
            t = nxt
            if self.running and t >= horizon:
                self.running = False
                self._unblock_all(t)
                if self.buffered() <= 0:
                    break
                continue
            if t >= deadline:
                break
            emitted: list[tuple[int, int]] = []
            while events and events[0][0] == t:
                _, action, _, payload = heapq.heappop(events)
                if action == _FAULT:
                    emitted += self.set_state(payload[0], payload[1], t)
                    changes = payload[2]
                    nt, nup = next(changes)
                    heapq.heappush(events, (nt, _FAULT, self._seq(),
                                            (payload[0], nup, changes)))
                elif action == _SET:
                    emitted += self.set_state(payload[0], payload[1], t)
                else:
                    self._expire(payload[0], payload[1], t)
            self.gates_changed(t, events)
            self.impulse(t, emitted)
            if not self.running and self.buffered() <= 0:
                break
        return self._record(t)

    def _unblock_all(self, t: float) -> None:
        for g in range(len(self.gate_blocked)):
            self._unblock(g, t)

    # --- the record ---------------------------------------------------------------------

    def _settle(self) -> None:
        """Add each state's rates times the time spent in it; stop the flowing clocks."""
        totals = self.totals
        for key, d in self.time_in.items():
            plan = self.plans[key]
            for row, i, rate in plan.cells:
                row[i] += rate * d
            for server, rate in plan.arrivals:
                totals.arrivals[server] += rate * d
            for reason, rate in plan.reasons:
                totals.reasons[reason] += rate * d
        for c, m in self.flowing:
            self.last[c][m] = self.flowing_until
        self.time_in, self.flowing = {}, frozenset()

    def _record(self, end: float) -> RunRecord:
        self._settle()
        model = self.model
        horizon = self.horizon
        in_flight = 0.0
        for route in [*model.routes.values(), *(o.route for _, o in model.origins)]:
            buffer = model.buffers.get(id(route))
            if buffer is None:
                continue
            for slab in buffer.slabs:
                in_flight += slab[2]
                self.lose(route, slab, "undelivered at end")
        records = []
        for c, consumer in enumerate(model.consumers):
            records.append(self._consumer_record(c, consumer))
        reasons = Counter({k: round(v) for k, v in self.totals.reasons.items() if round(v) > 0})
        record = RunRecord(
            horizon=horizon,
            machines=[m.id for m in model.instances],
            consumers=records,
            loss_reasons=reasons,
            parts=[round(p) for p in self.totals.parts],
            blocked_time=list(self.blocked),
            mean_cycle=[m.params.cycle_time.mean for m in model.instances],
            breakdowns=list(self.breakdowns),
            in_flight_at_end=round(in_flight),
        )
        elements: list[Stateful] = [*model.links.values(), *model.servers.values(),
                                    *model.consumers, *model.machines]
        for element in elements:
            key = id(element)
            down = self.downtime.get(key, 0.0)
            if not element.up:
                down += max(0.0, horizon - self.down_since[key])
            record.downtime[element.name] = min(down, horizon)
            record.outages[element.name] = self.outages.get(key, 0)
        for server in model.servers.values():
            seen = [w.servers[server.name] for w in self.windows if server.name in w.servers]
            completed = sum(s.completed for s in seen)
            sojourn = sum(s.mean_sojourn * s.completed for s in seen) / completed \
                if completed else 0.0
            arrivals = round(self.totals.arrivals[id(server)])
            record.servers.append(QueueRecord(server.name, self.in_system[id(server)],
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

    def _consumer_record(self, c: int, consumer: Consumer) -> ConsumerRecord:
        """Whole counts from expected ones: generated and lost are rounded, delivered is what
        is left, so generated = delivered + lost holds exactly for every machine."""
        nm = len(self.model.instances)
        generated = [round(x) for x in self.totals.generated[c]]
        lost = [min(round(x), g) for x, g in zip(self.totals.lost[c], generated, strict=True)]
        delivered = [g - x for g, x in zip(generated, lost, strict=True)]
        late = []
        unbuffered = self.totals.delivered_up[c]
        for m in range(nm):
            expected = unbuffered[m] * self.late_share[c][m] + self.late_waited[c][m]
            late.append(min(round(expected), delivered[m]))
        latency = QuantileSketch()
        for g, window in enumerate(self.windows):
            seen = window.consumers.get(consumer.name)
            if seen is None or seen.latency.count == 0:
                continue
            up = sum(unbuffered[m] for m in range(nm) if self.group[m] == g)
            latency.add_scaled(seen.latency, up / seen.latency.count)
        latency.merge(self.waited[c])
        gaps = []
        for m in range(nm):
            if delivered[m] == 0:
                gaps.append(self.horizon)
                continue
            gaps.append(max(self.gap[c][m], self.normal_gap[c][m],
                            self.horizon - self.last[c][m]))
        return ConsumerRecord(
            consumer.name, consumer.name, generated, delivered, late, lost, gaps, latency,
            [round(x) for x in self.totals.counts[c]], [round(x) for x in self.alarms[c]],
            list(self.alarm_sum[c]))


def _topological(servers: dict[str, Server]) -> list[Server]:
    """Translators upstream first, so each forwards only once all its inputs have arrived."""
    order: list[Server] = []
    seen: set[int] = set()

    def visit(server: Server) -> None:
        if id(server) in seen:
            return
        seen.add(id(server))
        for row in server.routes:
            for route, _ in row:
                if isinstance(route.target, Server):
                    visit(route.target)
        order.append(server)

    for server in servers.values():
        visit(server)
    return order[::-1]
