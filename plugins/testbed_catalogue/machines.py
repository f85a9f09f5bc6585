"""Reference machines: the legacy and modern interfaces an SME shop floor actually has."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from testbed import (
    Constant,
    DistributionSpec,
    Duration,
    Faults,
    LogNormal,
    MachineKind,
    MachineParams,
    Medium,
    MessageKind,
    Rate,
    Size,
    hookimpl,
)

# Shared with the sector machines that read over a LAN or notify over OPC UA binary.
LAN_POLL = (
    "10 ms, above a LAN round trip of 1-5 ms (OPC Router documentation, network round-trip "
    "times; vendor)"
)
OPCUA_DATACHANGE_BYTES = (
    "a Publish response carrying one Double DataChange with both timestamps is 136 bytes "
    "without security (24 bytes of chunk headers, 112 of body), more when signed; derived from "
    "the message chunk, DataValue and ResponseHeader encodings (OPC 10000-6 6.7.2 and "
    "5.2.2.17, OPC 10000-4 7.33; standard)"
)
_BREAKDOWNS = (
    "guess: a breakdown every few weeks of two-shift running, repaired in hours; that is "
    "0.25-2.6 % of run time lost, below the 5 % median unplanned downtime of APQC's Open "
    "Standards Benchmarking, which counts every unplanned equipment stop"
)


class PaperStation(MachineParams):
    """A manual or semi-automatic station whose output is written on paper."""

    protocol: str = "paper"
    interface: Literal["push", "poll"] = "poll"
    medium: Medium = "none"
    tag_count: int = 8
    parts_per_record: int = 15
    cycle_time: DistributionSpec = LogNormal(dist="lognormal", mean=240.0, cv=0.3)
    breakdowns: Faults | None = Faults(mtbf=250 * 3600.0, mttr=2 * 3600.0)
    state_changes: Rate = 2 / 3600.0
    message_bytes: Size = 200


class Cnc1990s(MachineParams):
    """A 1990s CNC lathe with only an RS-232 port speaking the builder's own protocol."""

    protocol: str = "rs232-proprietary"
    interface: Literal["push", "poll"] = "poll"
    medium: Medium = "serial"
    min_poll_interval: Duration = 2.0
    tag_count: int = 30
    parts_per_record: int = 5
    cycle_time: DistributionSpec = LogNormal(dist="lognormal", mean=720.0, cv=0.2)
    breakdowns: Faults | None = Faults(mtbf=150 * 3600.0, mttr=4 * 3600.0, repair="lognormal")
    state_changes: Rate = 3 / 3600.0
    message_bytes: Size = 120


class PlcModbusRtu(MachineParams):
    """A PLC on a Modbus RTU serial line (RS-485)."""

    protocol: str = "modbus-rtu"
    interface: Literal["push", "poll"] = "poll"
    medium: Medium = "serial"
    min_poll_interval: Duration = 0.1
    tag_count: int = 60
    parts_per_record: int = 80
    cycle_time: DistributionSpec = LogNormal(dist="lognormal", mean=45.0, cv=0.1)
    breakdowns: Faults | None = Faults(mtbf=400 * 3600.0, mttr=1.5 * 3600.0)
    state_changes: Rate = 4 / 3600.0
    # function 03 reading 10 registers: 8-byte request + (5 + 2*10)-byte response
    message_bytes: Size = 33


class PlcModbusTcp(PlcModbusRtu):
    """A newer PLC with Modbus TCP on the shop Ethernet."""

    protocol: str = "modbus-tcp"
    medium: Medium = "ethernet"
    min_poll_interval: Duration = 0.01
    message_bytes: Size = 45


class MtconnectMachine(MachineParams):
    """A 2010s machining centre with an MTConnect agent."""

    protocol: str = "mtconnect"
    interface: Literal["push", "poll"] = "push"
    semantic: bool = True
    tag_count: int = 100
    tag_shares: dict[MessageKind, float] = {"count": 0.01, "state": 0.46, "alarm": 0.14,
                                            "sample": 0.39}
    parts_per_record: int = 8
    cycle_time: DistributionSpec = LogNormal(dist="lognormal", mean=480.0, cv=0.2)
    breakdowns: Faults | None = Faults(mtbf=500 * 3600.0, mttr=3 * 3600.0)
    state_changes: Rate = 4 / 3600.0
    sample_interval: Duration = 1.0
    message_bytes: Size = 300


class OpcuaMachine(MachineParams):
    """A new machine with an OPC UA server implementing a companion specification."""

    protocol: str = "opcua"
    interface: Literal["push", "poll"] = "push"
    semantic: bool = True
    tag_count: int = 80
    parts_per_record: int = 20
    cycle_time: DistributionSpec = Constant(dist="constant", value=180.0)
    breakdowns: Faults | None = Faults(mtbf=800 * 3600.0, mttr=2 * 3600.0)
    state_changes: Rate = 6 / 3600.0
    sample_interval: Duration = 1.0
    message_bytes: Size = 150


