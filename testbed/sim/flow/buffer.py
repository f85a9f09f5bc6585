"""A closed route's store-and-forward buffer at flow level: what it keeps, and what it releases.

The buffer holds *slabs* and keeps the integrals its queue record needs (content over time,
arrivals, peak). What it turns away is returned to the caller, which counts it as lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple


class Slab(NamedTuple):
    """An amount of one machine's messages of one kind, created evenly over [lo, hi]."""

    machine: int
    kind: int
    amount: float
    lo: float  # earliest creation
    hi: float  # latest creation
    waited: bool  # it waited in a buffer: its latency is computed, not the window's


@dataclass
class Buffer:
    capacity: float
    slabs: list[Slab] = field(default_factory=list)
    content: float = 0.0
    peak: float = 0.0
    area: float = 0.0
    arrivals: float = 0.0
    # the end of the last segment whose arrivals fill already counted in the area
    filled_until: float = -1.0

    def fill(self, slabs: list[Slab], t0: float, t1: float) -> list[Slab]:
        """Slabs arriving at a steady rate over [t0, t1]: the buffer takes the first
        ``room / arriving`` share of each; returns the rest."""
        arriving = sum(s.amount for s in slabs)
        room = self.capacity - self.content
        taken = 1.0 if arriving <= room else room / arriving
        refused: list[Slab] = []
        for m, kind, n, lo, hi, _ in slabs:
            if taken > 0:
                self.slabs.append(Slab(m, kind, n * taken, lo, lo + (hi - lo) * taken, True))
            if taken < 1:
                refused.append(Slab(m, kind, n * (1 - taken), lo, hi, False))
        accepted = min(arriving, room)
        d = t1 - t0
        fill_time = d * accepted / arriving if arriving else d
        self.area += (self.content + accepted / 2) * fill_time \
            + (self.content + accepted) * (d - fill_time)
        self.content += accepted
        self.arrivals += accepted
        self.filled_until = t1
        self.peak = max(self.peak, self.content)
        return refused

    def take_in_order(self, slabs: list[Slab]) -> list[Slab]:
        """A burst (a flush upstream): first come, first kept; returns what found no room."""
        refused: list[Slab] = []
        for m, kind, n, lo, hi, _ in slabs:
            room = self.capacity - self.content
            take = min(n, room)
            if take > 0:
                self.slabs.append(Slab(m, kind, take, lo, lo + (hi - lo) * take / n, True))
                self.content += take
                self.arrivals += take
            if take < n:
                refused.append(Slab(m, kind, n - take, lo, hi, False))
        self.peak = max(self.peak, self.content)
        return refused

    def hold(self, t1: float, d: float) -> None:
        """The content's time integral over a segment of length ``d`` ending at ``t1``, unless
        fill already counted it."""
        if self.filled_until != t1:
            self.area += self.content * d

    def release(self, spacing: float, sizes: Sequence[float]) -> list[Slab]:
        """Empty the buffer at once, its messages spaced by ``spacing`` per byte as the
        message engine's flush sends them over the route's slowest link."""
        out: list[Slab] = []
        before = 0.0
        for m, kind, n, lo, hi, _ in self.slabs:
            after = before + n * sizes[m] * spacing
            first, last = lo - before, hi - after
            out.append(Slab(m, kind, n, min(first, last), max(first, last), True))
            before = after
        self.slabs = []
        self.content = 0.0
        return out
