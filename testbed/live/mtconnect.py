"""An MTConnect agent's information model for the MTConnect machines: devices, data items and
the buffer of sequence-numbered observations that /probe, /current and /sample read.

A real agent reads each machine's controller through an adapter. Here the agent hears what the
simulated machine says as it says it (``LiveMachine.listeners``), before any network: its data
is the machine's own, not what reaches the software. The adapter sits across the machine's own
link, so while that link is down the agent has lost its data source and, as MTConnect
prescribes, shows Availability UNAVAILABLE and every other data item UNAVAILABLE until the link
returns, when it records the machine's current values afresh. A breakdown is no loss of data:
the controller is still on, so Availability stays AVAILABLE, the SYSTEM condition turns FAULT
and Execution STOPPED until the repair.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple
from uuid import NAMESPACE_URL, uuid5

from testbed.live.tags import BROKEN_DOWN, RUNNING, SETUP, LiveMachine, value_of
from testbed.sim.network import ALARM, COUNT, SAMPLE, STATE, Link, Message

UNAVAILABLE = "UNAVAILABLE"
# MTConnect EXECUTION for the simulation's machine states: in Setup no program runs but the
# machine is ready for one; a breakdown stops it unplanned.
EXECUTION = {RUNNING: "ACTIVE", SETUP: "READY", BROKEN_DOWN: "STOPPED"}
NORMAL, FAULT = "NORMAL", "FAULT"
# cppagent's default buffer: 2^17 observations.
DEFAULT_BUFFER = 131072


@dataclass(frozen=True)
class DataItem:
    id: str
    category: str  # SAMPLE, EVENT or CONDITION
    type: str  # the MTConnect type, e.g. PART_COUNT
    element: str  # its element in a streams document, e.g. PartCount
    units: str | None = None


class Observation(NamedTuple):
    sequence: int
    item: DataItem
    at: float  # simulated seconds
    value: str  # a condition's level (NORMAL, FAULT, UNAVAILABLE) for CONDITION items
    text: str = ""  # a condition's message
    condition_id: str = ""  # which activation of an active condition (a FAULT) this is


def xml_ids(names: Sequence[str]) -> list[str]:
    """XML IDs (NCNames) for machine names, all different: other characters become '_', a
    name that does not start with a letter or '_' gets a leading '_', and an ID already taken
    (``mill 1`` after ``mill_1``) gets a number."""
    taken: set[str] = set()
    ids = []
    for name in names:
        cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        ident = cleaned if re.match(r"[A-Za-z_]", cleaned) else "_" + cleaned
        n = 1
        while ident in taken:
            n += 1
            ident = f"{cleaned}_{n}"
        taken.add(ident)
        ids.append(ident)
    return ids


class Device:
    """One MTConnect machine: its data items and the agent's view of its data source."""

    def __init__(self, machine: LiveMachine, link: Link | None, namespace: str,
                 ident: str) -> None:
        self.machine = machine
        self.link = link
        self.name = machine.name
        self.id = ident  # an XML ID (xml_ids)
        self.uuid = str(uuid5(NAMESPACE_URL, f"{namespace}/{machine.name}"))
        ident = self.id
        self.availability = DataItem(f"{ident}_avail", "EVENT", "AVAILABILITY", "Availability")
        self.items = {
            COUNT: DataItem(f"{ident}_part_count", "EVENT", "PART_COUNT", "PartCount"),
            STATE: DataItem(f"{ident}_execution", "EVENT", "EXECUTION", "Execution"),
            ALARM: DataItem(f"{ident}_system", "CONDITION", "SYSTEM", "System"),
            SAMPLE: DataItem(f"{ident}_temperature", "SAMPLE", "TEMPERATURE", "Temperature",
                             units="CELSIUS"),
        }

    @property
    def data_items(self) -> list[DataItem]:
        return [self.availability, *self.items.values()]

    def available(self) -> bool:
        return self.link is None or self.link.up


