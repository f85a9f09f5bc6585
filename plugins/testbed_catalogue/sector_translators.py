"""Translators for the sector machines' interfaces: a collector of dropped and exchanged files,
and a gateway turning S7 and EtherNet/IP PLCs into OPC UA."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from testbed import (
    DistributionSpec,
    Duration,
    Exponential,
    Faults,
    TranslatorKind,
    TranslatorParams,
    hookimpl,
)
from testbed_catalogue.translators import ModbusOpcuaGateway


class FileCollector(TranslatorParams):
    """Watches machines' shares: EUROMAP 63 session folders and CSV/XML drops, served as OPC UA.
    Products of this shape: PTC Kepware's EUROMAP 63 driver, Node-RED flows with an OPC UA
    server node."""

    role: Literal["adapter"] = "adapter"
    inputs: list[str] = ["euromap63", "file-csv"]
    output: str = "opcua"
    open_output: bool = True
    location: Literal["edge"] = "edge"
    poll_interval: Duration = 5.0
    service_time: DistributionSpec = Exponential(dist="exponential", mean=0.01)
    crashes: Faults | None = Faults(mtbf=4000 * 3600.0, mttr=1 * 3600.0)
    vendor: str = "FileBridge"
    capex_gbp: float = 400.0
    capex_category: Literal["connection hardware", "licence", "other software"] = "licence"
    setup_hours: float = 6.0
    minutes_per_tag: float = 1.0
    skills: list[str] = ["file-shares", "opcua"]


class PlcOpcuaGateway(ModbusOpcuaGateway):
    """A gateway reading Siemens S7 (PUT/GET) and Allen-Bradley Logix (CIP) PLCs, serving their
    tags as OPC UA: the Modbus gateway's queue, polling and effort, other inputs and price."""

    inputs: list[str] = ["s7comm", "ethernet-ip"]
    capex_gbp: float = 1500.0
    skills: list[str] = ["plc", "opcua"]


KINDS = [
    TranslatorKind(
        "file-collector",
        "Collector of machines' files (EUROMAP 63 session folders, CSV/XML drops), serving "
        "OPC UA",
        params=FileCollector,
        rami_layer="integration",
        sources={
            "poll_interval": "guess: lists each share every few seconds, as the machines "
                             "allow (see their min_poll_interval)",
            "service_time": "guess: parsing one small file takes milliseconds",
            "crashes": "guess: a collector service restarts a few times a year",
            "capex_gbp": "guess: a driver or collector licence on a PC the shop has",
            "setup_hours": "guess: shares, permissions and the file layout of each machine",
            "minutes_per_tag": "guess: a file's fields are mapped by hand, a minute each",
        },
    ),
    TranslatorKind(
        "plc-opcua-gateway",
        "Gateway reading Siemens S7 and Allen-Bradley EtherNet/IP PLCs, serving OPC UA",
        params=PlcOpcuaGateway,
        rami_layer="communication",
        sources={
            "poll_interval": "Ignition's Default scan class polls every 1 s (Inductive "
                             "Automation, Ignition 7.9 user manual, Direct Scan Class; vendor)",
            "service_time": "guess: milliseconds per request",
            "crashes": "guess: an industrial gateway restarts a few times a year",
            "capex_gbp": "guess: UK list prices of DIN-rail protocol gateways",
            "setup_hours": "a handful of devices at 60-90 min each of manual commissioning "
                           "(Koziolek et al., ICSE-SEIP 2019; paper)",
            "minutes_per_tag": "guess: symbolic tags imported from the PLC project map "
                               "quickly, as a Modbus gateway's registers",
        },
    ),
]


@hookimpl
def testbed_register_translators(register: Callable[[TranslatorKind], None]) -> None:
    for kind in KINDS:
        register(kind)
