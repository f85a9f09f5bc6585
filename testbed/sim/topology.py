"""The shop elaborated once, for both engines: plain records with indices.

:func:`elaborate` takes the machines, the shop's network, an architecture's wiring and a
replication's seed and works out everything the run needs to know about their structure: the
links, translators (servers), consumers and machines, each with its index; the routes (one
hop from a sender over links in series to a receiver), the origins (where a machine's data
enters its first reader), what each translator forwards to whom, which consumers each
element feeds with each machine's data (for loss accounting), the production gates, and the
fault processes to draw. Nothing here runs or draws a random number.

The message-level :class:`~testbed.sim.model.FactoryModel` builds its SimPy objects from it;
the flow-level :class:`~testbed.sim.flow.FlowModel` walks it as it is. Elements that can be up
or down (links, servers, consumers, machines, in that order) also have one *element* index
each, the order of the run record's downtime and of the flow engine's state bits.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple

from testbed.params import Faults, LinkSpec, SoftwareParams, TranslatorParams
from testbed.sim.calendar import WorkingTime
from testbed.sim.network import KIND_NAMES
from testbed.wiring import MachineInstance, ShopNetwork, Wiring, WiringError

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


class Kind(Enum):
    """The four kinds of element that can be up or down."""

    LINK = "link"
    SERVER = "server"
    CONSUMER = "consumer"
    MACHINE = "machine"


@dataclass(frozen=True, slots=True)
class Ref:
    """One element: its kind and its index among its kind."""

    kind: Kind
    index: int


@dataclass(frozen=True)
class LinkNode:
    index: int
    name: str
    spec: LinkSpec


@dataclass
class ServerNode:
    """A translator. ``forwards[m]``: the routes it sends machine ``m``'s data down, each with
    the mask of kinds it carries; ``down[m]``: the consumers it feeds with that data."""

    index: int
    name: str
    params: TranslatorParams
    forwards: list[list[Forward]]
    down: list[list[int]]


@dataclass(frozen=True)
class ConsumerNode:
    index: int
    name: str
    params: SoftwareParams
    mask: int  # the kinds it subscribes to, one bit per kind


@dataclass(frozen=True)
class MachineNode:
    index: int
    name: str
    instance: MachineInstance


@dataclass
class RouteNode:
    """One hop: from ``owner`` (a machine's id for a first hop, else a translator's) over
    ``links`` to ``target``, with a store-and-forward buffer of ``capacity`` messages.
    ``pair`` is (sender, receiver) for a hop between components, None for a first hop.
    ``down[m]``: the consumers it feeds with machine ``m``'s data."""

    index: int
    owner: str
    pair: tuple[str, str] | None
    links: tuple[int, ...]
    target: Ref
    capacity: int
    down: list[list[int]]

    @property
    def name(self) -> str:
        assert self.pair is not None
        return f"{self.pair[0]}->{self.pair[1]}"


class Forward(NamedTuple):
    route: int
    mask: int


@dataclass
class OriginNode:
    """Where machine ``machine``'s data enters reader ``reader`` over route ``route``; a
    polled machine is read every ``poll_interval``."""

    index: int
    machine: int
    reader: int
    route: int
    mask: int
    poll_interval: float | None


@dataclass(frozen=True)
class GateNode:
    """A production gate: it watches consumer ``consumer`` and ``links``."""

    consumer: int
    links: tuple[int, ...]
    tolerance: float


@dataclass(frozen=True)
class FaultSource:
    """An element that fails and is repaired, and the names of its random stream. A machine's
    up times are ``operating`` time (the shop's working time), other elements' clock time."""

    element: Ref
    faults: Faults
    names: tuple[str, ...]
    operating: WorkingTime | None = None


