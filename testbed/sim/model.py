"""Build a runnable factory from a shop and an architecture's wiring, run it, and record.

Elaboration happens once, in :func:`testbed.sim.topology.elaborate`; this module turns the
topology into the SimPy objects of :mod:`testbed.sim.network` and :mod:`testbed.sim.machines`,
which are all the simulation that follows touches.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterator, Sequence

from simpy import Environment

from testbed.seeds import stream
from testbed.sim.calendar import WorkingTime
from testbed.sim.faults import renewal
from testbed.sim.ledger import Ledger
from testbed.sim.machines import Machine, Origin, Process, ProductionGate
from testbed.sim.network import Consumer, Link, Route, Server, Stateful
from testbed.sim.randomness import sampler
from testbed.sim.record import ConsumerRecord, HopRecord, QueueRecord, RunRecord, run_record
from testbed.sim.topology import (
    Kind,
    LinkNode,
    MachineNode,
    Ref,
    ServerNode,
    elaborate,
)
from testbed.wiring import MachineInstance, ShopNetwork, Wiring

__all__ = ["DRAIN_LIMIT_S", "FactoryModel"]

# After the horizon, sources stop and what is buffered gets this long to arrive; anything still
# in flight then is counted as lost. Two days outlasts the longest outages in the catalogue.
DRAIN_LIMIT_S = 2 * 86_400.0
_DRAIN_STEP_S = 60.0


class FactoryModel:
    """One architecture in one shop for one replication, at message level."""

    def __init__(self, machines: Sequence[MachineInstance], network: ShopNetwork,
                 wiring: Wiring, seed: int, *, calendar: WorkingTime | None = None,
                 machine_class: Callable[..., Machine] = Machine,
                 consumer_class: Callable[..., Consumer] = Consumer) -> None:
        # Live mode passes subclasses that also publish what they make and receive.
        self.machine_class = machine_class
        self.consumer_class = consumer_class
        self.env = env = Environment()
        self.seed = seed
        self.topology = top = elaborate(machines, network, wiring, seed, calendar)
        self.instances = [m.instance for m in top.machines]
        n = len(self.instances)
        self.sizes = top.sizes
        self.ledger = ledger = Ledger(top.masks, n)

        self.links = {node.name: self._link(node) for node in top.links}
        self.consumers: dict[str, Consumer] = {}
        for node in top.consumers:
            params = node.params
            consumer = consumer_class(env, ledger, node.name, n, params.batch_interval,
                                      params.deadline)
            consumer.down = [[node.index] for _ in range(n)]
            # Each consumer's batch clock has its own phase, as software started at its own
            # moment would: with one clock for all, a sample interval that is a multiple of
            # the batch interval would always wait a whole batch.
            consumer.batch_phase = stream(seed, "batch-phase", node.name).uniform(
                0, params.batch_interval)
            self.consumers[node.name] = consumer
        self.servers = {node.name: self._server(node) for node in top.servers}
        self.machines: list[Machine] = [self._machine(node) for node in top.machines]
        self._start_faults()
        self._wire()
        self._start_sources()
        self._gates()

    # --- elaboration: SimPy objects for the topology's nodes ----------------------------

    def _link(self, node: LinkNode) -> Link:
        spec = node.spec
        return Link(self.env, spec.name, sampler(spec.latency, stream(self.seed, "latency",
                                                                       spec.name)),
                    spec.bandwidth)

    def _server(self, node: ServerNode) -> Server:
        p = node.params
        chance = stream(self.seed, "omission", node.name).random
        server = Server(self.env, self.ledger, node.name,
                        sampler(p.service_time, stream(self.seed, "service", node.name)),
                        p.servers, p.queue_capacity, p.omission_probability, chance)
        server.down = node.down
        return server

    def _machine(self, node: MachineNode) -> Machine:
        p = node.instance.params
        rng = stream(self.seed, "machine", node.name, "cycle")
        machine = self.machine_class(self.env, self.ledger, node.index, node.name,
                                     sampler(p.cycle_time, rng), p.sample_interval)
        machine.calendar = self.topology.calendar
        return machine

    def element(self, ref: Ref) -> Stateful:
        """The SimPy object of one of the topology's elements."""
        if ref.kind is Kind.LINK:
            return self.link_list[ref.index]
        if ref.kind is Kind.SERVER:
            return self.server_list[ref.index]
        if ref.kind is Kind.CONSUMER:
            return self.consumer_list[ref.index]
        return self.machines[ref.index]

    def _start_faults(self) -> None:
        self.link_list = list(self.links.values())
        self.server_list = list(self.servers.values())
        self.consumer_list = list(self.consumers.values())
        for source in self.topology.fault_sources():
            changes = renewal(source.faults, self.seed, *source.names,
                              operating=source.operating)
            self.env.process(_alternate(self.env, self.element(source.element), changes))

    def _wire(self) -> None:
        top = self.topology
        routes = []
        for node in top.routes:
            target: Server | Consumer = self.element(node.target)  # type: ignore[assignment]
            route = Route(self.env, self.ledger, node.owner,
                          [self.link_list[i] for i in node.links], target, self.sizes,
                          node.capacity)
            route.down = node.down
            routes.append(route)
        self.routes: dict[tuple[str, str], Route] = {
            node.pair: routes[node.index] for node in top.routes if node.pair is not None}
        self.origins: dict[tuple[int, str], Origin] = {}
        for onode in top.origins:
            origin = Origin(routes[onode.route], onode.mask, onode.poll_interval)
            self.origins[(onode.machine, top.servers[onode.reader].name)] = origin
            self.machines[onode.machine].origins.append(origin)
        for snode, server in zip(top.servers, self.server_list, strict=True):
            server.routes = [[(routes[f.route], f.mask) for f in row] for row in snode.forwards]

    def _start_sources(self) -> None:
        env = self.env
        for machine, inst in zip(self.machines, self.instances, strict=True):
            env.process(machine.production())
            if inst.params.state_changes > 0:
                rate = inst.params.state_changes
                rng = stream(self.seed, "machine", inst.id, "state")
                env.process(machine.state_process(functools.partial(rng.expovariate, rate)))
            if inst.params.interface == "push":
                # Each machine publishes on a phase of its own, drawn as a poller's is: in
                # step, N publishers would queue as one burst at every interval.
                interval = inst.params.sample_interval
                phase = stream(self.seed, "push-phase", inst.id).uniform(0, interval)
                env.process(machine.pushing_samples(phase))
            for (_, reader), origin in self.origins.items():
                if origin in machine.origins and origin.poll_interval is not None:
                    phase = stream(self.seed, "poll", reader, inst.id).uniform(
                        0, origin.poll_interval)
                    env.process(machine.polling(origin, phase))

    def _gates(self) -> None:
        gates = []
        for node in self.topology.gates:
            watched: list[Stateful] = [self.consumer_list[node.consumer]]
            watched.extend(self.link_list[i] for i in node.links)
            gates.append(ProductionGate(self.env, watched, node.tolerance))
        for machine in self.machines:
            machine.gates = gates

    # --- running ------------------------------------------------------------------------

    def schedule_outage(self, links: Sequence[str], start: float, length: float) -> None:
        """Force the named links down from ``start`` for ``length`` seconds: the scripted
        outages of the what-ifs, the verification of resilience claims, live mode and the
        tests. Both fidelities take the same arguments."""
        targets = [self.links[name] for name in links]

        def outage() -> Process:
            yield self.env.timeout(start)
            for link in targets:
                link.set_up(False)
            yield self.env.timeout(length)
            for link in targets:
                link.set_up(True)

        self.env.process(outage())

    def in_flight(self) -> int:
        generated = sum(sum(row) for row in self._generated())
        delivered = sum(sum(c.delivered) for c in self.consumers.values())
        lost = sum(sum(row) for row in self.ledger.lost)
        return generated - delivered - lost

    def _generated(self) -> list[list[int]]:
        n = len(self.instances)
        generated = [[0] * n for _ in self.consumers]
        masks = self.ledger.masks
        for (m, _), origin in self.origins.items():
            for c in origin.route.down[m]:
                generated[c][m] += sum(count for kind, count in enumerate(origin.counts)
                                       if masks[c] >> kind & 1)
        return generated

    def run(self, horizon: float) -> RunRecord:
        env = self.env
        env.run(until=horizon)
        for machine in self.machines:
            machine.running = False
        deadline = horizon + DRAIN_LIMIT_S
        while env.now < deadline and self.in_flight() > 0:
            env.run(until=min(deadline, env.now + _DRAIN_STEP_S))
        return self._record(horizon)

    def snapshot(self) -> RunRecord:
        """The run so far, without a drain: what is still in flight is left out of the
        figures (neither generated nor lost), as a live run that stops now must."""
        return self._record(self.env.now, settle=False)

    def _record(self, horizon: float, settle: bool = True) -> RunRecord:
        generated = self._generated()
        in_flight = self.in_flight()
        records = []
        for c, (cid, consumer) in enumerate(self.consumers.items()):
            lost = list(self.ledger.lost[c])
            for m in range(len(self.instances)):
                missing = generated[c][m] - consumer.delivered[m] - lost[m]
                if missing <= 0:
                    continue
                if settle:
                    # Whatever is still in flight after the drain never arrived: it is lost.
                    lost[m] += missing
                    self.ledger.reasons["undelivered at end"] += missing
                else:
                    generated[c][m] -= missing
            consumer.close_gaps(horizon)
            records.append(ConsumerRecord(
                cid, cid, generated[c], list(consumer.delivered), list(consumer.late), lost,
                list(consumer.max_gap), consumer.latency, list(consumer.counts_delivered),
                list(consumer.alarm_count), list(consumer.alarm_sum)))
        end = self.env.now
        servers = []
        for server in self.server_list:
            server._account()
            servers.append(QueueRecord(
                server.name, server.area / end if end else 0.0, server.admitted,
                server.sojourn_sum / server.completed if server.completed else 0.0,
                server.completed, end))
        hops = []
        for node in self.topology.hops:
            assert node.pair is not None
            route = self.routes[node.pair]
            hop = HopRecord(route.peak_buffer)
            if route.capacity:
                route._account()
                flushed = route.buffered_total - len(route.buffer)
                hop.buffer = QueueRecord(
                    node.name, route.buffer_area / end if end else 0.0, route.buffered_total,
                    route.buffer_wait / flushed if flushed else 0.0, flushed, end)
            hops.append(hop)
        elements = [self.element(ref) for ref in self.topology.elements()]
        return run_record(
            self.topology, horizon, consumers=records,
            loss_reasons=Counter(self.ledger.reasons),
            parts=[m.parts for m in self.machines],
            blocked_time=[m.blocked_time for m in self.machines],
            breakdowns=[m.breakdowns for m in self.machines],
            in_flight=in_flight,
            downtime=[e.downtime_until(horizon) for e in elements],
            outages=[e.outages for e in elements],
            servers=servers, hops=hops)


def _alternate(env: Environment, element: Stateful,
               changes: Iterator[tuple[float, bool]]) -> Process:
    """An element's faults as a SimPy process: wait for each change, then make it."""
    for wait, up in changes:
        yield env.timeout(wait)
        element.set_up(up)
