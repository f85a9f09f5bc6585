"""Machines of the sectors SMEs work in: injection moulders on EUROMAP 63 files and EUROMAP 77
OPC UA, PackML packaging, Siemens S7 and Allen-Bradley PLCs, machines that drop CSV files,
and the scales and label printers on serial lines."""

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
    Rate,
    Size,
    hookimpl,
)
from testbed_catalogue.machines import LAN_POLL, OPCUA_DATACHANGE_BYTES

_BREAKDOWNS = "guess: a breakdown every few weeks of two-shift running, repaired in hours"
_IMM_CYCLE = (
    "cycles from about 10 s for thin-wall packaging to 120 s and more for thick technical "
    "parts: 30 s for a mid-range part, cv 0.03 guessed as cycles repeat closely (Evok Poly, "
    "'Injection molding cycle time', n.d., blog; secondary)"
)
_IMM_LOT = "guess: an hour of shots at the cycle time, booked as one box"


class InjectionMoulderEuromap63(MachineParams):
    """An injection moulding machine exchanging EUROMAP 63 request and report files with a host
    through a shared session folder."""

    protocol: str = "euromap63"
    interface: Literal["push", "poll"] = "poll"
    medium: Medium = "ethernet"
    min_poll_interval: Duration = 5.0
    tag_count: int = 40
    parts_per_record: int = 120
    cycle_time: DistributionSpec = LogNormal(dist="lognormal", mean=30.0, cv=0.03)
    breakdowns: Faults | None = Faults(mtbf=400 * 3600.0, mttr=2 * 3600.0)
    state_changes: Rate = 3 / 3600.0
    message_bytes: Size = 1500


class InjectionMoulderEuromap77(MachineParams):
    """An injection moulding machine with an OPC UA server on the EUROMAP 77 (OPC 40077)
    companion specification for the MES."""

    protocol: str = "opcua"
    interface: Literal["push", "poll"] = "push"
    semantic: bool = True
    tag_count: int = 62
    parts_per_record: int = 120
    cycle_time: DistributionSpec = LogNormal(dist="lognormal", mean=30.0, cv=0.03)
    breakdowns: Faults | None = Faults(mtbf=400 * 3600.0, mttr=2 * 3600.0)
    state_changes: Rate = 3 / 3600.0
    sample_interval: Duration = 1.0
    message_bytes: Size = 150


class PackagingPackml(MachineParams):
    """A packaging machine (flow-wrapper, cartoner) exposing PackML PackTags and state model
    over OPC UA (OPC 30050)."""

    protocol: str = "opcua"
    interface: Literal["push", "poll"] = "push"
    semantic: bool = True
    tag_count: int = 20
    parts_per_record: int = 3600
    cycle_time: DistributionSpec = LogNormal(dist="lognormal", mean=1.0, cv=0.05)
    breakdowns: Faults | None = Faults(mtbf=100 * 3600.0, mttr=0.5 * 3600.0)
    state_changes: Rate = 14 / 3600.0
    sample_interval: Duration = 1.0
    message_bytes: Size = 150


class PlcS7(MachineParams):
    """A Siemens S7-300/400/1200/1500 PLC read over S7comm (ISO-on-TCP, port 102, PUT/GET)."""

    protocol: str = "s7comm"
    interface: Literal["push", "poll"] = "poll"
    medium: Medium = "ethernet"
    min_poll_interval: Duration = 0.01
    tag_count: int = 60
    parts_per_record: int = 80
    cycle_time: DistributionSpec = LogNormal(dist="lognormal", mean=45.0, cv=0.1)
    breakdowns: Faults | None = Faults(mtbf=400 * 3600.0, mttr=1.5 * 3600.0)
    state_changes: Rate = 4 / 3600.0
    # one Read Var of 20 bytes: 31-byte request + 45-byte response
    message_bytes: Size = 76


class PlcEthernetIp(PlcS7):
    """An Allen-Bradley (Logix) PLC read by CIP explicit messages over EtherNet/IP."""

    protocol: str = "ethernet-ip"
    # one Read Tag of a 20-byte tag: 58-byte request + 66-byte response
    message_bytes: Size = 124


class CsvExportMachine(MachineParams):
    """A machine (test rig, CMM, laser marker) that drops a CSV or XML file on a share for each
    part or lot; a collector polls the share."""

    protocol: str = "file-csv"
    interface: Literal["push", "poll"] = "poll"
    medium: Medium = "ethernet"
    min_poll_interval: Duration = 5.0
    tag_count: int = 15
    parts_per_record: int = 30
    cycle_time: DistributionSpec = LogNormal(dist="lognormal", mean=120.0, cv=0.2)
    breakdowns: Faults | None = Faults(mtbf=500 * 3600.0, mttr=2 * 3600.0)
    state_changes: Rate = 2 / 3600.0
    message_bytes: Size = 400


