"""What a segment of the flow-level run does, worked out once per network state.

Between two state changes the flow engine's traffic is steady, so every figure a segment moves
(messages generated, delivered, lost and why, parts made, arrivals at translators) is its
rate in that state times the segment's length. A shop returns to the same few states over and
over (everything up; one Wi-Fi link down; the broadband down), so the engine pushes one unit
of time through each state once, keeps the rates as a :class:`Plan`, and from then on a
segment costs a pass over the plan's non-zero rates. Two things are not proportional to the
length and are replayed, not scaled: the visibility gaps of the consumer-machine pairs that
receive anything, and what fills a closed route's buffer (its room depends on its content).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from testbed.sim.network import Route

# what reaches a closed buffer in one unit of time: (machine, kind, amount)
Rates = list[tuple[int, int, float]]


@dataclass
class Tally:
    """The counters that are linear in time: the run's own, or a plan's for one unit of time."""

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


@dataclass
class Plan:
    """One unit of time in one state, as the run's rows to add to: ``row[i] += rate * d``."""

    cells: list[tuple[list[float], int, float]]
    arrivals: list[tuple[int, float]]
    reasons: list[tuple[str, float]]
    # the (consumer, machine) pairs that receive something: their gap clocks restart
    reached: frozenset[tuple[int, int]]
    fills: list[tuple[Route, Rates]]


def compile_plan(unit: Tally, run: Tally, fills: list[tuple[Route, Rates]]) -> Plan:
    """The non-zero rates of ``unit``, pointing at the matching rows of ``run``."""
    cells: list[tuple[list[float], int, float]] = []
    for ours, theirs in [(unit.generated, run.generated), (unit.lost, run.lost),
                         (unit.delivered_up, run.delivered_up), (unit.counts, run.counts),
                         ([unit.parts], [run.parts])]:
        for row, target in zip(ours, theirs, strict=True):
            cells.extend((target, i, rate) for i, rate in enumerate(row) if rate)
    reached = frozenset((c, m) for c, row in enumerate(unit.delivered_up)
                        for m, rate in enumerate(row) if rate > 0)
    return Plan(cells, [(k, r) for k, r in unit.arrivals.items() if r],
                [(k, r) for k, r in unit.reasons.items() if r], reached, fills)
