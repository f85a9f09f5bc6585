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
from dataclasses import dataclass, field

from testbed.sim.network import Route

# what reaches a closed buffer in one unit of time: (machine, kind, amount)
Rates = list[tuple[int, int, float]]


@dataclass
class Tally:
    """The counters that are linear in time: the run's own, or one machine's for one unit of
    time while its share of a plan is worked out."""

    generated: list[list[float]]
    lost: list[list[float]]
    delivered_up: list[list[float]]
    counts: list[list[float]]
    parts: list[float]
    arrivals: dict[int, float]
    reasons: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))

    @classmethod
    def zero(cls, consumers: int, machines: int, servers: list[int]) -> Tally:
        def matrix() -> list[list[float]]:
            return [[0.0] * machines for _ in range(consumers)]

        return cls(matrix(), matrix(), matrix(), matrix(), [0.0] * machines,
                   dict.fromkeys(servers, 0.0))

    def matrices(self) -> tuple[list[list[float]], ...]:
        return self.generated, self.lost, self.delivered_up, self.counts

    def clear(self, m: int) -> None:
        """Back to zero after machine ``m``'s unit of time: its column and what it shares."""
        for matrix in self.matrices():
            for row in matrix:
                row[m] = 0.0
        self.parts[m] = 0.0
        for server in self.arrivals:
            self.arrivals[server] = 0.0
        self.reasons.clear()


@dataclass
class Plan:
    """One unit of time in one state, as the run's rows to add to: ``row[i] += rate * d``."""

    cells: list[tuple[list[float], int, float]]
    arrivals: list[tuple[int, float]]
    reasons: list[tuple[str, float]]
    # the (consumer, machine) pairs that receive something: their gap clocks restart
    reached: frozenset[tuple[int, int]]
    fills: list[tuple[Route, Rates]]


def machine_plan(unit: Tally, run: Tally, m: int, fills: list[tuple[Route, Rates]]) -> Plan:
    """Machine ``m``'s share of a plan: the non-zero rates of its column of ``unit``, pointing
    at the matching rows of ``run``."""
    cells: list[tuple[list[float], int, float]] = []
    for ours, theirs in zip(unit.matrices(), run.matrices(), strict=True):
        for row, target in zip(ours, theirs, strict=True):
            if row[m]:
                cells.append((target, m, row[m]))
    if unit.parts[m]:
        cells.append((run.parts, m, unit.parts[m]))
    reached = frozenset((c, m) for c, row in enumerate(unit.delivered_up) if row[m] > 0)
    return Plan(cells, [(k, r) for k, r in unit.arrivals.items() if r],
                [(k, r) for k, r in unit.reasons.items() if r], reached, fills)


def combine(shares: list[Plan]) -> Plan:
    """A state's plan from its machines' shares. A machine's traffic meets no other's at flow
    level (a translator turns away the same share of everyone's), so the shares add up: their
    cells are disjoint, arrivals and loss reasons sum, and what reaches a closed buffer is
    gathered per route, to fill it in proportion as one arrival stream."""
    cells: list[tuple[list[float], int, float]] = []
    arrivals: defaultdict[int, float] = defaultdict(float)
    reasons: defaultdict[str, float] = defaultdict(float)
    reached: set[tuple[int, int]] = set()
    fills: dict[int, tuple[Route, Rates]] = {}
    for share in shares:
        cells.extend(share.cells)
        for server, rate in share.arrivals:
            arrivals[server] += rate
        for reason, rate in share.reasons:
            reasons[reason] += rate
        reached.update(share.reached)
        for route, rates in share.fills:
            if id(route) in fills:
                fills[id(route)][1].extend(rates)
            else:
                fills[id(route)] = (route, list(rates))
    return Plan(cells, list(arrivals.items()), list(reasons.items()), frozenset(reached),
                list(fills.values()))
