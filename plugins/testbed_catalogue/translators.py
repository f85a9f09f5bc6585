"""Reference translators: retrofit kits, gateways, brokers, aggregation servers, custom drivers
and the person with a clipboard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from testbed import (
    Constant,
    DistributionSpec,
    Duration,
    Exponential,
    Faults,
    LogNormal,
    TranslatorKind,
    TranslatorParams,
    hookimpl,
)

_MAPPING = (
    "guess: tag mapping at 1-5 tags/min on clean PLC code, slower on messy code, as a "
    "vendor's effort calculator has it (not citable: treat it as our estimate)"
)
_POLL = (
    "Ignition's Default scan class polls every 1 s (Inductive Automation, Ignition 7.9 user "
    "manual, Direct Scan Class; vendor)"
)
_GATEWAY_CRASH = "guess: an industrial gateway restarts a few times a year"


class SerialRetrofitKit(TranslatorParams):
    role: Literal["adapter"] = "adapter"
    # a protocol profile per device: the builder's own protocol or plain ASCII commands
    inputs: list[str] = ["rs232-proprietary", "rs232-ascii"]
    output: str = "opcua"
    open_output: bool = True
    location: Literal["machine"] = "machine"
    scope: Literal["per_machine", "shared"] = "per_machine"
    poll_interval: Duration = 2.0
    service_time: DistributionSpec = Constant(dist="constant", value=0.005)
    crashes: Faults | None = Faults(mtbf=5000 * 3600.0, mttr=8 * 3600.0)
    vendor: str = "RetroLink"
    capex_gbp: float = 900.0
    setup_hours: float = 6.0
    minutes_per_tag: float = 2.0
    skills: list[str] = ["rs232", "opcua"]


class ModbusOpcuaGateway(TranslatorParams):
    role: Literal["gateway"] = "gateway"
    inputs: list[str] = ["modbus-rtu", "modbus-tcp"]
    output: str = "opcua"
    open_output: bool = True
    location: Literal["edge"] = "edge"
    poll_interval: Duration = 1.0
    service_time: DistributionSpec = Exponential(dist="exponential", mean=0.002)
    crashes: Faults | None = Faults(mtbf=3000 * 3600.0, mttr=2 * 3600.0)
    vendor: str = "GateWorks"
    capex_gbp: float = 1200.0
    setup_hours: float = 8.0
    minutes_per_tag: float = 0.5
    skills: list[str] = ["modbus", "opcua"]


class MtconnectAdapter(TranslatorParams):
    role: Literal["adapter"] = "adapter"
    inputs: list[str] = ["mtconnect"]
    output: str = "opcua"
    open_output: bool = True
    location: Literal["edge"] = "edge"
    service_time: DistributionSpec = Exponential(dist="exponential", mean=0.003)
    crashes: Faults | None = Faults(mtbf=4000 * 3600.0, mttr=1 * 3600.0)
    vendor: str = "OpenAdapt"
    capex_gbp: float = 600.0
    setup_hours: float = 4.0
    minutes_per_tag: float = 0.2
    skills: list[str] = ["mtconnect", "opcua"]


class SparkplugEdgeBridge(TranslatorParams):
    role: Literal["gateway"] = "gateway"
    # Edge nodes of this shape (Ignition Edge with MQTT Transmission, EMQX Neuron) carry
    # Siemens S7 and Allen-Bradley drivers beside Modbus and OPC UA.
    inputs: list[str] = ["opcua", "modbus-rtu", "modbus-tcp", "s7comm", "ethernet-ip"]
    output: str = "mqtt-sparkplug"
    open_output: bool = True
    location: Literal["edge"] = "edge"
    poll_interval: Duration = 1.0
    service_time: DistributionSpec = Exponential(dist="exponential", mean=0.001)
    buffer_messages: int = 2_000_000
    crashes: Faults | None = Faults(mtbf=3000 * 3600.0, mttr=2 * 3600.0)
    vendor: str = "GateWorks"
    capex_gbp: float = 1500.0
    setup_hours: float = 10.0
    minutes_per_tag: float = 0.5
    skills: list[str] = ["mqtt", "sparkplug"]


class MqttBroker(TranslatorParams):
    role: Literal["broker"] = "broker"
    inputs: list[str] = ["mqtt-sparkplug", "mqtt-json"]
    output: str = "mqtt-sparkplug"
    open_output: bool = True
    location: Literal["onprem"] = "onprem"
    service_time: DistributionSpec = Exponential(dist="exponential", mean=0.0005)
    crashes: Faults | None = Faults(mtbf=2000 * 3600.0, mttr=0.5 * 3600.0)
    vendor: str = "open-source"
    capex_gbp: float = 800.0
    setup_hours: float = 8.0
    skills: list[str] = ["mqtt", "linux"]


class OpcuaAggregationServer(TranslatorParams):
    role: Literal["aggregator"] = "aggregator"
    inputs: list[str] = ["opcua"]
    output: str = "opcua"
    open_output: bool = True
    location: Literal["onprem"] = "onprem"
    poll_interval: Duration = 1.0
    service_time: DistributionSpec = Exponential(dist="exponential", mean=0.001)
    crashes: Faults | None = Faults(mtbf=2000 * 3600.0, mttr=1 * 3600.0)
    vendor: str = "UaSoft"
    capex_gbp: float = 3000.0
    # the capex is the server's licence: it runs on a PC the shop has
    capex_category: Literal["connection hardware", "licence", "other software"] = "licence"
    opex_gbp_per_month: float = 60.0
    setup_hours: float = 16.0
    minutes_per_tag: float = 0.2
    skills: list[str] = ["opcua"]


class EdgeHub(TranslatorParams):
    role: Literal["hub"] = "hub"
    # The driver lists of hub products (PTC Kepware, Ignition): Siemens TCP/IP Ethernet,
    # Allen-Bradley Logix, EUROMAP 63 and Mettler Toledo serial drivers among them.
    inputs: list[str] = ["opcua", "modbus-rtu", "modbus-tcp", "mtconnect", "s7comm",
                         "ethernet-ip", "euromap63", "rs232-ascii"]
    output: str = "opcua"
    open_output: bool = True
    location: Literal["edge"] = "edge"
    poll_interval: Duration = 1.0
    service_time: DistributionSpec = Exponential(dist="exponential", mean=0.001)
    buffer_messages: int = 500_000
    crashes: Faults | None = Faults(mtbf=3000 * 3600.0, mttr=2 * 3600.0)
    vendor: str = "HubSys"
    capex_gbp: float = 2500.0
    opex_gbp_per_month: float = 40.0
    setup_hours: float = 12.0
    minutes_per_tag: float = 0.5
    skills: list[str] = ["opcua", "modbus"]


class CustomDriver(TranslatorParams):
    role: Literal["driver"] = "driver"
    # Code can read anything documented: S7 through Snap7, Logix through a CIP library, files
    # and ASCII lines through the standard library.
    inputs: list[str] = [
        "rs232-proprietary",
        "rs232-ascii",
        "modbus-rtu",
        "modbus-tcp",
        "s7comm",
        "ethernet-ip",
        "mtconnect",
        "opcua",
        "mqtt-sparkplug",
        "euromap63",
        "file-csv",
        "vendor-proprietary",
    ]
    output: str = "custom"
    open_output: bool = False
    location: Literal["onprem"] = "onprem"
    scope: Literal["per_machine", "shared"] = "per_machine"
    poll_interval: Duration = 1.0
    service_time: DistributionSpec = Exponential(dist="exponential", mean=0.002)
    crashes: Faults | None = Faults(mtbf=1500 * 3600.0, mttr=4 * 3600.0)
    vendor: str = "in-house"
    setup_hours: float = 35.0
    minutes_per_tag: float = 1.0
    skills: list[str] = ["programming"]


class OperatorRounds(TranslatorParams):
    role: Literal["manual"] = "manual"
    inputs: list[str] = ["paper"]
    output: str = "manual-entry"
    open_output: bool = True
    location: Literal["onprem"] = "onprem"
    scope: Literal["per_machine", "shared"] = "per_machine"
    poll_interval: Duration = 2 * 3600.0
    service_time: DistributionSpec = LogNormal(dist="lognormal", mean=45.0, cv=0.5)
    omission_probability: float = 0.02
    vendor: str = "in-house"
    setup_hours: float = 2.0


class VendorCloudAgent(TranslatorParams):
    role: Literal["agent"] = "agent"
    # Cloud edge agents read EtherNet/IP beside Modbus TCP and OPC UA (AWS IoT SiteWise Edge's
    # sources); S7 and files reach them through a gateway or collector.
    inputs: list[str] = ["rs232-proprietary", "modbus-rtu", "modbus-tcp", "ethernet-ip",
                         "mtconnect", "opcua"]
    output: str = "vendor-proprietary"
    open_output: bool = False
    location: Literal["machine"] = "machine"
    scope: Literal["per_machine", "shared"] = "per_machine"
    poll_interval: Duration = 1.0
    service_time: DistributionSpec = Exponential(dist="exponential", mean=0.002)
    buffer_messages: int = 20_000
    crashes: Faults | None = Faults(mtbf=4000 * 3600.0, mttr=24 * 3600.0)
    vendor: str = "CloudCo"
    capex_gbp: float = 450.0
    opex_gbp_per_month: float = 25.0
    setup_hours: float = 1.5
    minutes_per_tag: float = 0.5
    skills: list[str] = ["cloudco-platform"]


KINDS = [
    TranslatorKind(
        "serial-retrofit-kit",
        "Retrofit box on a machine's RS-232 port, serving OPC UA",
        params=SerialRetrofitKit,
        rami_layer="integration",
        sources={
            "poll_interval": "guess: serial devices are polled gently, 2 s",
            "service_time": "guess: a few milliseconds on an embedded box",
            "setup_hours": "guess: cabling, protocol profile and addressing",
            "minutes_per_tag": _MAPPING,
            "capex_gbp": "guess: UK retrofit kits £500-1,500",
            "crashes": _GATEWAY_CRASH,
        },
    ),
    TranslatorKind(
        "modbus-opcua-gateway",
        "Gateway polling Modbus RTU/TCP devices, serving OPC UA",
        params=ModbusOpcuaGateway,
        rami_layer="communication",
        sources={
            "capex_gbp": "guess: UK list prices of DIN-rail gateways",
            "servers": "one request at a time: Modbus was not designed for simultaneous "
            "requests, so only one request on the network can be handled at a time (Moxa, "
            "MGate MB3000 Modbus Gateway User Manual, Requests Need a Time Limit; vendor)",
            "service_time": "guess: 2 ms mean to turn a register read into OPC UA values on an "
            "embedded gateway",
            "poll_interval": _POLL,
            "minutes_per_tag": _MAPPING,
            "setup_hours": "8 h: about six devices at 60-90 min of manual commissioning each "
            "(Koziolek et al., OpenPnP, ICSE-SEIP 2019; paper)",
            "crashes": _GATEWAY_CRASH,
        },
    ),
    TranslatorKind(
        "mtconnect-adapter",
        "MTConnect agent to OPC UA (MTConnect companion spec)",
        params=MtconnectAdapter,
        rami_layer="information",
        sources={
            "capex_gbp": "guess: a software adapter on a small edge PC, half a DIN-rail gateway's "
            "price",
            "service_time": "guess: 3 ms mean to map one MTConnect observation to OPC UA on an "
            "edge PC",
            "crashes": "guess: software adapter restarts a few times a year",
            "setup_hours": "guess: install and map a standard vocabulary",
            "minutes_per_tag": "guess: semantic data, so mapping is mostly automatic",
        },
    ),
    TranslatorKind(
        "sparkplug-edge-bridge",
        "Edge node publishing MQTT Sparkplug B, with store-and-forward",
        params=SparkplugEdgeBridge,
        rami_layer="communication",
        sources={
            "capex_gbp": "guess: industrial PC plus licence",
            "service_time": "guess: about a millisecond per publish",
            "setup_hours": "guess: install, namespace design, certificates",
            "minutes_per_tag": "guess: tags from an OPC UA browse map quickly",
            "buffer_messages": "guess: about 250 bytes a stored tag change (a Sparkplug "
            "metric's name, timestamp and value, and the store's overhead) in the 500 MB that "
            "Cirrus Link's MQTT Transmission History Store takes by default (History Max Size); "
            "that edge nodes store data while the primary host is offline is Sparkplug 3.0's",
            "poll_interval": _POLL,
            "crashes": _GATEWAY_CRASH,
        },
    ),
    TranslatorKind(
        "mqtt-broker",
        "MQTT broker for a unified namespace",
        params=MqttBroker,
        rami_layer="communication",
        iira_tier="platform",
        sources={
            "capex_gbp": "guess: a small server; the broker itself is open source",
            "crashes": "guess: a service restart every few months",
            "setup_hours": "guess: install, TLS, access control",
            "service_time": "guess: sub-millisecond per publish on a small server",
            "servers": "one publish at a time: Mosquitto is single-threaded and cannot use a "
            "second core (tinyMQTT README, github.com/JustDoIt0910/tinyMQTT, benchmark "
            "against Mosquitto; secondary)",
        },
    ),
    TranslatorKind(
        "opcua-aggregation-server",
        "OPC UA server aggregating the machines' servers",
        params=OpcuaAggregationServer,
        rami_layer="information",
        iira_tier="platform",
        sources={
            "capex_gbp": "guess: aggregation server licence",
            "opex_gbp_per_month": "guess: maintenance contract",
            "service_time": "guess: about a millisecond per notification",
            "crashes": "guess: a service restart every few months",
            "setup_hours": "guess: endpoints, certificates, namespaces",
            "minutes_per_tag": "guess: browse-and-map of OPC UA nodes",
            "poll_interval": "OPC UA publishing interval default 1000 ms (node-opcua API "
            "documentation, SubscriptionOptions.publishingInterval; vendor)",
        },
    ),
    TranslatorKind(
        "edge-hub",
        "Edge gateway hub with built-in drivers and store-and-forward",
        params=EdgeHub,
        rami_layer="integration",
        sources={
            "capex_gbp": "guess: industrial PC plus edge licence",
            "opex_gbp_per_month": "guess: software maintenance",
            "service_time": "guess: about a millisecond per message",
            "buffer_messages": "a store-and-forward disk cache of 500,000 records or more "
                               "for reliable logging (Inductive Automation, Ignition user "
                               "manual, Store and Forward for Reliability, Recommended "
                               "Settings; vendor)",
            "setup_hours": "guess: drivers, tag groups, consumers",
            "minutes_per_tag": _MAPPING,
            "poll_interval": _POLL,
            "crashes": _GATEWAY_CRASH,
        },
    ),
    TranslatorKind(
        "custom-driver",
        "Custom driver code from one machine into one system",
        params=CustomDriver,
        rami_layer="integration",
        iira_tier="platform",
        sources={
            "service_time": "guess: 2 ms mean for hand-written code to read and forward one "
            "value",
            "minutes_per_tag": _MAPPING,
            "setup_hours": "guess: a driver of about 100 lines; COCOMO II at nominal "
            "multipliers turns 0.1 KSLOC into 2.94 x 0.1^1.1 PM x 152 h = 35 h",
            "crashes": "guess: home-grown code fails more often than products",
        },
    ),
    TranslatorKind(
        "operator-rounds",
        "An operator reading paper records and keying them in",
        params=OperatorRounds,
        rami_layer="business",
        iira_tier="enterprise",
        sources={
            "service_time": "guess: under a minute to key one record, cv 0.5",
            "setup_hours": "guess: a form and a briefing",
            "poll_interval": "guess: rounds every two hours",
            "omission_probability": (
                "2 % of records re-keyed wrongly or not at all: manual recording on the "
                "shop floor errs in 1-3 % of records (MachineCDN, The Hidden Cost of Manual "
                "Data Collection on the Factory Floor, 2026, citing research in Quality "
                "Engineering; secondary)"
            ),
        },
    ),
    TranslatorKind(
        "vendor-cloud-agent",
        "A cloud vendor's proprietary agent on each machine",
        params=VendorCloudAgent,
        rami_layer="communication",
        sources={
            "capex_gbp": "guess: per-device agent hardware",
            "service_time": "guess: 2 ms mean for the agent to package one value for its cloud",
            "crashes": "guess: a day to replace a failed device",
            "setup_hours": "90 min, the top of 60-90 min of manual commissioning per device "
            "(Koziolek et al., OpenPnP, ICSE-SEIP 2019; paper)",
            "minutes_per_tag": "guess: vendor templates map common tags",
            "opex_gbp_per_month": "guess: per-device fee of cloud IoT platforms",
            "buffer_messages": "guess: a small on-device buffer",
        },
    ),
]


@hookimpl
def testbed_register_translators(register: Callable[[TranslatorKind], None]) -> None:
    for kind in KINDS:
        register(kind)
