"""The OPC UA address space that mirrors the factory.

::

    Objects/Factory                      Scenario, Architecture, Timestamps, Speed,
                                         SimulatedTime;
                                         methods InjectOutage, CrashTranslator, EndBreakdown
    Objects/Factory/Machines/<machine>   PartCount, State, BreakdownCount, ProcessValue: the
                                         machine's data as the architecture delivers it to the
                                         shop's software, with status and history
    Objects/Factory/Software/<software>/<machine>/<tag>
                                         what that one piece of software receives: the inbox
                                         its stub subscribes to

Node ids are strings in the namespace ``urn:interop-testbed:factory`` (``Machines.press-1.
PartCount``), so a client can address a tag without browsing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from asyncua import Node, Server, ua

from testbed.live.tags import TAG_OF_KIND, TAGS, Tag, eu_information

NAMESPACE = "urn:interop-testbed:factory"
# History is kept in memory, about 300 bytes a value (asyncua's DataValue with its dates), so it
# is bounded in total, not per tag: the budget is shared among the machine tags, oldest values
# dropped first. 100,000 values for each of the shop's 52 tags would have grown to 1.5 GB in a
# month at speed 1 (benchmarks/live_endurance.py: the run's memory grew with its history). A
# million values is about 300 MB: for the bundled shop about 19,000 per tag, five days of its
# data at speed 1.
HISTORY_BUDGET = 1_000_000
HISTORY_MIN_PER_TAG = 1_000


_ZERO: dict[ua.VariantType, object] = {ua.VariantType.UInt32: 0, ua.VariantType.Double: 0.0,
                                       ua.VariantType.String: ""}


@dataclass
class MachineNodes:
    node: Node
    tags: dict[int, Node]


@dataclass
class FactoryNodes:
    namespace: int
    factory: Node
    machines: list[MachineNodes]
    inboxes: dict[str, dict[tuple[int, int], Node]]  # software -> (machine, kind) -> variable
    simulated_time: Node
    breakdown_event_type: Node


def node_id(namespace: int, *parts: str) -> ua.NodeId:
    return ua.NodeId(".".join(parts), namespace)


async def _variable(parent: Node, namespace: int, ident: ua.NodeId, tag: Tag) -> Node:
    var = await parent.add_variable(ident, ua.QualifiedName(tag.name, namespace),
                                    ua.Variant(_ZERO[tag.variant], tag.variant),
                                    datatype=ua.NodeId(tag.variant.value))
    await var.write_attribute(ua.AttributeIds.Description,
                              ua.DataValue(ua.Variant(ua.LocalizedText(tag.description))))
    if tag.unit:
        # Part 8 names the property in namespace 0, where clients look for it.
        await var.add_property(ua.NodeId(f"{ident.Identifier}.EngineeringUnits", namespace),
                               ua.QualifiedName("EngineeringUnits", 0), eu_information(tag))
    # No value until data arrives: a client must not read a zero that nothing measured.
    now = datetime.now(UTC)
    await var.write_value(ua.DataValue(
        StatusCode=ua.StatusCode(ua.StatusCodes.BadWaitingForInitialData),
        SourceTimestamp=now, ServerTimestamp=now))
    return var


async def build(server: Server, scenario: str, architecture: str, speed: float,
                timestamps: str, machines: Sequence[tuple[str, str, str]],
                inboxes: dict[str, list[tuple[int, int]]]) -> FactoryNodes:
    """``machines``: (id, kind, protocol) per machine; ``inboxes``: per software, the
    (machine index, message kind) pairs it subscribes to."""
    ns = await server.register_namespace(NAMESPACE)
    objects = server.nodes.objects
    factory = await objects.add_object(node_id(ns, "Factory"), ua.QualifiedName("Factory", ns))
    for name, value in (("Scenario", scenario), ("Architecture", architecture),
                        ("Timestamps", timestamps)):
        await factory.add_property(node_id(ns, "Factory", name), ua.QualifiedName(name, ns),
                                   value)
    await factory.add_property(node_id(ns, "Factory", "Speed"), ua.QualifiedName("Speed", ns),
                               ua.Variant(speed, ua.VariantType.Double))
    simulated_time = await factory.add_variable(
        node_id(ns, "Factory", "SimulatedTime"), ua.QualifiedName("SimulatedTime", ns),
        ua.Variant(datetime.now(UTC), ua.VariantType.DateTime),
        datatype=ua.NodeId(ua.ObjectIds.DateTime))
    event_type = await server.create_custom_event_type(
        ns, "MachineBreakdownEventType", ua.ObjectIds.BaseEventType,
        [("Machine", ua.VariantType.String), ("BreakdownCount", ua.VariantType.UInt32)])

    folder = await factory.add_folder(node_id(ns, "Machines"), ua.QualifiedName("Machines", ns))
    history = max(HISTORY_MIN_PER_TAG, HISTORY_BUDGET // max(1, len(machines) * len(TAGS)))
    machine_nodes = []
    for ident, machine_kind, protocol in machines:
        obj = await folder.add_object(node_id(ns, "Machines", ident),
                                      ua.QualifiedName(ident, ns))
        for name, value in (("Kind", machine_kind), ("Protocol", protocol)):
            await obj.add_property(node_id(ns, "Machines", ident, name),
                                   ua.QualifiedName(name, ns), value)
        tags = {}
        for tag in TAGS:
            var = await _variable(obj, ns, node_id(ns, "Machines", ident, tag.name), tag)
            await server.historize_node_data_change(var, period=None, count=history)
            tags[tag.kind] = var
        machine_nodes.append(MachineNodes(obj, tags))

    software = await factory.add_folder(node_id(ns, "Software"),
                                        ua.QualifiedName("Software", ns))
    inbox_nodes: dict[str, dict[tuple[int, int], Node]] = {}
    for name, pairs in inboxes.items():
        box = await software.add_object(node_id(ns, "Software", name),
                                        ua.QualifiedName(name, ns))
        per_machine: dict[int, Node] = {}
        inbox_nodes[name] = {}
        # A hundred children per parent at most: asyncua's add is quadratic in a parent's
        # children (REFERENCES.md), so each machine gets its own object under the software.
        for m, kind in pairs:
            machine = machines[m][0]
            if m not in per_machine:
                per_machine[m] = await box.add_object(node_id(ns, "Software", name, machine),
                                                      ua.QualifiedName(machine, ns))
            tag = TAG_OF_KIND[kind]
            inbox_nodes[name][(m, kind)] = await _variable(
                per_machine[m], ns, node_id(ns, "Software", name, machine, tag.name), tag)
    return FactoryNodes(ns, factory, machine_nodes, inbox_nodes, simulated_time, event_type)
