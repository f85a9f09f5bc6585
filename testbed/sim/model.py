"""Build a runnable factory from a shop and an architecture's wiring, run it, and record.

Elaboration happens once, here; the simulation that follows touches only the runtime objects
of :mod:`testbed.sim.network` and :mod:`testbed.sim.machines`.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from simpy import Environment

from testbed.params import Faults, LinkSpec, SoftwareParams, TranslatorParams
from testbed.seeds import stream
from testbed.sim.ledger import Ledger
from testbed.sim.machines import Machine, Origin, Process, ProductionGate
from testbed.sim.network import KIND_NAMES, Consumer, Link, Route, Server, Stateful
from testbed.sim.randomness import Sampler, fault_samplers, sampler
from testbed.sim.sketch import QuantileSketch
from testbed.wiring import MachineInstance, Placed, ShopNetwork, Wiring, WiringError

# After the horizon, sources stop and what is buffered gets this long to arrive; anything still
# in flight then is counted as lost. Two days outlasts the longest outages in the catalogue.
DRAIN_LIMIT_S = 2 * 86_400.0
_DRAIN_STEP_S = 60.0


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
    downtime: dict[str, float] = field(default_factory=dict)
    outages: dict[str, int] = field(default_factory=dict)
    servers: list[QueueRecord] = field(default_factory=list)
    buffers: list[QueueRecord] = field(default_factory=list)
    peak_buffer: dict[str, int] = field(default_factory=dict)
    in_flight_at_end: int = 0


PORT = "port"  # the machine's own interface, where its data starts


def links_between(origin: str, target: str, machine_link: str | None,
                  net: ShopNetwork) -> list[str]:
    """The links data crosses from one place to another, derived from where components sit.

    Places are the machine's port, a box mounted on the machine (``machine``), the shop floor
    (``edge``), the server room (``onprem``) and the ``cloud``. A machine on a serial line
    reaches a mounted box over that line, and the box reaches the shop over the backbone; a
    machine on the LAN or Wi-Fi reaches everything over that link, mounted boxes included.
    """
    serial = machine_link is not None and net.links[machine_link].kind == "serial"
    own = [machine_link] if machine_link else []
    backbone = [net.backbone] if net.backbone else []
    internet = [net.internet] if net.internet else []

    def to_shop(place: str) -> list[str]:
        """From a place to the shop's network (edge and onprem sit on it)."""
        if place == PORT:
            return own
        if place == "machine":
            return backbone if serial else own
        if place == "cloud":
            return internet
        return []

    if origin == target:
        return backbone if origin in ("edge", "onprem") else []
    if origin == PORT and target == "machine":
        return own if serial else []
    if {origin, target} <= {"edge", "onprem"}:
        return backbone
    if "cloud" in (origin, target) and {origin, target} <= {"cloud", "edge", "onprem"}:
        return internet
    return list(dict.fromkeys([*to_shop(origin), *reversed(to_shop(target))]))


