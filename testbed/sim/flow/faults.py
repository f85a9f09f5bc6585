"""The events that change a flow-level run's state, and the state they leave.

Outages, crashes, software failures and breakdowns come from the same seeded fault streams as
the message engine's, in the same order; scripted outages as scheduled; production gates stop
production ``offline_tolerance`` after what they watch becomes unreachable. Each element's
downtime and the machines' breakdowns and blocked time are added up as they happen.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from testbed.params import Faults, SoftwareParams, TranslatorParams
from testbed.seeds import stream
from testbed.sim.flow_steady import SteadyState
from testbed.sim.flow_traffic import Traffic
from testbed.sim.network import ALARM, STATE, Server, Stateful
from testbed.sim.queueing import mean_residual
from testbed.sim.randomness import fault_samplers

if TYPE_CHECKING:
    from testbed.sim.flow import FlowModel

_FAULT, _SET, _EXPIRE = 0, 1, 2
# (time, action, sequence number, what changes): the sequence number keeps the heap from ever
# comparing two payloads
_Event = tuple[float, int, int, Any]


def _changes(faults: Faults, seed: int, *names: str) -> Iterator[tuple[float, bool]]:
    """The alternating renewal process the message engine's ``_alternate`` draws, the same
    draws in the same order: common random numbers across fidelities and architectures."""
    up, down = fault_samplers(faults, stream(seed, "faults", *names))
    t = 0.0
    while True:
        t += up()
        yield t, False
        t += down()
        yield t, True


class FaultState:
    """Which elements are down and whether production is stopped, and what comes next."""

    def __init__(self, model: FlowModel, horizon: float, steady: SteadyState,
                 traffic: Traffic) -> None:
        self.model = model
        self.horizon = horizon
        self.steady = steady
        self.traffic = traffic
        nm = len(model.instances)
        self.blocked = [0.0] * nm
        self.breakdowns = [0] * nm
        self.downtime: dict[int, float] = {}
        self.down_since: dict[int, float] = {}
        self.outages: dict[int, int] = {}
        # machines emit until the horizon; after it the run only drains its buffers
        self.running = True
        self.gate_reachable = [True] * len(model.gates)
        self.gate_epoch = [0] * len(model.gates)
        self.gate_blocked = [False] * len(model.gates)
        # one bit per element that is down: with running and blocked, the plan's key
        self.down_mask = 0
        self.blocked_since = 0.0
        self._counter = 0
        self.events = self._fault_events()

    def key(self) -> tuple[int, bool, bool]:
        """The state a segment's traffic depends on."""
        return self.down_mask, self.running, any(self.gate_blocked)

    def producing(self, m: int) -> bool:
        return self.model.machines[m].up and not any(self.gate_blocked)

    def next_change(self, limit: float) -> float:
        """When the next event falls, or ``limit`` if none falls before it."""
        events = self.events
        return events[0][0] if events and events[0][0] < limit else limit

    def happen(self, t: float) -> list[tuple[int, int]]:
        """Apply the events that fall at ``t``; return the (machine, kind) events emitted."""
        events = self.events
        emitted: list[tuple[int, int]] = []
        while events and events[0][0] == t:
            _, action, _, payload = heapq.heappop(events)
            if action == _FAULT:
                emitted += self._set_state(payload[0], payload[1], t)
                changes = payload[2]
                nt, nup = next(changes)
                heapq.heappush(events, (nt, _FAULT, self._seq(), (payload[0], nup, changes)))
            elif action == _SET:
                emitted += self._set_state(payload[0], payload[1], t)
            else:
                self._expire(payload[0], payload[1], t)
        self._gates_changed(t)
        return emitted

    def end_production(self, t: float) -> None:
        """The horizon: machines stop emitting, and a production stop under way ends."""
        self.running = False
        for g in range(len(self.gate_blocked)):
            self._unblock(g, t)

    def _set_state(self, element: Stateful, up: bool, t: float) -> list[tuple[int, int]]:
        """Change one element's state; return the (machine, kind) events it emits."""
        if element.up == up:
            return []
        element.up = up
        self.down_mask ^= self.model.bits[id(element)]
        key = id(element)
        if up:
            self.downtime[key] = self.downtime.get(key, 0.0) + t - self.down_since[key]
        else:
            self.outages[key] = self.outages.get(key, 0) + 1
            self.down_since[key] = t
            if isinstance(element, Server):
                self._crash(element)
        machine = self.model.machine_index.get(key)
        if machine is None or not self.running:
            return []
        if not up:
            self.breakdowns[machine] += 1
            return [(machine, ALARM)]
        return [(machine, STATE)]

    def _crash(self, server: Server) -> None:
        """A crash loses what the translator held: on average the window's mean number in
        the system, in the mix of what it receives."""
        queued = self.steady.in_system.get(id(server), 0.0)
        for (m, kind), share in self.steady.mix.get(id(server), {}).items():
            self.traffic.lose(server, (m, kind, queued * share, 0.0, 0.0, False), "crash")

    def _gates_changed(self, t: float) -> None:
        for g, gate in enumerate(self.model.gates):
            reachable = all(w.up for w in gate.watched)
            if reachable == self.gate_reachable[g]:
                continue
            self.gate_reachable[g] = reachable
            self.gate_epoch[g] += 1
            if reachable:
                self._unblock(g, t)
            else:
                expiry = (g, self.gate_epoch[g])
                heapq.heappush(self.events, (t + gate.tolerance, _EXPIRE, self._seq(), expiry))

    def _seq(self) -> int:
        self._counter += 1
        return self._counter

    def _unblock(self, g: int, t: float) -> None:
        if not self.gate_blocked[g]:
            return
        self.gate_blocked[g] = False
        if not any(self.gate_blocked):
            stop = min(t, self.horizon) - self.blocked_since
            for m, inst in enumerate(self.model.instances):
                # The machine runs on into the stop until its cycle under way ends.
                self.blocked[m] += max(0.0, stop - mean_residual(inst.params.cycle_time))

    def _expire(self, g: int, epoch: int, t: float) -> None:
        if epoch != self.gate_epoch[g] or self.gate_reachable[g] or t >= self.horizon:
            return
        if not any(self.gate_blocked):
            self.blocked_since = t
        self.gate_blocked[g] = True

    def _fault_events(self) -> list[_Event]:
        model = self.model
        sources: list[tuple[Stateful, Faults | None, tuple[str, ...]]] = []
        for name, link in model.links.items():
            sources.append((link, model.network.links[name].outages, ("link", name)))
        for cid, server in model.servers.items():
            params = model.wiring.components[cid].params
            assert isinstance(params, TranslatorParams)
            sources.append((server, params.crashes, ("crash", cid)))
        for consumer in model.consumers:
            params = model.wiring.components[consumer.name].params
            assert isinstance(params, SoftwareParams)
            sources.append((consumer, params.availability, ("software", consumer.name)))
        for machine, inst in zip(model.machines, model.instances, strict=True):
            sources.append((machine, inst.params.breakdowns, ("breakdown", inst.id)))
        events: list[_Event] = []
        for element, faults, names in sources:
            if faults is None:
                continue
            changes = _changes(faults, model.seed, *names)
            t, up = next(changes)
            events.append((t, _FAULT, self._seq(), (element, up, changes)))
        for t, element, up in model.scripted:
            events.append((t, _SET, self._seq(), (element, up)))
        heapq.heapify(events)
        return events
