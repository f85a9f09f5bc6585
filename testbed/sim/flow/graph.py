"""The topology as the flow engine walks it: bits for the state, and the order of translators.

Every element (link, server, consumer, machine, in the topology's element order) has one bit;
the network's state is the set of bits of the elements that are down. A route is reachable
when none of its links nor its target is down, which is one AND against :attr:`route_bits`.
Computed once per model from the :class:`~testbed.sim.topology.Topology`; nothing here changes
during a run.
"""

from __future__ import annotations

import math

from testbed.sim.topology import Kind, OriginNode, Ref, Topology


class Graph:
    def __init__(self, top: Topology) -> None:
        self.top = top
        self.masks = top.masks
        self.sizes = top.sizes
        refs: list[Ref] = top.elements()
        self.bits = [1 << e for e in range(len(refs))]
        self.link_bits = [self.bits[top.element(Ref(Kind.LINK, i))]
                          for i in range(len(top.links))]
        self.machine_bits = [self.bits[top.element(Ref(Kind.MACHINE, i))]
                             for i in range(len(top.machines))]
        # the machine of each element, None for the others
        self.machine_of = [ref.index if ref.kind is Kind.MACHINE else None for ref in refs]
        self.server_of = [ref.index if ref.kind is Kind.SERVER else None for ref in refs]
        self.target_bit = [self.bits[top.element(r.target)] for r in top.routes]
        self.route_bits = []
        for route, target in zip(top.routes, self.target_bit, strict=True):
            bits = target
            for i in route.links:
                bits |= self.link_bits[i]
            self.route_bits.append(bits)
        self.gate_bits = []
        for gate in top.gates:
            bits = self.bits[top.element(Ref(Kind.CONSUMER, gate.consumer))]
            for i in gate.links:
                bits |= self.link_bits[i]
            self.gate_bits.append(bits)
        # the routes each translator sends anything down, in the order it first does
        self.out: list[list[int]] = []
        for server in top.servers:
            routes: list[int] = []
            for row in server.forwards:
                routes.extend(f.route for f in row if f.route not in routes)
            self.out.append(routes)
        self.order = _topological(top)
        self.route_sender = {r.index: top.server_index[r.owner] for r in top.routes
                             if r.pair is not None}
        self.machine_origins: list[list[OriginNode]] = [top.machine_origins(m)
                                                        for m in range(len(top.machines))]
        self.polled = [o for o in top.origins if o.poll_interval is not None]
        # the routes with a store-and-forward buffer, and its capacity: a polled machine's
        # latch (unbounded) and the hops with room for messages
        self.capacity: dict[int, float] = {}
        for o in self.polled:
            self.capacity[o.route] = math.inf
        for r in top.hops:
            if r.capacity:
                self.capacity[r.index] = float(r.capacity)
        self.buffered_hops = [r.index for r in top.hops if r.capacity]
        self.spacing = [max((1.0 / top.links[i].spec.bandwidth for i in r.links), default=0.0)
                        for r in top.routes]
        self.passes = [self._passes(m) for m in range(len(top.machines))]

    def _passes(self, m: int) -> int:
        """The bits of the elements machine ``m``'s data passes (and its own): the state its
        share of a plan depends on."""
        top = self.top
        mask = self.machine_bits[m]
        routes = [o.route for o in self.machine_origins[m]]
        seen: set[int] = set()
        while routes:
            r = routes.pop()
            if r in seen:
                continue
            seen.add(r)
            mask |= self.route_bits[r]
            target = top.routes[r].target
            if target.kind is Kind.SERVER:
                routes.extend(f.route for f in top.servers[target.index].forwards[m])
        return mask


def _topological(top: Topology) -> list[int]:
    """Translators upstream first, so each forwards only once all its inputs have arrived."""
    order: list[int] = []
    seen: set[int] = set()

    def visit(s: int) -> None:
        if s in seen:
            return
        seen.add(s)
        for row in top.servers[s].forwards:
            for f in row:
                target = top.routes[f.route].target
                if target.kind is Kind.SERVER:
                    visit(target.index)
        order.append(s)

    for s in range(len(top.servers)):
        visit(s)
    return order[::-1]