@dataclass
class Topology:
    seed: int
    network: ShopNetwork
    wiring: Wiring
    links: list[LinkNode]
    servers: list[ServerNode]
    consumers: list[ConsumerNode]
    machines: list[MachineNode]
    # when machines work: the shop's calendar on the simulation's clock
    calendar: WorkingTime = field(default_factory=WorkingTime)
    # every route in the order it was wired: first hops and hops between components mixed
    routes: list[RouteNode] = field(default_factory=list)
    origins: list[OriginNode] = field(default_factory=list)
    gates: list[GateNode] = field(default_factory=list)
    # by name, for the wiring's and the scripted outages' references
    link_index: dict[str, int] = field(default_factory=dict)
    server_index: dict[str, int] = field(default_factory=dict)
    consumer_index: dict[str, int] = field(default_factory=dict)
    # hops between components by (sender, receiver), and first hops by (machine, reader)
    hop_index: dict[tuple[str, str], int] = field(default_factory=dict)
    origin_index: dict[tuple[int, str], int] = field(default_factory=dict)

    @property
    def masks(self) -> list[int]:
        return [c.mask for c in self.consumers]

    @property
    def sizes(self) -> list[int]:
        return [m.instance.params.message_bytes for m in self.machines]

    @property
    def hops(self) -> list[RouteNode]:
        """The routes between components (not first hops), in the order they were wired."""
        return [r for r in self.routes if r.pair is not None]

    def machine_origins(self, m: int) -> list[OriginNode]:
        return [o for o in self.origins if o.machine == m]

    def element(self, ref: Ref) -> int:
        """The element index: links, then servers, consumers and machines."""
        offset = 0
        for kind, size in ((Kind.LINK, len(self.links)), (Kind.SERVER, len(self.servers)),
                           (Kind.CONSUMER, len(self.consumers)),
                           (Kind.MACHINE, len(self.machines))):
            if kind is ref.kind:
                return offset + ref.index
            offset += size
        raise ValueError(ref)

    def elements(self) -> list[Ref]:
        """Every element in element order."""
        return [*(Ref(Kind.LINK, i) for i in range(len(self.links))),
                *(Ref(Kind.SERVER, i) for i in range(len(self.servers))),
                *(Ref(Kind.CONSUMER, i) for i in range(len(self.consumers))),
                *(Ref(Kind.MACHINE, i) for i in range(len(self.machines)))]

    def name(self, ref: Ref) -> str:
        nodes: dict[Kind, Sequence[LinkNode | ServerNode | ConsumerNode | MachineNode]] = {
            Kind.LINK: self.links, Kind.SERVER: self.servers, Kind.CONSUMER: self.consumers,
            Kind.MACHINE: self.machines}
        return nodes[ref.kind][ref.index].name

    def fault_sources(self) -> list[FaultSource]:
        """The elements that fail, in the order the message engine starts their processes:
        links, consumers, servers, machines."""
        sources: list[tuple[Ref, Faults | None, tuple[str, ...]]] = []
        for link in self.links:
            sources.append((Ref(Kind.LINK, link.index), link.spec.outages, ("link", link.name)))
        for c in self.consumers:
            sources.append((Ref(Kind.CONSUMER, c.index), c.params.availability,
                            ("software", c.name)))
        for s in self.servers:
            sources.append((Ref(Kind.SERVER, s.index), s.params.crashes, ("crash", s.name)))
        for m in self.machines:
            sources.append((Ref(Kind.MACHINE, m.index), m.instance.params.breakdowns,
                            ("breakdown", m.name)))
        return [FaultSource(ref, faults, names,
                            self.calendar if ref.kind is Kind.MACHINE else None)
                for ref, faults, names in sources if faults is not None]


