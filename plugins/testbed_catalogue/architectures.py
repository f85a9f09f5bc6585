"""Reference architectures: five ways SMEs are offered to wire their shop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field

from testbed import (
    ADAPTING_ROLES,
    ArchitectureKind,
    ArchitectureParams,
    MachineInstance,
    Placed,
    SoftwareParams,
    TranslatorParams,
    Wiring,
    WiringContext,
    hookimpl,
)

_CONNECTOR_ROLES = ADAPTING_ROLES | {"driver"}
_DEFINITION = "definition of this architecture: the catalogue's component of that role"


def _deliver(
    ctx: WiringContext[Any],
    sender: Placed[TranslatorParams],
    consumer: Placed[SoftwareParams],
    machine: MachineInstance,
    prefix: list[Placed[TranslatorParams]],
) -> None:
    """Connect ``prefix`` (ending at ``sender``) to ``consumer``, through a connector when the
    consumer cannot read what the sender emits."""
    hops = list(prefix)
    for kind in ctx.chain(sender.params.output, set(consumer.params.accepts), _CONNECTOR_ROLES):
        hops.append(ctx.place_as(kind, f"{kind}>{consumer.id}"))
    ctx.connect(machine, [*hops, ctx.add_software(consumer)])


def _adapt(ctx: WiringContext[Any], machine: MachineInstance,
           targets: set[str]) -> list[Placed[TranslatorParams]]:
    return [ctx.place(kind, machine) for kind in ctx.chain(machine.params.protocol, targets)]


def _manual(ctx: WiringContext[Any], machine: MachineInstance) -> bool:
    """Paper records cannot enter any hub: an operator keys them into each consumer."""
    if machine.params.protocol != "paper":
        return False
    for consumer in ctx.consumers():
        reader = ctx.place(ctx.chain("paper", {"manual-entry"})[0], machine)
        _deliver(ctx, reader, consumer, machine, [reader])
    return True


def point_to_point(ctx: WiringContext[ArchitectureParams]) -> Wiring:
    for consumer in ctx.consumers():
        for machine in ctx.machines:
            protocol = machine.params.protocol
            prefix: list[Placed[TranslatorParams]] = []
            if protocol == "paper":
                kind = ctx.chain("paper", {"manual-entry"})[0]
            else:
                kind = "custom-driver"
                reads = set(ctx.offer(kind).params.inputs)
                if protocol not in reads:
                    # No driver is written for a protocol the catalogue's drivers do not read
                    # (a plugin's own fieldbus): its gateway turns it into one they do first.
                    prefix = _adapt(ctx, machine, reads)
            reader = ctx.place_as(kind, f"{kind}@{machine.id}>{consumer.id}")
            _deliver(ctx, reader, consumer, machine, [*prefix, reader])
    ctx.wiring.notes.append(
        "every machine-consumer pair has its own driver (or its own round of re-keying)"
    )
    return ctx.wiring


def _through(ctx: WiringContext[Any], central_kind: str) -> Wiring:
    """Every machine's data, adapted to what one central component reads, fans out from it to
    every consumer: the shape of a hub, a unified namespace and an aggregation server."""
    central = ctx.place(central_kind)
    inputs = set(central.params.inputs)
    for machine in ctx.machines:
        if _manual(ctx, machine):
            continue
        prefix = [*_adapt(ctx, machine, inputs), central]
        for consumer in ctx.consumers():
            _deliver(ctx, central, consumer, machine, prefix)
    return ctx.wiring


class HubParams(ArchitectureParams):
    hub: str = Field(default="edge-hub", description="translator kind acting as the hub")


def edge_gateway_hub(ctx: WiringContext[HubParams]) -> Wiring:
    return _through(ctx, ctx.params.hub)


class UnsParams(ArchitectureParams):
    broker: str = Field(default="mqtt-broker", description="translator kind of the broker")


def unified_namespace(ctx: WiringContext[UnsParams]) -> Wiring:
    return _through(ctx, ctx.params.broker)


class AggregationParams(ArchitectureParams):
    aggregator: str = Field(
        default="opcua-aggregation-server",
        description="translator kind of the aggregation server",
    )


def opcua_aggregation(ctx: WiringContext[AggregationParams]) -> Wiring:
    return _through(ctx, ctx.params.aggregator)


class CloudParams(ArchitectureParams):
    agent: str = Field(
        default="vendor-cloud-agent", description="translator kind of the vendor's on-machine agent"
    )


def vendor_cloud(ctx: WiringContext[CloudParams]) -> Wiring:
    params = ctx.params
    for machine in ctx.machines:
        if _manual(ctx, machine):
            continue
        agent_inputs = set(ctx.offer(params.agent).params.inputs)
        prefix = _adapt(ctx, machine, agent_inputs)
        agent = ctx.place(params.agent, machine)
        prefix.append(agent)
        for consumer in ctx.consumers():
            _deliver(ctx, agent, consumer, machine, prefix)
    return ctx.wiring


KINDS: list[ArchitectureKind[Any]] = [
    ArchitectureKind(
        "point-to-point",
        "Custom drivers from each machine into each system",
        params=ArchitectureParams,
        wire=point_to_point,
    ),
    ArchitectureKind(
        "edge-gateway-hub",
        "Adapters into one edge hub that feeds every system",
        params=HubParams,
        wire=edge_gateway_hub,
        sources={"hub": _DEFINITION},
    ),
    ArchitectureKind(
        "unified-namespace",
        "Edge bridges publish MQTT Sparkplug to a broker; systems subscribe",
        params=UnsParams,
        wire=unified_namespace,
        sources={"broker": _DEFINITION},
    ),
    ArchitectureKind(
        "opcua-aggregation",
        "Machines' OPC UA servers aggregated into one server systems read",
        params=AggregationParams,
        wire=opcua_aggregation,
        sources={"aggregator": _DEFINITION},
    ),
    ArchitectureKind(
        "vendor-cloud",
        "A single vendor's agents on each machine feed its cloud",
        params=CloudParams,
        wire=vendor_cloud,
        sources={"agent": _DEFINITION},
    ),
]


@hookimpl
def testbed_register_architectures(register: Callable[[ArchitectureKind[Any]], None]) -> None:
    for kind in KINDS:
        register(kind)
