"""The events that change a flow-level run's state, and the state they leave.

Outages, crashes, software failures and breakdowns are the fault processes of
:mod:`testbed.sim.faults`, the message engine's own draws in their one order; scripted outages
come as scheduled; the starts and ends of the shop's working time (machines make parts only
in it) are events too; production gates are :class:`~testbed.sim.faults.GateState` machines
on this engine's clock. Each element's downtime and the machines' breakdowns and blocked time are
added up as they happen. The state is a set of bits (:class:`~testbed.sim.flow.graph.Graph`):
the elements that are down.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import NamedTuple, cast

from testbed.sim.faults import GateChange, GateState, timeline
from testbed.sim.flow.graph import Graph
from testbed.sim.network import ALARM, STATE
from testbed.sim.queueing import mean_residual

_FAULT, _SET, _EXPIRE, _SHIFT = 0, 1, 2, 3


class Scripted(NamedTuple):
    """A scripted change: element ``element`` goes up or down at ``time``."""

    time: float
    element: int
    up: bool


class _Event(NamedTuple):
    time: float
    action: int
    # keeps the heap from ever comparing two payloads
    seq: int
    # _FAULT: (element, up, the rest of its timeline); _SET: (element, up); _EXPIRE: (gate,
    # epoch); _SHIFT: (working, the rest of the calendar's changes)
    payload: (tuple[int, bool, Iterator[tuple[float, bool]]] | tuple[int, bool]
              | tuple[int, int] | tuple[bool, Iterator[tuple[float, bool]]])


class StateKey(NamedTuple):
    """What a segment's traffic depends on."""

    down: int  # the bits of the elements that are down
    running: bool  # before the horizon: machines emit
    stopped: bool  # a production gate is closed
    working: bool  # in the shop's working time: machines make parts


class Emitted(NamedTuple):
    """A message a machine emits at an instant: an alarm as it breaks down, a state change as
    it is repaired."""

    machine: int
    kind: int


class Changes(NamedTuple):
    """What the events of an instant did: the messages machines emit, and the translators
    that crashed."""

    emitted: list[Emitted]
    crashed: list[int]


class FaultState:
    """Which elements are down and whether production is stopped, and what comes next."""

    def __init__(self, graph: Graph, scripted: list[Scripted], horizon: float) -> None:
        self.graph = graph
        self.horizon = horizon
        top = graph.top
        nm = len(top.machines)
        ne = len(graph.bits)
        self.blocked = [0.0] * nm
        self.breakdowns = [0] * nm
        # by element index
        self.downtime = [0.0] * ne
        self.down_since = [0.0] * ne
        self.outages = [0] * ne
        # machines emit until the horizon; after it the run only drains its buffers
        self.running = True
        self.gates = [GateState(g.tolerance) for g in top.gates]
        # one bit per element that is down: with running, stopped and working, the plan's key
        self.down_mask = 0
        self.blocked_since = 0.0
        self.calendar = top.calendar
        self.working = self.calendar.working(0.0)
        self._counter = 0
        self.events = self._fault_events(scripted)

    def key(self) -> StateKey:
        return StateKey(self.down_mask, self.running, self.stopped(), self.working)

    def stopped(self) -> bool:
        return any(g.blocked for g in self.gates)

    def is_up(self, e: int) -> bool:
        return not self.down_mask & self.graph.bits[e]

    def producing(self, m: int) -> bool:
        return self.working and not self.down_mask & self.graph.machine_bits[m] \
            and not self.stopped()

    def next_change(self, limit: float) -> float:
        """When the next event falls, or ``limit`` if none falls before it."""
        events = self.events
        return events[0][0] if events and events[0][0] < limit else limit

    def happen(self, t: float) -> Changes:
        """Apply the events that fall at ``t``."""
        events = self.events
        changes = Changes([], [])
        while events and events[0][0] == t:
            _, action, _, payload = heapq.heappop(events)
            if action == _FAULT:
                element, up, rest = payload  # type: ignore[misc]
                self._set_state(element, up, t, changes)
                nt, nup = next(rest)
                heapq.heappush(events, _Event(nt, _FAULT, self._seq(), (element, nup, rest)))
            elif action == _SET:
                element, up = payload  # type: ignore[misc]
                self._set_state(element, bool(up), t, changes)
            elif action == _SHIFT:
                working, rest = cast(tuple[bool, Iterator[tuple[float, bool]]], payload)
                self.working = working
                nt, nworking = next(rest)
                heapq.heappush(events, _Event(nt, _SHIFT, self._seq(), (nworking, rest)))
            else:
                gate, epoch = cast(tuple[int, int], payload)
                self._expire(gate, epoch, t)
        self._gates_changed(t)
        return changes

    def end_production(self, t: float) -> None:
        """The horizon: machines stop emitting, and a production stop under way ends."""
        self.running = False
        for gate in self.gates:
            if gate.open():
                self._stop_ended(t)

    def _set_state(self, e: int, up: bool, t: float, changes: Changes) -> None:
        """Change one element's state; note what it emits and whether a translator crashed."""
        if self.is_up(e) == up:
            return
        self.down_mask ^= self.graph.bits[e]
        if up:
            self.downtime[e] = self.downtime[e] + t - self.down_since[e]
        else:
            self.outages[e] += 1
            self.down_since[e] = t
            server = self.graph.server_of[e]
            if server is not None:
                changes.crashed.append(server)
        machine = self.graph.machine_of[e]
        if machine is None or not self.running:
            return
        if not up:
            self.breakdowns[machine] += 1
            changes.emitted.append(Emitted(machine, ALARM))
        else:
            changes.emitted.append(Emitted(machine, STATE))

    def _gates_changed(self, t: float) -> None:
        for g, (gate, bits) in enumerate(zip(self.gates, self.graph.gate_bits, strict=True)):
            change = gate.watched(not self.down_mask & bits)
            if change is GateChange.OPENED:
                self._stop_ended(t)
            elif change is GateChange.ARM:
                heapq.heappush(self.events, _Event(t + gate.tolerance, _EXPIRE, self._seq(),
                                                   (g, gate.epoch)))

    def _seq(self) -> int:
        self._counter += 1
        return self._counter

    def _stop_ended(self, t: float) -> None:
        """A gate opened: if none is closed now, the production stop is over."""
        if self.stopped():
            return
        # production is lost only in the hours the shop would have worked
        stop = self.calendar.worked_between(self.blocked_since, min(t, self.horizon))
        for m, node in enumerate(self.graph.top.machines):
            # The machine runs on into the stop until its cycle under way ends.
            self.blocked[m] += max(0.0, stop - mean_residual(node.instance.params.cycle_time))

    def _expire(self, g: int, epoch: int, t: float) -> None:
        if t >= self.horizon:
            return
        was_stopped = self.stopped()
        if self.gates[g].expire(epoch) and not was_stopped:
            self.blocked_since = t

    def _fault_events(self, scripted: list[Scripted]) -> list[_Event]:
        top = self.graph.top
        events: list[_Event] = []
        for source in top.fault_sources():
            changes = timeline(source.faults, top.seed, *source.names,
                               operating=source.operating)
            t, up = next(changes)
            events.append(_Event(t, _FAULT, self._seq(),
                                 (top.element(source.element), up, changes)))
        shifts = self.calendar.changes()
        first = next(shifts, None)
        if first is not None:
            events.append(_Event(first[0], _SHIFT, self._seq(), (first[1], shifts)))
        for change in scripted:
            events.append(_Event(change.time, _SET, self._seq(), (change.element, change.up)))
        heapq.heapify(events)
        return events