class WeighingScaleSerial(MachineParams):
    """A weighing scale or balance answering ASCII commands (MT-SICS style) on RS-232."""

    protocol: str = "rs232-ascii"
    interface: Literal["push", "poll"] = "poll"
    medium: Medium = "serial"
    min_poll_interval: Duration = 0.1
    tag_count: int = 6
    parts_per_record: int = 180
    cycle_time: DistributionSpec = LogNormal(dist="lognormal", mean=20.0, cv=0.3)
    breakdowns: Faults | None = Faults(mtbf=2000 * 3600.0, mttr=4 * 3600.0)
    state_changes: Rate = 2 / 3600.0
    # "S" + CRLF asked, "S S     100.00 g" + CRLF answered
    message_bytes: Size = 21


class LabelPrinterSerial(MachineParams):
    """A label printer reporting its status and label counts over RS-232 (ZPL ~HS style)."""

    protocol: str = "rs232-ascii"
    interface: Literal["push", "poll"] = "poll"
    medium: Medium = "serial"
    min_poll_interval: Duration = 0.5
    tag_count: int = 25
    parts_per_record: int = 300
    cycle_time: DistributionSpec = Constant(dist="constant", value=12.0)
    breakdowns: Faults | None = Faults(mtbf=200 * 3600.0, mttr=0.25 * 3600.0)
    state_changes: Rate = 2 / 3600.0
    # "~HS" asked, three <STX>...<ETX><CR><LF> status strings answered
    message_bytes: Size = 84


