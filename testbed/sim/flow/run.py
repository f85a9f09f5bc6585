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

This module elaborates the shop (:class:`FlowModel`) and walks the run from change to change;
:mod:`~testbed.sim.flow_steady` reads the windows and works out the up state,
:mod:`~testbed.sim.flow_traffic` moves slabs (through :mod:`~testbed.sim.flow_buffer`'s buffers),
:mod:`~testbed.sim.flow_faults` draws and applies the state changes, :mod:`~testbed.sim.flow_plan`
keeps each state's rates, and :mod:`~testbed.sim.flow_record` writes the record.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence

from testbed.sim.flow_buffer import Buffer
from testbed.sim.flow_faults import FaultState
from testbed.sim.flow_plan import Plan, combine
from testbed.sim.flow_record import run_record
from testbed.sim.flow_steady import SteadyState
from testbed.sim.flow_traffic import Traffic
from testbed.sim.flow_window import Window, measure_windows
from testbed.sim.machines import Origin
from testbed.sim.model import DRAIN_LIMIT_S, FactoryModel, RunRecord
from testbed.sim.network import Route, Server, Stateful
from testbed.wiring import MachineInstance, ShopNetwork, Wiring

DEFAULT_WINDOW_S = 3600.0
# How many rates the remembered plans may hold in all (about 100 bytes each): a year of the
# SME shop visits about 200 states of a few hundred rates each and keeps them all.
PLAN_CELLS_KEPT = 1_000_000


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
        self.machine_index = {id(m): i for i, m in enumerate(self.machines)}
        self.origins: list[tuple[int, Origin]] = [(m, o) for (m, _), o in
                                                  structure.origins.items()]
        self.gates = self.machines[0].gates if self.machines else []
        self.order = [(id(s), s) for s in _topological(self.servers)]
        self.out: dict[int, list[Route]] = {}
        for server in self.servers.values():
            routes: list[Route] = []
            for row in server.routes:
                routes.extend(r for r, _ in row if r not in routes)
            self.out[id(server)] = routes
        self.buffers: dict[int, Buffer] = {}
        for _, o in self.origins:
            if o.poll_interval is not None:
                self.buffers[id(o.route)] = Buffer(math.inf)
        self.routes = structure.routes
        self.route_sender = {id(route): id(self.servers[here])
                             for (here, _), route in self.routes.items()}
        for route in self.routes.values():
            if route.capacity:
                self.buffers[id(route)] = Buffer(float(route.capacity))
        self.buffered_routes = [(id(r), r) for r in self.routes.values() if r.capacity]
        self.polled = [(m, o) for m, o in self.origins if o.poll_interval is not None]
        self.spacing = {id(r): max((link.byte_time for link in r.links), default=0.0)
                        for r in [*self.routes.values(), *(o.route for _, o in self.origins)]}
        self.sizes = structure.sizes
        elements: list[Stateful] = [*self.links.values(), *self.servers.values(),
                                    *self.consumers, *self.machines]
        self.bits = {id(e): 1 << i for i, e in enumerate(elements)}
        self.passes = [self._passes(m) for m in range(len(self.machines))]
        self.scripted: list[tuple[float, Stateful, bool]] = []

    def _passes(self, m: int) -> int:
        """The bits of the elements machine ``m``'s data passes (and its own): the state its
        share of a plan depends on."""
        mask = self.bits[id(self.machines[m])]
        routes = [o.route for o in self.machines[m].origins]
        seen: set[int] = set()
        while routes:
            route = routes.pop()
            if id(route) in seen:
                continue
            seen.add(id(route))
            for link in route.links:
                mask |= self.bits[id(link)]
            mask |= self.bits[id(route.target)]
            if isinstance(route.target, Server):
                routes.extend(r for r, _ in route.target.routes[m])
        return mask

    def schedule_outage(self, links: Sequence[str], start: float, length: float) -> None:
        """Force the named links down from ``start`` for ``length`` seconds, as
        :meth:`FactoryModel.schedule_outage` does."""
        for name in links:
            self.scripted += [(start, self.links[name], False),
                              (start + length, self.links[name], True)]

    # --- running ------------------------------------------------------------------------

    def run(self, horizon: float) -> RunRecord:
        return _FlowRun(self, horizon).run()


class _FlowRun:
    """One flow-level run: from one state change to the next until the horizon, then the
    drain of what is still buffered."""

    def __init__(self, model: FlowModel, horizon: float) -> None:
        self.model = model
        self.horizon = horizon
        windows = model.windows or measure_windows(
            model.instances, model.network, model.wiring, model.seed,
            min(model.window, horizon))
        self.steady = SteadyState(model, windows, horizon)
        self.traffic = Traffic(model, self.steady)
        self.faults = FaultState(model, horizon, self.steady, self.traffic)
        # the plans of the states visited, least recently used first, with the time spent
        # in each since its plan was made
        self.plans: OrderedDict[tuple[int, bool, bool], Plan] = OrderedDict()
        self.time_in: dict[tuple[int, bool, bool], float] = {}
        self.cells_kept = 0
        # each machine's shares, by the state of what its data passes and whether it produces
        self.shares: list[dict[tuple[int, bool | None], Plan]] = [
            {} for _ in model.instances]

    def run(self) -> RunRecord:
        traffic, faults = self.traffic, self.faults
        horizon = self.horizon
        deadline = horizon + DRAIN_LIMIT_S
        t = 0.0
        while True:
            nxt = faults.next_change(horizon if faults.running else deadline)
            self.segment(t, nxt)
            t = nxt
            if faults.running and t >= horizon:
                faults.end_production(t)
                if traffic.buffered() <= 0:
                    break
                continue
            if t >= deadline:
                break
            traffic.impulse(t, faults.happen(t))
            if not faults.running and traffic.buffered() <= 0:
                break
        self._settle()
        return run_record(self.model, self.steady, traffic, faults, t)

    def segment(self, t0: float, t1: float) -> None:
        d = t1 - t0
        if d <= 0:
            return
        key = self.faults.key()
        plan = self.plans.get(key)
        if plan is None:
            plan = self.plans[key] = self._plan()
            self.time_in[key] = 0.0
            self.cells_kept += len(plan.cells)
            # A big shop seldom returns to a state (each of hundreds of machines breaks down
            # on its own), so plans are forgotten, oldest first, once they hold too much.
            while self.cells_kept > PLAN_CELLS_KEPT and len(self.plans) > 1:
                self._settle_oldest()
        else:
            self.plans.move_to_end(key)
        # What is linear in time is added once, when the plan is forgotten or at the end, from
        # the time spent in its state.
        self.time_in[key] += d
        self.traffic.replay(plan, t0, t1)

    def _plan(self) -> Plan:
        """The present state's plan, from each machine's share in the state of what its data
        passes, worked out the first time the machine meets that state."""
        faults, model, traffic = self.faults, self.model, self.traffic
        shares = []
        for m, passes in enumerate(model.passes):
            producing = faults.producing(m) if faults.running else None
            key = (faults.down_mask & passes, producing)
            share = self.shares[m].get(key)
            if share is None:
                share = self.shares[m][key] = traffic.share(m, producing)
            shares.append(share)
        return combine(shares)

    def _settle_oldest(self) -> None:
        key, plan = self.plans.popitem(last=False)
        self.cells_kept -= len(plan.cells)
        self._add(plan, self.time_in.pop(key))

    def _add(self, plan: Plan, d: float) -> None:
        """A state's rates times the time spent in it, into the run's counters."""
        totals = self.traffic.totals
        for row, i, rate in plan.cells:
            row[i] += rate * d
        for server, rate in plan.arrivals:
            totals.arrivals[server] += rate * d
        for reason, rate in plan.reasons:
            totals.reasons[reason] += rate * d

    def _settle(self) -> None:
        """Add each state's rates times the time spent in it; stop the flowing clocks."""
        for key, d in self.time_in.items():
            self._add(self.plans[key], d)
        self.time_in = {}
        self.traffic.stop_flowing()


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