def elaborate(machines: Sequence[MachineInstance], network: ShopNetwork, wiring: Wiring,
              seed: int, calendar: WorkingTime | None = None) -> Topology:
    """The structure of one architecture in one shop: see the module's docstring."""
    instances = list(machines)
    index = {m.id: i for i, m in enumerate(instances)}
    n = len(instances)
    consumer_ids = sorted({p.hops[-1] for p in wiring.paths})
    for cid in consumer_ids:
        if wiring.components[cid].category != "software":
            raise WiringError(f"data path ends at {cid!r}, which is not software")
    links = [LinkNode(i, name, spec) for i, (name, spec) in enumerate(network.links.items())]
    consumers = []
    for i, cid in enumerate(consumer_ids):
        params = wiring.components[cid].params
        assert isinstance(params, SoftwareParams)
        consumers.append(ConsumerNode(i, cid, params, _mask(params)))
    servers: list[ServerNode] = []
    for cid, placed in wiring.components.items():
        if placed.category == "translator":
            params = placed.params
            assert isinstance(params, TranslatorParams)
            servers.append(ServerNode(len(servers), cid, params, [[] for _ in instances],
                                      [[] for _ in instances]))
    top = Topology(seed, network, wiring, links, servers, consumers,
                   [MachineNode(i, m.id, m) for i, m in enumerate(instances)],
                   calendar or WorkingTime())
    top.link_index = {link.name: link.index for link in links}
    top.server_index = {s.name: s.index for s in servers}
    top.consumer_index = {c.name: c.index for c in consumers}
    for path in wiring.paths:
        if path.machine not in index:
            raise WiringError(f"data path from unknown machine {path.machine!r}")
        _wire_path(top, index[path.machine], path.hops, n)
    for consumer in consumers:
        params = consumer.params
        if not params.production_critical:
            continue
        # The line stops when the shop cannot reach the software: the software itself and
        # the links from the server room to it, not one machine's own link.
        watched = links_between("onprem", params.location, None, network)
        top.gates.append(GateNode(consumer.index, tuple(top.link_index[x] for x in watched),
                                  params.offline_tolerance))
    return top


def _target(top: Topology, hop: str) -> Ref:
    if hop in top.server_index:
        return Ref(Kind.SERVER, top.server_index[hop])
    return Ref(Kind.CONSUMER, top.consumer_index[hop])


def _route(top: Topology, owner: str, pair: tuple[str, str] | None, links: list[str],
           target: Ref, capacity: int, n: int) -> RouteNode:
    route = RouteNode(len(top.routes), owner, pair, tuple(top.link_index[x] for x in links),
                      target, capacity, [[] for _ in range(n)])
    top.routes.append(route)
    return route


def _wire_path(top: Topology, m: int, hops: tuple[str, ...], n: int) -> None:
    inst = top.machines[m].instance
    net, wiring = top.network, top.wiring
    if not hops or hops[0] not in top.server_index:
        raise WiringError(
            f"data path of {inst.id} must start at a translator (a driver, gateway or "
            f"adapter reads the machine), not at {hops[0] if hops else 'nothing'!r}")
    c = top.consumer_index[hops[-1]]
    mask = top.consumers[c].mask
    first = wiring.components[hops[0]]
    key = (m, hops[0])
    o = top.origin_index.get(key)
    if o is None:
        links = links_between(PORT, first.location, inst.link, net)
        route = _route(top, inst.id, None, links, _target(top, hops[0]), 0, n)
        poll = None
        if inst.params.interface == "poll":
            reader = first.params
            assert isinstance(reader, TranslatorParams)
            poll = max(reader.poll_interval, inst.params.min_poll_interval)
        o = top.origin_index[key] = len(top.origins)
        top.origins.append(OriginNode(o, m, top.server_index[hops[0]], route.index, 0, poll))
    origin = top.origins[o]
    origin.mask |= mask
    _add_down(top.routes[origin.route].down, m, c)
    for here, there in itertools.pairwise(hops):
        sender = top.servers[top.server_index[here]]
        _add_down(sender.down, m, c)
        r = top.hop_index.get((here, there))
        if r is None:
            links = links_between(sender.params.location, wiring.components[there].location,
                                  inst.link, net)
            r = _route(top, here, (here, there), links, _target(top, there),
                       sender.params.buffer_messages, n).index
            top.hop_index[(here, there)] = r
        _add_down(top.routes[r].down, m, c)
        forwards = sender.forwards[m]
        for i, (existing, existing_mask) in enumerate(forwards):
            if existing == r:
                forwards[i] = Forward(existing, existing_mask | mask)
                break
        else:
            forwards.append(Forward(r, mask))


def _add_down(down: list[list[int]], m: int, c: int) -> None:
    if c not in down[m]:
        down[m].append(c)


def _mask(params: SoftwareParams) -> int:
    mask = 0
    for kind in params.subscribes:
        mask |= 1 << KIND_NAMES.index(kind)
    return mask
