"""Slabs moving through the network in one state: routes, translators, buffers, consumers.

:class:`Push` is what both of the flow engine's passes share: one unit of time of a machine's
traffic while its share of a plan is worked out (:class:`~testbed.sim.flow.plan.Planner`), and
what happens at an instant of the run, events and flushed buffers
(:class:`~testbed.sim.flow.traffic.Traffic`). It counts into a
:class:`~testbed.sim.flow.tally.Tally`; what a delivery and a closed buffer do is each pass's
own (:meth:`Push.deliver`, :meth:`Push.closed`).
"""

from __future__ import annotations

from testbed.sim.flow.buffer import Slab
from testbed.sim.flow.graph import Graph
from testbed.sim.flow.steady import SteadyState
from testbed.sim.flow.tally import Tally
from testbed.sim.network import SAMPLE
from testbed.sim.topology import Kind, OriginNode


class Push:
    def __init__(self, graph: Graph, steady: SteadyState, tally: Tally) -> None:
        self.graph = graph
        self.steady = steady
        self.tally = tally
        # the bits of the elements that are down: the state the pass moves slabs in
        self.down = 0
        # what has reached each translator (by index) and waits to be forwarded
        self.inbox: list[list[Slab]] = [[] for _ in graph.top.servers]

    # --- each pass's own ------------------------------------------------------------------

    def deliver(self, c: int, slabs: list[Slab], t1: float) -> None:
        """Slabs reaching consumer ``c`` at ``t1``."""
        raise NotImplementedError

    def closed(self, r: int, slabs: list[Slab], t0: float, t1: float) -> None:
        """Slabs reaching route ``r``'s buffer while the route is closed."""
        raise NotImplementedError

    # --- accounting -----------------------------------------------------------------------

    def emitted(self, m: int, origin: OriginNode, slabs: list[Slab]) -> None:
        masks = self.graph.masks
        generated = self.tally.generated
        for c in self.graph.top.routes[origin.route].down[m]:
            generated[c][m] += sum(s.amount for s in slabs if masks[c] >> s.kind & 1)

    def lose(self, down: list[list[int]], slab: Slab, reason: str) -> None:
        """Lose a slab where ``down`` (an element's consumers per machine) says whose it is."""
        m, kind, n = slab.machine, slab.kind, slab.amount
        if n <= 0:
            return
        masks = self.graph.masks
        for c in down[m]:
            if masks[c] >> kind & 1:
                self.tally.lost[c][m] += n
                self.tally.reasons[reason] += n

    # --- moving slabs -----------------------------------------------------------------

    def reachable(self, r: int) -> bool:
        return not self.down & self.graph.route_bits[r]

    def into_route(self, r: int, slabs: list[Slab], t0: float, t1: float,
                   polled: bool = False) -> None:
        if not slabs:
            return
        route = self.graph.top.routes[r]
        if self.reachable(r):
            target = route.target
            if target.kind is Kind.CONSUMER:
                self.deliver(target.index, slabs, t1)
            else:
                self.inbox[target.index].extend(slabs)
            return
        reason = "receiver down" if self.down & self.graph.target_bit[r] else "outage"
        if polled:
            # A polled machine's latched events wait for a poll that gets through; a sample
            # read by a failing poll is lost.
            for slab in slabs:
                if slab.kind == SAMPLE:
                    self.lose(route.down, slab, reason)
            slabs = [s for s in slabs if s.kind != SAMPLE]
        elif r not in self.graph.capacity:
            for slab in slabs:
                self.lose(route.down, slab, reason)
            return
        self.closed(r, slabs, t0, t1)

    def forward(self, s: int, t0: float, t1: float, flushed: dict[int, list[Slab]]) -> None:
        """Translator ``s`` passes on what reached it: less the share its waiting room turned
        away in the window and the share it omits, fanned out by what each route carries."""
        slabs = self.inbox[s]
        self.inbox[s] = []
        self.tally.arrivals[s] += sum(slab.amount for slab in slabs)
        block, omit = self.steady.block[s], self.steady.omit[s]
        server = self.graph.top.servers[s]
        out = self.graph.out[s]
        onward: dict[int, list[Slab]] = {r: list(flushed.get(r, ())) for r in out}
        for m, kind, n, lo, hi, waited in slabs:
            if block:
                self.lose(server.down, Slab(m, kind, n * block, lo, hi, waited), "queue full")
                n *= 1 - block
            if omit:
                self.lose(server.down, Slab(m, kind, n * omit, lo, hi, waited),
                          "omitted in handling")
                n *= 1 - omit
            for r, mask in server.forwards[m]:
                if mask >> kind & 1:
                    onward[r].append(Slab(m, kind, n, lo, hi, waited))
        for r in out:
            self.into_route(r, onward[r], t0, t1)

    def propagate(self, t0: float, t1: float, flushed: dict[int, list[Slab]]) -> None:
        """Forward, upstream first, every translator that has something to pass on: slabs in
        its inbox, or a flushed buffer on one of its routes (``flushed``, by route)."""
        inbox = self.inbox
        sending = {self.graph.route_sender[r] for r in flushed}
        for s in self.graph.order:
            if inbox[s] or s in sending:
                self.forward(s, t0, t1, flushed)