class Agent:
    """The devices and the buffer: the last ``buffer_size`` observations of all of them, in
    one sequence (as one agent serving several devices numbers them)."""

    def __init__(self, devices: Sequence[Device], buffer_size: int, instance_id: int) -> None:
        if buffer_size < 1:
            raise ValueError("an MTConnect buffer holds at least one observation")
        self.devices = list(devices)
        self.buffer_size = buffer_size
        self.instance_id = instance_id
        self.buffer: deque[Observation] = deque(maxlen=buffer_size)
        self.latest: dict[str, Observation] = {}
        self.next_sequence = 1
        for device in self.devices:
            machine = device.machine
            machine.listeners.append(functools.partial(self._said, device))
            machine.watchers.append(functools.partial(self._machine_changed, device))
            if device.link is not None:
                device.link.watchers.append(functools.partial(self._source_changed, device))
            self._record_current(device)

    @property
    def first_sequence(self) -> int:
        return self.buffer[0].sequence if self.buffer else self.next_sequence

    @property
    def last_sequence(self) -> int:
        return self.next_sequence - 1 if self.buffer else 0

    def observe(self, item: DataItem, at: float, value: str, text: str = "",
                condition_id: str = "") -> None:
        """Record an observation; an event or condition that repeats the last one is no
        change and is left out, as agents filter duplicates."""
        last = self.latest.get(item.id)
        if (item.category != "SAMPLE" and last is not None and last.value == value
                and last.text == text):
            return
        observation = Observation(self.next_sequence, item, at, value, text, condition_id)
        self.next_sequence += 1
        self.buffer.append(observation)
        self.latest[item.id] = observation

    def sample(self, start: int, count: int,
               items: Collection[str] | None = None) -> tuple[list[Observation], int]:
        """Up to ``count`` observations from sequence ``start`` on (of ``items`` only, when
        given) and the sequence to go on from: the one after the last looked at."""
        found: list[Observation] = []
        going_on = start
        for observation in itertools.islice(self.buffer, max(0, start - self.first_sequence),
                                            None):
            going_on = observation.sequence + 1
            if items is None or observation.item.id in items:
                found.append(observation)
                if len(found) == count:
                    break
        return found, going_on

    # --- what the simulation tells the agent ----------------------------------------------

    def _said(self, device: Device, msg: Message) -> None:
        if not device.available():
            return  # the adapter is cut off: nothing reaches the agent
        at, kind, value = msg[0], msg[2], value_of(msg)
        if kind == ALARM:
            self._condition(device, at)
        elif kind == STATE:
            self.observe(device.items[STATE], at, EXECUTION[str(value)])
        elif kind == COUNT:
            self.observe(device.items[COUNT], at, str(value))
        else:
            self.observe(device.items[SAMPLE], at, f"{float(value):.1f}")

    def _condition(self, device: Device, at: float) -> None:
        machine = device.machine
        if machine.up:
            self.observe(device.items[ALARM], at, NORMAL)
        else:
            self.observe(device.items[ALARM], at, FAULT,
                         f"{device.name} broke down (breakdown {machine.breakdowns})",
                         f"breakdown-{machine.breakdowns}")

    def _machine_changed(self, device: Device, _up: bool) -> None:
        """A breakdown or a repair: the execution state follows at once, and a repair clears
        the fault (the breakdown's own alarm message, which counts it, raises the fault)."""
        if not device.available():
            return
        machine = device.machine
        self.observe(device.items[STATE], machine.env.now, EXECUTION[machine.state])
        if machine.up:
            self._condition(device, machine.env.now)

    def _source_changed(self, device: Device, _up: bool) -> None:
        at = device.machine.env.now
        if device.available():
            self._record_current(device)
        else:
            self.observe(device.availability, at, UNAVAILABLE)
            for item in device.items.values():
                self.observe(item, at, UNAVAILABLE)

    def _record_current(self, device: Device) -> None:
        """Everything the machine shows now, as an adapter sends on connecting."""
        machine = device.machine
        at = machine.env.now
        if not device.available():
            self._source_changed(device, False)
            return
        self.observe(device.availability, at, "AVAILABLE")
        self.observe(device.items[COUNT], at, str(machine.parts))
        self.observe(device.items[STATE], at, EXECUTION[machine.state])
        self._condition(device, at)
        self.observe(device.items[SAMPLE], at, f"{machine.process_value(at):.1f}")
