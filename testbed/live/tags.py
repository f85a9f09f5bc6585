"""What a live machine shows: its four tags, their types and units, and the values they take.

The message-level engine needs only when a message was made and by which machine; a live run
also needs what it says. A live machine's messages carry their value as a fourth element,
which the engine passes along untouched (it reads only the first three).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import cast

from asyncua import ua
from simpy import Environment

from testbed.seeds import derive_seed
from testbed.sim.ledger import Ledger
from testbed.sim.machines import Machine, Origin, Process
from testbed.sim.network import ALARM, COUNT, SAMPLE, STATE, Message
from testbed.sim.randomness import Sampler

RUNNING, SETUP, BROKEN_DOWN = "Running", "Setup", "Broken down"
STATE_CODES = {RUNNING: 0, SETUP: 1, BROKEN_DOWN: 2}
# UNECE Recommendation 20 codes, as OPC UA Part 8 encodes them in EUInformation.UnitId.
UNECE_URI = "http://www.opcfoundation.org/UA/units/un/cefact"


def unece_id(code: str) -> int:
    """OPC UA Part 8: the UnitId of a UNECE code is its characters packed into an integer."""
    value = 0
    for char in code:
        value = value << 8 | ord(char)
    return value


@dataclass(frozen=True)
class Tag:
    kind: int
    name: str
    variant: ua.VariantType
    unit: str
    unece: str
    description: str


TAGS = (
    Tag(COUNT, "PartCount", ua.VariantType.UInt32, "parts", "H87",
        "parts made since the run began"),
    Tag(STATE, "State", ua.VariantType.String, "", "",
        "Running, Setup (state changes other than breakdowns alternate these) or Broken down"),
    Tag(ALARM, "BreakdownCount", ua.VariantType.UInt32, "breakdowns", "C62",
        "breakdowns since the run began; each also raises a MachineBreakdown event"),
    Tag(SAMPLE, "ProcessValue", ua.VariantType.Double, "°C", "CEL",
        "process temperature: 40 °C with a one-hour swing of ±5 °C and noise of 0.2 °C"),
)
TAG_OF_KIND = {tag.kind: tag for tag in TAGS}


def eu_information(tag: Tag) -> ua.EUInformation:
    return ua.EUInformation(NamespaceUri=UNECE_URI, UnitId=unece_id(tag.unece),
                            DisplayName=ua.LocalizedText(tag.unit),
                            Description=ua.LocalizedText(tag.description))


class LiveMachine(Machine):
    """A machine whose messages carry values, and whose polls a real reader may drive.

    A machine named in ``external`` is read by a real Modbus gateway, so the simulation does not
    poll it on a timer; the gateway triggers each poll (:meth:`Machine.poll`) when it reads.
    """

    def __init__(self, env: Environment, ledger: Ledger, index: int, name: str,
                 cycle: Sampler, sample_interval: float, *, seed: int,
                 external: Collection[str]) -> None:
        super().__init__(env, ledger, index, name, cycle, sample_interval)
        self.external_polls = name in external
        self.state = RUNNING
        self._repairing = False
        self._seed = derive_seed(seed, "live", name, "process value")
        self._phase = random.Random(self._seed).uniform(0.0, 2 * math.pi)
        # Who hears each message as the machine says it, before any network (an MTConnect
        # agent's adapter does).
        self.listeners: list[Callable[[Message], None]] = []

    def process_value(self, at: float | None = None) -> float:
        """The process value at simulated time ``at`` (default now): a pure function of
        time, so that a Modbus read and a sample taken at the same moment agree, and reading
        draws no randomness the simulation would otherwise use."""
        now = self.env.now if at is None else at
        swing = 5.0 * math.sin(2 * math.pi * now / 3600.0 + self._phase)
        noise = random.Random(self._seed + round(now * 1000)).gauss(0.0, 0.2)
        return round(40.0 + swing + noise, 1)

    def message(self, kind: int) -> Message:
        if kind == STATE and self.up and not self._repairing:
            self.state = SETUP if self.state == RUNNING else RUNNING
        msg = cast(Message, (self.env.now, self.index, kind, self.current(kind)))
        for listener in self.listeners:
            listener(msg)
        return msg

    def current(self, kind: int) -> float | int | str:
        """What the machine's tag of ``kind`` reads now (as its Modbus registers do)."""
        if kind == COUNT:
            return self.parts
        if kind == ALARM:
            return self.breakdowns
        if kind == STATE:
            return self.state
        return self.process_value()

    def set_up(self, up: bool) -> None:
        self.state = RUNNING if up else BROKEN_DOWN
        self._repairing = up
        super().set_up(up)
        self._repairing = False

    def polling(self, origin: Origin, phase: float) -> Process:
        if not self.external_polls:
            yield from super().polling(origin, phase)


def value_of(msg: Message) -> float | int | str:
    return cast(tuple[float, int, int, float | int | str], msg)[3]


