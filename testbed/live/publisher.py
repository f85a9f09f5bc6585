"""From the simulation to the address space: deliveries, statuses and breakdown events.

The simulation runs in short synchronous slices and asyncua's writes are coroutines, so what a
slice produces is queued here and written between slices, in order.

A machine tag's writes never go back in time, so its history and its notifications are in
source-timestamp order: a value is written once, with the simulated time it was measured, if
it is newer than everything the tag has shown; a status change is written at the moment it
happens. When a broken path comes back the tag does not turn Good at once (data held in a
buffer, measured earlier, is still on its way): each value arriving turns its tag Good, and
the machine's other tags turn Good, showing their last value, once data measured after the
repair arrives, that is once everything held before it has come through.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from asyncua import Server, ua
from asyncua.server.event_generator import EventGenerator
from simpy import Environment

from testbed.live.address_space import FactoryNodes
from testbed.live.clock import SimClock
from testbed.live.tags import TAG_OF_KIND, LiveMachine, value_of
from testbed.sim.ledger import Ledger
from testbed.sim.network import ALARM, KIND_NAMES, Consumer, Message, Route
from testbed.sim.network import Server as Translator
from testbed.wiring import DataPath

GOOD = ua.StatusCode(ua.StatusCodes.Good)
# Data is held in a store-and-forward buffer and will come: the last value is still usable.
HELD = ua.StatusCode(ua.StatusCodes.UncertainLastUsableValue)
# Nothing holds the data: it is being lost while the path is down.
CUT = ua.StatusCode(ua.StatusCodes.BadNoCommunication)
# The path is back but nothing has ever arrived for the tag.
WAITING = ua.StatusCode(ua.StatusCodes.BadWaitingForInitialData)
_RANK = {ua.StatusCodes.Good: 0, ua.StatusCodes.UncertainLastUsableValue: 1,
         ua.StatusCodes.BadNoCommunication: 2}


class Written(ua.DataValue):
    """A value made for one write and never changed afterwards.

    asyncua deep-copies a written value once for every monitored item on it, only to compare
    the next write with it; that copying was about 80 % of the publish path (cProfile of
    benchmarks/live_capacity.py). A value nobody changes can be shared instead.
    """

    __slots__ = ()

    def __deepcopy__(self, _memo: dict[int, object]) -> Written:
        return self


@dataclass(frozen=True)
class RunningPath:
    """A wiring's ``DataPath`` (testbed.wiring: one machine's data through its hops to one
    piece of software) as the simulation runs it: the routes and translators its hops became,
    from which the status of the machine's tags in the address space is read."""

    path: DataPath  # what the architecture wires
    machine: int  # the index of path.machine among the assembly's machines
    mask: int  # the message kinds the software takes
    routes: Sequence[Route]
    translators: Sequence[Translator]

    @property
    def software(self) -> str:
        return self.path.hops[-1]

    def status(self) -> ua.StatusCode:
        for route in self.routes:
            if not route.reachable():
                # Messages wait in a buffer at or before the break, or they are lost.
                upto = self.routes[:self.routes.index(route) + 1]
                return HELD if any(r.capacity for r in upto) else CUT
        return GOOD


class LiveConsumer(Consumer):
    """A software stub's simulated inbox: what reaches it is also published for its real
    OPC UA client."""

    def __init__(self, env: Environment, ledger: Ledger, name: str, machines: int,
                 batch_interval: float, deadline: float, *,
                 publish: Callable[[str, Message], None]) -> None:
        super().__init__(env, ledger, name, machines, batch_interval, deadline)
        self.publish = publish

    def receive(self, msg: Message) -> None:
        if self.up:
            self.publish(self.name, msg)
        super().receive(msg)