class FactoryModel:
    """One architecture in one shop for one replication."""

    def __init__(self, machines: Sequence[MachineInstance], network: ShopNetwork,
                 wiring: Wiring, seed: int, *,
                 machine_class: Callable[..., Machine] = Machine,
                 consumer_class: Callable[..., Consumer] = Consumer) -> None:
        # Live mode passes subclasses that also publish what they make and receive.
        self.machine_class = machine_class
        self.consumer_class = consumer_class
        self.env = env = Environment()
        self.seed = seed
        self.instances = list(machines)
        index = {m.id: i for i, m in enumerate(self.instances)}
        n = len(self.instances)
        self.sizes = [m.params.message_bytes for m in self.instances]

        consumer_ids = sorted({p.hops[-1] for p in wiring.paths})
        for cid in consumer_ids:
            if wiring.components[cid].category != "software":
                raise WiringError(f"data path ends at {cid!r}, which is not software")
        masks = [_mask(wiring.components[c].params) for c in consumer_ids]  # type: ignore[arg-type]
        self.ledger = ledger = Ledger(masks, n)

        self.links = {name: self._link(spec) for name, spec in network.links.items()}
        self.consumers: dict[str, Consumer] = {}
        for i, cid in enumerate(consumer_ids):
            params = wiring.components[cid].params
            assert isinstance(params, SoftwareParams)
            consumer = consumer_class(env, ledger, cid, n, params.batch_interval,
                                      params.deadline)
            consumer.down = [[i] for _ in range(n)]
            self.consumers[cid] = consumer
            self._faults(consumer, params.availability, "software", cid)
        self.servers: dict[str, Server] = {}
        for cid, placed in wiring.components.items():
            if placed.category == "translator":
                self.servers[cid] = self._server(placed)

        self.machines: list[Machine] = []
        for i, inst in enumerate(self.instances):
            self.machines.append(self._machine(i, inst))

        self.routes: dict[tuple[str, str], Route] = {}
        self.origins: dict[tuple[int, str], Origin] = {}
        for path in wiring.paths:
            if path.machine not in index:
                raise WiringError(f"data path from unknown machine {path.machine!r}")
            self._wire_path(index[path.machine], path.hops, wiring, network, masks,
                            consumer_ids)
        self._start_sources()
        self._gates(wiring, network)

    # --- elaboration --------------------------------------------------------------------

    def _link(self, spec: LinkSpec) -> Link:
        link = Link(self.env, spec.name, sampler(spec.latency, stream(self.seed, "latency",
                                                                       spec.name)),
                    spec.bandwidth)
        self._faults(link, spec.outages, "link", spec.name)
        return link

    def _server(self, placed: Placed[TranslatorParams | SoftwareParams]) -> Server:
        p = placed.params
        assert isinstance(p, TranslatorParams)
        chance = stream(self.seed, "omission", placed.id).random
        server = Server(self.env, self.ledger, placed.id,
                        sampler(p.service_time, stream(self.seed, "service", placed.id)),
                        p.servers, p.queue_capacity, p.omission_probability, chance)
        server.routes = [[] for _ in self.instances]
        server.down = [[] for _ in self.instances]
        self._faults(server, p.crashes, "crash", placed.id)
        return server

    def _machine(self, i: int, inst: MachineInstance) -> Machine:
        p = inst.params
        rng = stream(self.seed, "machine", inst.id, "cycle")
        machine = self.machine_class(self.env, self.ledger, i, inst.id,
                                     sampler(p.cycle_time, rng), p.sample_interval)
        self._faults(machine, p.breakdowns, "breakdown", inst.id)
        return machine

    def _faults(self, element: Stateful, faults: Faults | None, *names: str) -> None:
        if faults is None:
            return
        up, down = fault_samplers(faults, stream(self.seed, "faults", *names))
        self.env.process(_alternate(self.env, element, up, down))

    def _receiver(self, hop: str) -> Server | Consumer:
        return self.servers[hop] if hop in self.servers else self.consumers[hop]

    def _wire_path(self, m: int, hops: tuple[str, ...], wiring: Wiring, net: ShopNetwork,
                   masks: list[int], consumer_ids: list[str]) -> None:
        inst = self.instances[m]
        if not hops or hops[0] not in self.servers:
            raise WiringError(
                f"data path of {inst.id} must start at a translator (a driver, gateway or "
                f"adapter reads the machine), not at {hops[0] if hops else 'nothing'!r}")
        c = consumer_ids.index(hops[-1])
        mask = masks[c]
        first = wiring.components[hops[0]]
        key = (m, hops[0])
        origin = self.origins.get(key)
        if origin is None:
            links = links_between(PORT, first.location, inst.link, net)
            route = Route(self.env, self.ledger, inst.id, [self.links[x] for x in links],
                          self.servers[hops[0]], self.sizes, 0)
            route.down = [[] for _ in self.instances]
            poll = None
            if inst.params.interface == "poll":
                reader = first.params
                assert isinstance(reader, TranslatorParams)
                poll = max(reader.poll_interval, inst.params.min_poll_interval)
            origin = Origin(route, 0, poll)
            self.origins[key] = origin
            self.machines[m].origins.append(origin)
        origin.mask |= mask
        _add_down(origin.route, m, c)
        for here, there in itertools.pairwise(hops):
            sender = self.servers[here]
            _add_down(sender, m, c)
            hop = self.routes.get((here, there))
            if hop is None:
                sender_params = wiring.components[here].params
                assert isinstance(sender_params, TranslatorParams)
                links = links_between(sender_params.location,
                                      wiring.components[there].location, inst.link, net)
                hop = Route(self.env, self.ledger, here, [self.links[x] for x in links],
                            self._receiver(there), self.sizes, sender_params.buffer_messages)
                hop.down = [[] for _ in self.instances]
                self.routes[(here, there)] = hop
            _add_down(hop, m, c)
            for i, (existing, existing_mask) in enumerate(sender.routes[m]):
                if existing is hop:
                    sender.routes[m][i] = (existing, existing_mask | mask)
                    break
            else:
                sender.routes[m].append((hop, mask))

    def _start_sources(self) -> None:
        env = self.env
        for machine, inst in zip(self.machines, self.instances, strict=True):
            env.process(machine.production())
            if inst.params.state_changes > 0:
                rate = inst.params.state_changes
                rng = stream(self.seed, "machine", inst.id, "state")
                env.process(machine.state_process(functools.partial(rng.expovariate, rate)))
            if inst.params.interface == "push":
                env.process(machine.pushing_samples())
            for (_, reader), origin in self.origins.items():
                if origin in machine.origins and origin.poll_interval is not None:
                    phase = stream(self.seed, "poll", reader, inst.id).uniform(
                        0, origin.poll_interval)
                    env.process(machine.polling(origin, phase))

    def _gates(self, wiring: Wiring, net: ShopNetwork) -> None:
        gates = []
        for cid, consumer in self.consumers.items():
            params = wiring.components[cid].params
            assert isinstance(params, SoftwareParams)
            if not params.production_critical:
                continue
            # The line stops when the shop cannot reach the software: the software itself and
            # the links from the server room to it, not one machine's own link.
            watched: list[Stateful] = [consumer]
            watched.extend(self.links[name] for name in
                           links_between("onprem", params.location, None, net))
            gates.append(ProductionGate(self.env, watched, params.offline_tolerance))
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
        record = RunRecord(
            horizon=horizon,
            machines=[m.id for m in self.instances],
            consumers=records,
            loss_reasons=Counter(self.ledger.reasons),
            parts=[m.parts for m in self.machines],
            blocked_time=[m.blocked_time for m in self.machines],
            mean_cycle=[m.params.cycle_time.mean for m in self.instances],
            breakdowns=[m.breakdowns for m in self.machines],
            in_flight_at_end=in_flight,
        )
        for element in (*self.links.values(), *self.servers.values(), *self.consumers.values(),
                        *self.machines):
            record.downtime[element.name] = element.downtime_until(horizon)
            record.outages[element.name] = element.outages
        for server in self.servers.values():
            server._account()
            record.servers.append(QueueRecord(
                server.name, server.area / end if end else 0.0, server.admitted,
                server.sojourn_sum / server.completed if server.completed else 0.0,
                server.completed, end))
        for (here, there), route in self.routes.items():
            name = f"{here}->{there}"
            record.peak_buffer[name] = route.peak_buffer
            if route.capacity:
                route._account()
                flushed = route.buffered_total - len(route.buffer)
                record.buffers.append(QueueRecord(
                    name, route.buffer_area / end if end else 0.0, route.buffered_total,
                    route.buffer_wait / flushed if flushed else 0.0, flushed, end))
        return record


def _alternate(env: Environment, element: Stateful, up: Sampler, down: Sampler) -> Process:
    while True:
        yield env.timeout(up())
        element.set_up(False)
        yield env.timeout(down())
        element.set_up(True)


def _add_down(element: Route | Server, m: int, c: int) -> None:
    down = element.down
    if c not in down[m]:
        down[m].append(c)


def _mask(params: SoftwareParams) -> int:
    mask = 0
    for kind in params.subscribes:
        mask |= 1 << KIND_NAMES.index(kind)
    return mask
