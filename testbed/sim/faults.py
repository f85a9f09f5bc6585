"""How an element fails and is repaired, and how a production gate reacts: described once,
driven by either engine.

Every fault is an alternating renewal process: up for an exponential time of mean ``mtbf``,
down for a repair time of mean ``mttr`` (exponential, constant or lognormal with
``repair_cv``), over and over, drawn from the element's own stream
``stream(seed, "faults", *names)``; a machine's up times are operating time, on the shop's
calendar (:mod:`testbed.sim.calendar`). :func:`renewal` yields the draws in their one order, so the
message engine (a SimPy process waiting each) and the flow engine (a timeline of changes) see
the same outages from the same seed by construction.

A production gate watches a critical consumer and the links to it; :class:`GateState` is its
state machine. The engine owns the clock: it starts a timer of ``tolerance`` when
:meth:`GateState.watched` asks for one and calls :meth:`GateState.expire` when it runs out.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum

from testbed.params import Faults
from testbed.seeds import stream
from testbed.sim.calendar import WorkingTime
from testbed.sim.randomness import fault_samplers


def renewal(faults: Faults, seed: int, *names: str,
            operating: WorkingTime | None = None) -> Iterator[tuple[float, bool]]:
    """The element's changes, each as (time since the previous change, up after it): down
    after an up time, up after a repair, and again. With ``operating`` (a machine's working
    time) each up time is operating time: it elapses only in working time, so the same draws
    fall later on the clock and every breakdown happens while the machine works."""
    up, down = fault_samplers(faults, stream(seed, "faults", *names))
    t = 0.0
    while True:
        wait = up() if operating is None else operating.span(t, up())
        t += wait
        yield wait, False
        wait = down()
        t += wait
        yield wait, True


def timeline(faults: Faults, seed: int, *names: str,
             operating: WorkingTime | None = None) -> Iterator[tuple[float, bool]]:
    """The same changes at the times they happen: (time, up after it)."""
    t = 0.0
    for wait, up in renewal(faults, seed, *names, operating=operating):
        t += wait
        yield t, up


class GateChange(Enum):
    ARM = "arm"  # what it watches became unreachable: start a timer of the tolerance
    OPENED = "opened"  # it was closed and is reachable again: production resumes


class GateState:
    """Closed once what it watches has been unreachable for ``tolerance``; open the moment it
    is reachable again."""

    __slots__ = ("blocked", "epoch", "reachable", "tolerance")

    def __init__(self, tolerance: float) -> None:
        self.tolerance = tolerance
        self.reachable = True
        self.blocked = False
        # counts changes of reachability, so a timer started before the last one is stale
        self.epoch = 0

    def watched(self, reachable: bool) -> GateChange | None:
        """What it watches is (still, or now) ``reachable``: what the engine must do."""
        if reachable == self.reachable:
            return None
        self.reachable = reachable
        self.epoch += 1
        if reachable:
            return GateChange.OPENED if self.open() else None
        return GateChange.ARM

    def open(self) -> bool:
        """Open the gate; True if it was closed."""
        if not self.blocked:
            return False
        self.blocked = False
        return True

    def expire(self, epoch: int) -> bool:
        """The timer started at ``epoch`` ran out: close if nothing changed since. True if it
        closed."""
        if epoch != self.epoch or self.reachable:
            return False
        self.blocked = True
        return True