class Publisher:
    def __init__(self, server: Server, clock: SimClock) -> None:
        self.server = server
        self.clock = clock
        self.env = Environment()  # the factory's, once attached
        self.nodes: FactoryNodes | None = None
        self.paths: list[RunningPath] = []
        # (node, value, status, simulated time of the source timestamp)
        self.writes: list[tuple[ua.NodeId, ua.Variant, ua.StatusCode, float]] = []
        self.events: list[tuple[int, float, int]] = []
        self.deliveries = 0  # writes to software inboxes: the messages a live run carried
        # Per machine tag (machine, kind): the simulated time of its last write, its last value,
        # the status of its data path, and, while a repaired path has not yet carried data
        # measured after the repair, when the repair happened (by machine, then kind).
        self._stamp: dict[tuple[int, int], float] = {}
        self._value: dict[tuple[int, int], ua.Variant] = {}
        self._status: dict[tuple[int, int], ua.StatusCode] = {}
        self._repaired: dict[int, dict[int, float]] = {}
        self._carried: set[tuple[int, int]] = set()  # the machine tags some path carries
        self._generators: dict[int, EventGenerator] = {}

    def attach(self, nodes: FactoryNodes, paths: list[RunningPath], env: Environment) -> None:
        self.nodes = nodes
        self.paths = paths
        self.env = env
        self._carried = {(p.machine, kind) for p in paths for kind in range(len(KIND_NAMES))
                         if p.mask >> kind & 1}
        self.refresh_status()

    def births(self, machines: Sequence[LiveMachine]) -> None:
        """Each machine tag's value as the run starts, at simulated time 0: what a gateway
        reads from a device when it connects (Sparkplug's birth certificates do the same), so
        that a counter reads 0 here as it does in the machine's Modbus registers. A tag no
        path carries or whose path is cut gets none."""
        nodes = self.nodes
        assert nodes is not None
        for machine in machines:
            for kind, tag_node in nodes.machines[machine.index].tags.items():
                key = (machine.index, kind)
                if key not in self._carried or \
                        self._status.get(key, GOOD).value == ua.StatusCodes.BadNoCommunication:
                    continue  # nothing reaches the server: the tag waits for data
                variant = ua.Variant(machine.current(kind), TAG_OF_KIND[kind].variant)
                self._show(key, tag_node.nodeid, variant, 0.0)

    async def prepare_events(self) -> None:
        """Make each machine an event source now, so clients can subscribe before the
        first breakdown."""
        assert self.nodes is not None
        for m, machine in enumerate(self.nodes.machines):
            self._generators[m] = await self.server.get_event_generator(
                self.nodes.breakdown_event_type, machine.node)

    def consumer_class(self) -> Callable[..., Consumer]:
        return functools.partial(LiveConsumer, publish=self.delivered)

    def delivered(self, software: str, msg: Message) -> None:
        nodes = self.nodes
        if nodes is None:
            return
        created, m, kind = msg[0], msg[1], msg[2]
        tag = TAG_OF_KIND[kind]
        variant = ua.Variant(value_of(msg), tag.variant)
        inbox = nodes.inboxes[software].get((m, kind))
        if inbox is not None:
            self.writes.append((inbox.nodeid, variant, GOOD, created))
            self.deliveries += 1
        # The machine's own view shows the newest value any software has received; one
        # measured before what the tag already shows would take its history back in time.
        key = (m, kind)
        if created > self._stamp.get(key, -1.0):
            self._show(key, nodes.machines[m].tags[kind].nodeid, variant, created)
            if kind == ALARM:
                self.events.append((m, created, int(value_of(msg))))
        repaired = self._repaired.get(m)
        if repaired:
            self._flowing(m, repaired, created)

    def _show(self, key: tuple[int, int], ident: ua.NodeId, variant: ua.Variant,
              created: float) -> None:
        self._stamp[key] = created
        self._value[key] = variant
        self.writes.append((ident, variant, self._status.get(key, GOOD), created))
        repaired = self._repaired.get(key[0])
        if repaired:
            repaired.pop(key[1], None)

    def _flowing(self, m: int, repaired: dict[int, float], created: float) -> None:
        """Data measured at ``created`` has come through from machine ``m``: everything held
        before it has too, so the tags of paths repaired by then are Good again."""
        assert self.nodes is not None
        for kind, since in list(repaired.items()):
            if created < since:
                continue
            del repaired[kind]
            key = (m, kind)
            value = self._value.get(key)
            status = GOOD if value is not None else WAITING
            self._mark(key, value, status, created)

    def _mark(self, key: tuple[int, int], value: ua.Variant | None, status: ua.StatusCode,
              when: float) -> None:
        """A status change of a machine tag, at ``when`` or after its last write."""
        assert self.nodes is not None
        m, kind = key
        stamp = max(when, self._stamp.get(key, -1.0))
        self._stamp[key] = stamp
        # A Bad status carries no value.
        self.writes.append((self.nodes.machines[m].tags[kind].nodeid,
                            value if value is not None else ua.Variant(), status, stamp))

    def refresh_status(self, _up: bool = True) -> None:
        """Called whenever a link, translator or piece of software goes down or comes back."""
        nodes = self.nodes
        if nodes is None:
            return
        best: dict[tuple[int, int], ua.StatusCode] = {}
        for path in self.paths:
            status = path.status()
            for kind in range(len(KIND_NAMES)):
                if path.mask >> kind & 1:
                    key = (path.machine, kind)
                    if key not in best or _RANK[status.value] < _RANK[best[key].value]:
                        best[key] = status
        now = self.env.now
        for key, status in best.items():
            if self._status.get(key, GOOD).value == status.value:
                continue
            self._status[key] = status
            m, kind = key
            if status.value == ua.StatusCodes.Good:
                self._repaired.setdefault(m, {})[kind] = now
                continue
            self._repaired.get(m, {}).pop(kind, None)
            held = status.value == HELD.value
            self._mark(key, self._value.get(key) if held else None, status, now)

    async def flush(self, machine_names: Sequence[str]) -> None:
        nodes = self.nodes
        if nodes is None:
            return
        writes, self.writes = self.writes, []
        now = datetime.now(UTC)
        stamp = self.clock.timestamp
        for ident, value, status, when in writes:
            await self.server.write_attribute_value(ident, Written(
                value, status, SourceTimestamp=stamp(when), ServerTimestamp=now))
        events, self.events = self.events, []
        for m, created, count in events:
            generator = self._generators[m]
            generator.event.Severity = 700
            generator.event.Machine = machine_names[m]
            generator.event.BreakdownCount = ua.Variant(count, ua.VariantType.UInt32)
            await generator.trigger(time_attr=stamp(created),
                                    message=f"{machine_names[m]} broke down")
        await self.server.write_attribute_value(
            nodes.simulated_time.nodeid,
            ua.DataValue(ua.Variant(self.clock.simulated_date(self.env.now),
                                    ua.VariantType.DateTime)))
