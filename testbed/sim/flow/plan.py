"""What a segment of the flow-level run does, worked out once per network state.

Between two state changes the flow engine's traffic is steady, so every figure a segment moves
(messages generated, delivered, lost and why, parts made, arrivals at translators) is its
rate in that state times the segment's length. A small shop returns to the same few states
over and over (everything up; one Wi-Fi link down; the broadband down), so the engine keeps each
state's rates as a :class:`Plan`, and from then on a segment costs a pass over the plan's
non-zero rates. A plan is put together from each machine's share (one unit of time of that
machine's traffic pushed through), which depends only on the elements its data passes, so a
big shop, whose hundreds of machines break down each on its own and seldom bring it back to a
state, still pushes each machine's traffic through only a few times. Two things are not
proportional to the length and are replayed, not scaled: the visibility gaps of the
consumer-machine pairs that receive anything, and what fills a closed route's buffer (its room
depends on its content).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from testbed.sim.flow.buffer import Slab
from testbed.sim.flow.graph import Graph
from testbed.sim.flow.push import Push
from testbed.sim.flow.steady import SteadyState, emission_rates
from testbed.sim.flow.tally import PARTS, Tally
from testbed.sim.network import ALARM, COUNT


class Inflow(NamedTuple):
    """What of one machine's messages of one kind reaches a closed buffer in a unit of time."""

    machine: int
    kind: int
    rate: float


class Fill(NamedTuple):
    """What reaches one closed route's buffer in a unit of time."""

    route: int
    rates: list[Inflow]


class Cell(NamedTuple):
    """One rate of a plan: ``counter[consumer][machine] += rate * d`` (``parts[machine]`` for
    PARTS, whose consumer is -1)."""

    counter: int
    consumer: int
    machine: int
    rate: float


@dataclass
class Plan:
    """One unit of time in one state: the rates of the counters it moves, ``arrivals`` by
    server index."""

    cells: list[Cell]
    arrivals: list[tuple[int, float]]
    reasons: list[tuple[str, float]]
    # the (consumer, machine) pairs that receive something: their gap clocks restart
    reached: frozenset[tuple[int, int]]
    fills: list[Fill]


class Planner(Push):
    """Works out machines' shares of plans: one unit of time of a machine's traffic pushed
    through the network in a given state.

    :meth:`share` is a function of the graph, the up state and its arguments alone (the run
    keeps each result and never asks twice); the tally it counts into is scratch, back at zero
    after every call.
    """

    def __init__(self, graph: Graph, steady: SteadyState) -> None:
        top = graph.top
        super().__init__(graph, steady,
                         Tally.zero(len(top.consumers), len(top.machines), len(top.servers)))
        self.fills: list[Fill] = []

    def share(self, down: int, m: int, producing: bool | None) -> Plan:
        """Machine ``m``'s share of the plan of the state in which the elements of ``down``
        (bits) are down: one unit of time of its traffic pushed through, the rates of
        everything linear in time and what reaches closed buffers. ``producing`` says whether
        it makes parts; None once the horizon has passed and machines emit nothing."""
        self.down = down
        unit = self.tally
        self.fills = []
        inst = self.graph.top.machines[m].instance
        if producing is not None:
            if producing:
                unit.parts[m] += 1 / inst.params.cycle_time.mean
            for origin in self.graph.machine_origins[m]:
                slabs = [Slab(m, kind, rate, 0.0, 1.0, False)
                         for kind, rate in emission_rates(inst, origin, producing)]
                self.emitted(m, origin, slabs)
                self.into_route(origin.route, slabs, 0.0, 1.0,
                                origin.poll_interval is not None)
            self.propagate(0.0, 1.0, {})
        share = _machine_plan(unit, m, self.fills)
        unit.clear(m)
        return share

    def deliver(self, c: int, slabs: list[Slab], t1: float) -> None:
        """In a unit of time: counted, with no gap clock (the pair's data is flowing). A unit
        of time carries rates of counts, state changes and samples, never alarms (they come
        at instants) nor waited messages (flushes come at instants)."""
        tally = self.tally
        for m, kind, n, _lo, _hi, waited in slabs:
            if n <= 0:
                continue
            assert not waited and kind != ALARM
            tally.delivered_up[c][m] += n
            if kind == COUNT:
                tally.counts[c][m] += n

    def closed(self, r: int, slabs: list[Slab], t0: float, t1: float) -> None:
        """Into a closed buffer: recorded, to fill it as each segment's arrivals."""
        self.fills.append(Fill(r, [Inflow(m, kind, n) for m, kind, n, *_ in slabs]))


def _machine_plan(unit: Tally, m: int, fills: list[Fill]) -> Plan:
    """Machine ``m``'s share of a plan: the non-zero rates of its column of ``unit``."""
    cells: list[Cell] = []
    for counter, matrix in enumerate(unit.matrices()):
        for c, row in enumerate(matrix):
            if row[m]:
                cells.append(Cell(counter, c, m, row[m]))
    if unit.parts[m]:
        cells.append(Cell(PARTS, -1, m, unit.parts[m]))
    reached = frozenset((c, m) for c, row in enumerate(unit.delivered_up) if row[m] > 0)
    return Plan(cells, [(s, r) for s, r in enumerate(unit.arrivals) if r],
                [(k, r) for k, r in unit.reasons.items() if r], reached, fills)


def combine(shares: list[Plan]) -> Plan:
    """A state's plan from its machines' shares. A machine's traffic meets no other's at flow
    level (a translator turns away the same share of everyone's), so the shares add up: their
    cells are disjoint, arrivals and loss reasons sum, and what reaches a closed buffer is
    gathered per route, to fill it in proportion as one arrival stream."""
    cells: list[Cell] = []
    arrivals: defaultdict[int, float] = defaultdict(float)
    reasons: defaultdict[str, float] = defaultdict(float)
    reached: set[tuple[int, int]] = set()
    fills: dict[int, Fill] = {}
    for share in shares:
        cells.extend(share.cells)
        for server, rate in share.arrivals:
            arrivals[server] += rate
        for reason, rate in share.reasons:
            reasons[reason] += rate
        reached.update(share.reached)
        for fill in share.fills:
            if fill.route in fills:
                fills[fill.route].rates.extend(fill.rates)
            else:
                fills[fill.route] = Fill(fill.route, list(fill.rates))
    return Plan(cells, list(arrivals.items()), list(reasons.items()), frozenset(reached),
                list(fills.values()))