KINDS = [
    MachineKind(
        "paper-station",
        "Manual station recorded on paper, read by an operator on rounds",
        params=PaperStation,
        sources={
            "cycle_time": "guess: a few minutes per manual assembly, cv 0.3",
            "state_changes": "guess: shift, break and changeover events",
            "message_bytes": "guess: one keyed record",
            "tag_count": "guess: part count, scrap, downtime reason, operator, times",
            "parts_per_record": "guess: parts booked on the tally sheet about hourly",
            "breakdowns": _BREAKDOWNS,
        },
    ),
    MachineKind(
        "cnc-rs232-1990s",
        "1990s CNC lathe, RS-232 port with a proprietary protocol",
        params=Cnc1990s,
        sources={
            "tag_count": "guess: spindle, feed, program, part count, alarms",
            "cycle_time": "guess: 12 min turned parts on a job shop lathe, cv 0.2",
            "state_changes": "guess: setups, program changes, idle periods",
            "message_bytes": "guess: one ASCII status reply",
            "min_poll_interval": "guess: a DNC-style serial query takes about a second",
            "parts_per_record": "guess: a job card per lot, about hourly at the cycle time",
            "breakdowns": _BREAKDOWNS,
        },
    ),
    MachineKind(
        "plc-modbus-rtu",
        "PLC on Modbus RTU (RS-485 serial)",
        params=PlcModbusRtu,
        sources={
            "min_poll_interval": (
                "0.1 s leaves room for a few devices: a 10-register read at 19,200 baud "
                "takes about 23 ms of line time, 33 characters of 11 bits and two 3.5-"
                "character silences (derived from Modbus over Serial Line V1.02; standard)"
            ),
            "tag_count": "guess: a press PLC's coils and registers worth mapping",
            "cycle_time": "guess: a press stroke cycle under a minute, cv 0.1",
            "state_changes": "guess: die changes, jams, idle periods",
            "message_bytes": "Modbus RTU function 03, 10 registers: 8 + (5 + 2N) bytes "
            "(Modbus over serial line spec; standard)",
            "parts_per_record": "guess: a box of pressings, about hourly at the cycle time",
            "breakdowns": _BREAKDOWNS,
        },
    ),
    MachineKind(
        "plc-modbus-tcp",
        "PLC on Modbus TCP",
        params=PlcModbusTcp,
        sources={
            "min_poll_interval": LAN_POLL,
            "tag_count": "guess: as the RTU PLC",
            "cycle_time": "guess: as the RTU PLC",
            "state_changes": "guess: as the RTU PLC",
            "message_bytes": "Modbus TCP MBAP header 7 bytes + PDU (standard)",
            "parts_per_record": "guess: as the RTU PLC",
            "breakdowns": _BREAKDOWNS,
        },
    ),
    MachineKind(
        "mtconnect-machine",
        "Machining centre with an MTConnect agent",
        params=MtconnectMachine,
        sources={
            "tag_count": "the MTConnect reference agent's demo machines declare 100 DataItems "
            "(an Okuma MULT_U3000 lathe) and 116 (a Mazak VRX C600 5-axis mill; 100 without "
            "its B and C axes) (MTConnect Institute, cppagent, demo/agent/Devices.xml, 2026; "
            "vendor)",
            "tag_shares": "the categories of the same demo machines' 216 DataItems: SAMPLE "
            "85 (sample), CONDITION 31 (alarm), EVENT 100, of which 2 PART_COUNT (count) and "
            "98 states; shares rounded to sum to 1 (MTConnect Institute, cppagent, "
            "demo/agent/Devices.xml, 2026; vendor)",
            "cycle_time": "guess: 8 min milled parts, cv 0.2",
            "state_changes": "guess: execution state and program changes",
            "message_bytes": "guess: an MTConnect streams fragment",
            "semantic": "MTConnect standard vocabulary (standard)",
            "parts_per_record": "guess: a job card per lot, about hourly at the cycle time",
            "breakdowns": _BREAKDOWNS,
        },
    ),
    MachineKind(
        "opcua-machine",
        "New machine with an OPC UA server and companion specification",
        params=OpcuaMachine,
        rami_layer="communication",
        sources={
            "tag_count": "guess: variables a companion spec exposes for one machine",
            "cycle_time": "guess: 3 min automated cell, constant",
            "state_changes": "guess: job and mode changes",
            "message_bytes": OPCUA_DATACHANGE_BYTES,
            "semantic": "OPC UA companion specification (standard)",
            "sample_interval": "OPC UA publishing interval default 1000 ms (node-opcua API "
            "documentation, SubscriptionOptions.publishingInterval; vendor)",
            "parts_per_record": "guess: a lot, about hourly at the cycle time",
            "breakdowns": _BREAKDOWNS,
        },
    ),
]


@hookimpl
def testbed_register_machine_kinds(register: Callable[[MachineKind], None]) -> None:
    for kind in KINDS:
        register(kind)
