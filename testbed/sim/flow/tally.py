"""The counters of a flow-level run that grow linearly with time."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

# the counters, by number: a plan's cells name one
GENERATED, LOST, DELIVERED_UP, COUNTS, PARTS = range(5)


@dataclass
class Tally:
    """The counters that are linear in time: the run's own, or one machine's for one unit of
    time while its share of a plan is worked out. ``arrivals`` is by server index."""

    generated: list[list[float]]
    lost: list[list[float]]
    delivered_up: list[list[float]]
    counts: list[list[float]]
    parts: list[float]
    arrivals: list[float]
    reasons: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))

    @classmethod
    def zero(cls, consumers: int, machines: int, servers: int) -> Tally:
        def matrix() -> list[list[float]]:
            return [[0.0] * machines for _ in range(consumers)]

        return cls(matrix(), matrix(), matrix(), matrix(), [0.0] * machines, [0.0] * servers)

    def matrices(self) -> tuple[list[list[float]], ...]:
        """The per (consumer, machine) counters, in the order of their counter numbers."""
        return self.generated, self.lost, self.delivered_up, self.counts

    def clear(self, m: int) -> None:
        """Back to zero after machine ``m``'s unit of time: its column and what it shares."""
        for matrix in self.matrices():
            for row in matrix:
                row[m] = 0.0
        self.parts[m] = 0.0
        for s in range(len(self.arrivals)):
            self.arrivals[s] = 0.0
        self.reasons.clear()
