"""Machines that speak Modbus as a real Modbus TCP server, and the Modbus gateway as a real
client that polls them.

One server listens on the Modbus port; each Modbus machine is a unit on it (device id 1, 2, ...
in the order of the scenario), as machines on an RS-485 line are behind a serial-to-TCP
gateway. A device id is one byte and 1-247 are for devices, so the 248th Modbus machine is unit 1
of a second server on the next port, and so on. Each unit's holding registers (function 3,
read-only):

====  ==========================================================
0-1   PartCount, unsigned 32-bit, high word first
2     BreakdownCount
3     State: 0 Running, 1 Setup, 2 Broken down
4     ProcessValue in tenths of a degree Celsius, signed 16-bit
5-6   simulated seconds since the run began, unsigned 32-bit
====  ==========================================================

While the machine's own link is down the unit answers exception 0x0B (gateway target device
failed to respond), as a serial gateway does when the device is silent.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from dataclasses import dataclass

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.constants import ExcCodes
from pymodbus.exceptions import ModbusException
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice
from simpy import Environment
from simpy.events import Event

from testbed.live.clock import SimClock
from testbed.live.tags import STATE_CODES, LiveMachine
from testbed.sim.machines import Origin
from testbed.sim.network import Link
from testbed.sim.network import Server as Translator

REGISTERS = 7
UNITS_PER_SERVER = 247  # Modbus device ids 1-247; the rest are reserved


def address_of(index: int, first_port: int) -> tuple[int, int]:
    """The (port, unit) of the ``index``-th (from 0) Modbus machine."""
    server, unit = divmod(index, UNITS_PER_SERVER)
    return first_port + server, unit + 1


def registers_of(machine: LiveMachine) -> list[int]:
    parts = machine.parts & 0xFFFF_FFFF
    seconds = int(machine.env.now) & 0xFFFF_FFFF
    tenths = round(machine.process_value() * 10) & 0xFFFF
    return [parts >> 16, parts & 0xFFFF, machine.breakdowns & 0xFFFF,
            STATE_CODES[machine.state], tenths, seconds >> 16, seconds & 0xFFFF]


def decode(registers: list[int]) -> dict[str, float | int]:
    """What a Modbus client reads, as numbers (the inverse of :func:`registers_of`)."""
    tenths = registers[4] - 0x10000 if registers[4] & 0x8000 else registers[4]
    return {"PartCount": registers[0] << 16 | registers[1], "BreakdownCount": registers[2],
            "State": registers[3], "ProcessValue": tenths / 10,
            "SimulatedSeconds": registers[5] << 16 | registers[6]}


@dataclass
class ModbusUnit:
    port: int
    unit: int
    machine: LiveMachine
    link: Link | None  # the machine's own link, if it has one


class ModbusMachines:
    def __init__(self, units: list[ModbusUnit], host: str) -> None:
        self.units = units
        self.host = host
        self.reads = 0
        self.servers: list[ModbusTcpServer] = []

    async def start(self) -> None:
        for port in sorted({u.port for u in self.units}):
            devices = [SimDevice(id=u.unit, simdata=[SimData(0, count=REGISTERS,
                                                              datatype=DataType.REGISTERS)],
                                 action=functools.partial(self._answer, u))
                       for u in self.units if u.port == port]
            server = ModbusTcpServer(devices, address=(self.host, port))
            self.servers.append(server)
            await server.serve_forever(background=True)

    async def _answer(self, unit: ModbusUnit, _function: int, start: int, _address: int,
                      _count: int, registers: list[int],
                      values: list[int] | list[bool] | None) -> ExcCodes | None:
        if values is not None:
            return ExcCodes.ILLEGAL_FUNCTION  # a machine's counters are not written from outside
        if unit.link is not None and not unit.link.up:
            return ExcCodes.GATEWAY_NO_RESPONSE
        self.reads += 1
        registers[-start:REGISTERS - start] = registers_of(unit.machine)
        return None

    async def stop(self) -> None:
        servers, self.servers = self.servers, []
        for server in servers:
            await server.shutdown()


@dataclass
class Poll:
    """One reader's polling of one Modbus machine."""

    port: int
    unit: int
    machine: LiveMachine
    origin: Origin
    reader: Translator
    phase: float


def _poll_now(poll: Poll, _event: Event) -> None:
    poll.machine.poll(poll.origin)


class ModbusGateway:
    """The Modbus-to-OPC UA translator as a real Modbus TCP client.

    Each poll is a real read of the unit's registers; when it completes (answered or not) the
    simulated reader's poll happens at that simulated moment, carrying the latched events and a
    sample into the architecture. While the simulated gateway is crashed it reads nothing.
    """

    def __init__(self, env: Environment, clock: SimClock, host: str,
                 polls: list[Poll]) -> None:
        self.env = env
        self.clock = clock
        self.host = host
        self.polls = polls
        self.reads = 0
        self.failed_reads = 0
        self.last: dict[tuple[int, int], list[int]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._clients: dict[int, AsyncModbusTcpClient] = {}
        self._stopping = False

    async def start(self) -> None:
        for port in sorted({p.port for p in self.polls}):
            client = AsyncModbusTcpClient(self.host, port=port, timeout=2, retries=0)
            self._clients[port] = client
            if not await client.connect():
                raise ConnectionError(f"the Modbus gateway cannot reach {self.host}:{port}")
        self._tasks = [asyncio.create_task(self._poll(p)) for p in self.polls]

    async def _poll(self, poll: Poll) -> None:
        interval = poll.origin.poll_interval
        assert interval is not None
        due = poll.phase
        # Python 3.11's wait_for (inside pymodbus's read) loses a cancellation that arrives as
        # the answer does, and the poll would then go on for ever and stop() with it
        # (benchmarks/live_capacity.py hung so at the end of a run); the flag ends it anyway.
        while not self._stopping:
            await asyncio.sleep(max(0.0, self.clock.wall_delay(due - self.clock.now())))
            if self._stopping:
                return
            if poll.reader.up:
                await self._read(poll.port, poll.unit)
            delay = max(0.0, self.clock.now() - self.env.now)
            self.env.timeout(delay).callbacks.append(functools.partial(_poll_now, poll))
            due += interval

    async def _read(self, port: int, unit: int) -> None:
        self.reads += 1
        try:
            answer = await self._clients[port].read_holding_registers(0, count=REGISTERS,
                                                                      device_id=unit)
        except ModbusException:
            self.failed_reads += 1
            return
        if answer.isError():
            self.failed_reads += 1
        else:
            self.last[(port, unit)] = list(answer.registers)

    async def stop(self) -> None:
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        clients, self._clients = self._clients, {}
        for client in clients.values():
            client.close()
