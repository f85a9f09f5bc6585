"""Reference architectures: five ways SMEs are offered to wire their shop."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import Field

from testbed import (
    ArchitectureKind,
    ArchitectureParams,
    MachineInstance,
    Placed,
    Wiring,
    WiringContext,
    hookimpl,
)
from testbed.wiring import ADAPTING_ROLES

_CONNECTOR_ROLES = ADAPTING_ROLES | {"driver"}
_DEFINITION = "definition of this architecture: the catalogue's component of that role"


def _deliver(
    ctx: WiringContext,
    sender: Placed,
    consumer: Placed,
    machine: MachineInstance,
    prefix: list[Placed],
) -> None:
    """Connect ``prefix`` (ending at ``sender``) to ``consumer``, through a connector when the
    consumer cannot read what the sender emits."""
    accepts = set(consumer.params.accepts)  # type: ignore[union-attr]
    output = sender.params.output  # type: ignore[union-attr]
    hops = list(prefix)
    for kind in ctx.chain(output, accepts, _CONNECTOR_ROLES):
        hops.append(ctx.place_as(kind, f"{kind}>{consumer.id}"))
    ctx.connect(machine, [*hops, ctx.add_software(consumer)])


def _adapt(ctx: WiringContext, machine: MachineInstance, targets: set[str]) -> list[Placed]:
    return [ctx.place(kind, machine) for kind in ctx.chain(machine.params.protocol, targets)]


def _manual(ctx: WiringContext, machine: MachineInstance) -> bool:
    """Paper records cannot enter any hub: an operator keys them into each consumer."""
    if machine.params.protocol != "paper":
        return False
    for consumer in ctx.consumers():
        reader = ctx.place(ctx.chain("paper", {"manual-entry"})[0], machine)
        _deliver(ctx, reader, consumer, machine, [reader])
    return True


def point_to_point(ctx: WiringContext) -> Wiring:
    for consumer in ctx.consumers():
        for machine in ctx.machines:
            if machine.params.protocol == "paper":
                kind = ctx.chain("paper", {"manual-entry"})[0]
            else:
                kind = "custom-driver"
            reader = ctx.place_as(kind, f"{kind}@{machine.id}>{consumer.id}")
            _deliver(ctx, reader, consumer, machine, [reader])
    ctx.wiring.notes.append(
        "every machine-consumer pair has its own driver (or its own round of re-keying)"
    )
    return ctx.wiring


def _through(ctx: WiringContext, central_kind: str) -> Wiring:
    """Every machine's data, adapted to what one central component reads, fans out from it to
    every consumer: the shape of a hub, a unified namespace and an aggregation server."""
    central = ctx.place(central_kind)
    inputs = set(central.params.inputs)  # type: ignore[union-attr]
    for machine in ctx.machines:
        if _manual(ctx, machine):
            continue
        prefix = [*_adapt(ctx, machine, inputs), central]
        for consumer in ctx.consumers():
            _deliver(ctx, central, consumer, machine, prefix)
    return ctx.wiring


class HubParams(ArchitectureParams):
    hub: str = Field(default="edge-hub", description="translator kind acting as the hub")


def edge_gateway_hub(ctx: WiringContext) -> Wiring:
    assert isinstance(ctx.params, HubParams)
    return _through(ctx, ctx.params.hub)


class UnsParams(ArchitectureParams):
    broker: str = Field(default="mqtt-broker", description="translator kind of the broker")


def unified_namespace(ctx: WiringContext) -> Wiring:
    assert isinstance(ctx.params, UnsParams)
    return _through(ctx, ctx.params.broker)


class AggregationParams(ArchitectureParams):
    aggregator: str = Field(
        default="opcua-aggregation-server",
        description="translator kind of the aggregation server",
    )


def opcua_aggregation(ctx: WiringContext) -> Wiring:
    assert isinstance(ctx.params, AggregationParams)
    return _through(ctx, ctx.params.aggregator)


class CloudParams(ArchitectureParams):
    agent: str = Field(
        default="vendor-cloud-agent", description="translator kind of the vendor's on-machine agent"
    )


def vendor_cloud(ctx: WiringContext) -> Wiring:
    params = ctx.params
    assert isinstance(params, CloudParams)
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


KINDS = [
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
def testbed_register_architectures(register: Callable[[ArchitectureKind], None]) -> None:
    for kind in KINDS:
        register(kind)