KINDS = [
    MachineKind(
        "injection-moulder-euromap63",
        "Injection moulding machine on EUROMAP 63 (request and report files in a shared folder)",
        params=InjectionMoulderEuromap63,
        sources={
            "min_poll_interval": (
                "guess: each read is a request file the machine finds on its next scan of its "
                "session folder and answers with a report file, so a transaction takes seconds "
                "(exchange as in EUROMAP 63 v1.05a, 2000, and PTC's EUROMAP 63 Driver manual, "
                "2020)"),
            "tag_count": "guess: the actual values and counters an MES reads from a moulder's "
                         "EUROMAP 63 parameter set",
            "cycle_time": _IMM_CYCLE,
            "state_changes": "guess: mould and material changes, idle periods",
            "message_bytes": "guess: one report file of a few dozen CSV fields with its header",
            "parts_per_record": _IMM_LOT,
            "breakdowns": _BREAKDOWNS,
        },
    ),
    MachineKind(
        "injection-moulder-euromap77",
        "Injection moulding machine on EUROMAP 77 (OPC UA for MES, OPC 40077)",
        params=InjectionMoulderEuromap77,
        rami_layer="communication",
        sources={
            "tag_count": (
                "the variables an IMM_MES_InterfaceType instance must have with one injection "
                "unit, mould and power unit: 28 mandatory ones plus 34 of the three units; 262 "
                "with every optional one (counted in the OPC 40077 v1.01 nodeset, "
                "OPCFoundation/UA-Nodeset PlasticsRubber/IMM2MES; standard)"),
            "cycle_time": _IMM_CYCLE,
            "state_changes": "guess: machine mode and job changes (OPC 40077 MachineStatus)",
            "message_bytes": OPCUA_DATACHANGE_BYTES,
            "semantic": "EUROMAP 77 information model for IMM to MES (OPC 40077, 2020; "
                        "standard)",
            "parts_per_record": _IMM_LOT,
            "breakdowns": _BREAKDOWNS,
        },
    ),
    MachineKind(
        "packaging-packml",
        "Packaging machine with PackML PackTags over OPC UA (OPC 30050)",
        params=PackagingPackml,
        rami_layer="communication",
        sources={
            "tag_count": (
                "the 20 mandatory variables of a PackMLBaseObjectType instance (state machine "
                "and Status PackTags); 80 with the optional Status and Admin PackTags, as "
                "commands are methods (counted in the OPC 30050 v1.01 nodeset, "
                "OPCFoundation/UA-Nodeset PackML/Opc.Ua.PackML.NodeSet2.xml; standard)"),
            "cycle_time": "guess: 60 packs a minute, below the 80-135 bags a minute quoted for "
                          "vertical baggers (Baking Business, 'Vertical f/f/s offers bakers a "
                          "variety of packaging options'), as a small line runs slower",
            "state_changes": (
                "seven stops of under ten minutes an hour on food and beverage packaging "
                "lines, each a stop and a restart of the PackML state (Informance's "
                "production data of 141 lines, in Food Engineering, 'Are you best-in-class or "
                "a laggard?', 2007; secondary)"),
            "breakdowns": "guess: a jam every few days of running, cleared in half an hour",
            "message_bytes": OPCUA_DATACHANGE_BYTES,
            "semantic": "PackML information model (OPC 30050, 2020; standard)",
            "parts_per_record": "guess: an hour of packs booked as one pallet",
        },
    ),
    MachineKind(
        "plc-s7",
        "Siemens S7-300/400/1200/1500 PLC on S7comm (ISO-on-TCP port 102, PUT/GET)",
        params=PlcS7,
        sources={
            "min_poll_interval": LAN_POLL,
            "tag_count": "guess: a machine PLC's data block worth mapping",
            "cycle_time": "guess: a PLC-controlled machine cycle under a minute, cv 0.1",
            "state_changes": "guess: changeovers, jams, idle periods",
            "message_bytes": (
                "S7comm Read Var of 20 bytes: TPKT 4 + COTP 3 + S7 header 10 + parameters 14 "
                "= 31 bytes asked, 4 + 3 + 12 + 2 + 4 + 20 = 45 answered (Snap7/Settimino "
                "S7 protocol notes; secondary)"),
            "parts_per_record": "guess: a box of parts, about hourly at the cycle time",
            "breakdowns": _BREAKDOWNS,
        },
    ),
    MachineKind(
        "plc-ethernet-ip",
        "Allen-Bradley Logix PLC on EtherNet/IP (CIP explicit messaging)",
        params=PlcEthernetIp,
        sources={
            "min_poll_interval": LAN_POLL,
            "tag_count": "guess: a machine PLC's controller tags worth mapping",
            "cycle_time": "guess: a PLC-controlled machine cycle under a minute, cv 0.1",
            "state_changes": "guess: changeovers, jams, idle periods",
            "message_bytes": (
                "SendRRData: 24-byte encapsulation header + 16 bytes of common packet format, "
                "then a CIP Read Tag (0x4C) of a 20-byte tag by an 11-character name: 18 bytes "
                "asked, 26 answered, 58 + 66 in all (ODVA EtherNet/IP encapsulation as "
                "documented by the icspacket and ciplink libraries; secondary)"),
            "parts_per_record": "guess: a box of parts, about hourly at the cycle time",
            "breakdowns": _BREAKDOWNS,
        },
    ),
    MachineKind(
        "csv-export-machine",
        "Machine dropping a CSV or XML file on a share for each part or lot",
        params=CsvExportMachine,
        sources={
            "min_poll_interval": "guess: a collector lists the share every few seconds; "
                                 "faster only loads the file server",
            "tag_count": "guess: the columns of one result file",
            "cycle_time": "guess: a test rig or measuring machine at two minutes a part",
            "state_changes": "guess: program changes and idle periods",
            "message_bytes": "guess: one result file of a header and a row",
            "parts_per_record": "guess: an hour of parts booked as one lot",
            "breakdowns": _BREAKDOWNS,
        },
    ),
    MachineKind(
        "weighing-scale-serial",
        "Weighing scale on RS-232 answering ASCII commands (MT-SICS style)",
        params=WeighingScaleSerial,
        sources={
            "message_bytes": (
                "MT-SICS 'S' (send stable weight) and its reply 'S S <weight> <unit>', each "
                "ended by CR LF: 3 + 18 bytes (Mettler Toledo MT-SICS reference manual; "
                "vendor)"),
            "min_poll_interval": "guess: 0.1 s lets the scale settle between reads; the 21 "
                                 "bytes take 22 ms at 9600 baud, 10 bits a character",
            "tag_count": "weight, tare, unit, stability and status as MT-SICS replies carry "
                         "them (Mettler Toledo MT-SICS reference manual; vendor)",
            "cycle_time": "guess: a check weighing of a case or batch every 20 s by hand, cv 0.3",
            "state_changes": "guess: tare and product changes",
            "parts_per_record": "guess: an hour of weighings booked as one batch",
            "breakdowns": "guess: a load cell or cable fault a year, repaired in a morning",
        },
    ),
    MachineKind(
        "label-printer-serial",
        "Label printer on RS-232 reporting status and label counts (ZPL ~HS style)",
        params=LabelPrinterSerial,
        sources={
            "message_bytes": (
                "ZPL ~HS host status: three strings, each <STX>...<ETX><CR><LF>, of 35, 36 "
                "and 10 bytes, after a 3-byte query (Zebra ZPL II Programming Guide; vendor)"),
            "min_poll_interval": "guess: 0.5 s leaves the printer time to answer while "
                                 "printing; the 84 bytes take 88 ms at 9600 baud",
            "tag_count": "the 25 fields of the ~HS reply, labels remaining in batch among "
                         "them (Zebra ZPL II Programming Guide; vendor)",
            "cycle_time": "guess: one case label every 12 s at the end of a packing line",
            "state_changes": "guess: media and ribbon changes, pauses",
            "breakdowns": "guess: a jam or media fault about weekly, cleared in 15 min",
            "parts_per_record": "guess: an hour of labels booked as one batch",
        },
    ),
]


@hookimpl
def testbed_register_machine_kinds(register: Callable[[MachineKind], None]) -> None:
    for kind in KINDS:
        register(kind)
