"""The server's limits hold exactly as it advertises them, and a shop of a thousand machines
starts, its stubs subscribed within those limits and its Modbus machines on as many servers as
Modbus device ids need."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from asyncua import Client, ua
from live_helpers import HUB, SHOP, free_port, free_ports, live_run
from pymodbus.client import AsyncModbusTcpClient

from testbed.errors import InputError
from testbed.live.limits import LIMITS, NOT_OFFERED, limit_node
from testbed.live.modbus import REGISTERS, UNITS_PER_SERVER
from testbed.live.session import LiveOptions, LiveRun
from testbed.registry import load_registry
from testbed.scenario import load_scenario

pytestmark = pytest.mark.live
NS = "urn:interop-testbed:factory"
TAGS = ("PartCount", "State", "BreakdownCount", "ProcessValue")


def _cycle(items: list[Any], n: int) -> list[Any]:
    return [items[i % len(items)] for i in range(n)]


async def _asks(client: Client, machines: list[str]) -> dict[str, Callable[[int], Awaitable[Any]]]:
    """For each limit, a call asking for ``n`` operations of its kind."""
    ns = await client.get_namespace_index(NS)
    tags = [ua.NodeId(f"Machines.{m}.{t}", ns) for m in machines for t in TAGS]
    sources = [ua.NodeId(f"Machines.{m}", ns) for m in machines]  # of breakdown events
    uaclient = client.uaclient
    subscription = await client.create_subscription(1000, None)
    factory = ua.NodeId("Factory", ns)
    history = ua.ReadRawModifiedDetails(StartTime=ua.get_win_epoch(), NumValuesPerNode=1)
    events = ua.ReadEventDetails(StartTime=ua.get_win_epoch(), NumValuesPerNode=1)

    def read(n: int) -> Any:
        return uaclient.read(ua.ReadParameters(NodesToRead=[
            ua.ReadValueId(NodeId=t, AttributeId=ua.AttributeIds.Value) for t in _cycle(tags, n)]))

    def write(n: int) -> Any:
        return uaclient.write(ua.WriteParameters(NodesToWrite=[
            ua.WriteValue(NodeId=t, AttributeId=ua.AttributeIds.Value,
                          Value=ua.DataValue(ua.Variant(1, ua.VariantType.UInt32)))
            for t in _cycle(tags, n)]))

    def browse(n: int) -> Any:
        return uaclient.browse(ua.BrowseParameters(NodesToBrowse=[
            ua.BrowseDescription(NodeId=t, ResultMask=ua.BrowseResultMask.All)
            for t in _cycle(tags, n)]))

    def translate(n: int) -> Any:
        machines = ua.RelativePath(Elements=[ua.RelativePathElement(
            ReferenceTypeId=ua.NodeId(ua.ObjectIds.HierarchicalReferences),
            IncludeSubtypes=True, TargetName=ua.QualifiedName("Machines", ns))])
        return uaclient.translate_browsepaths_to_nodeids([
            ua.BrowsePath(StartingNode=factory, RelativePath=machines) for _ in range(n)])

    def call(n: int) -> Any:
        return uaclient.call([ua.CallMethodRequest(
            ObjectId=factory, MethodId=ua.NodeId("Factory.EndBreakdown", ns),
            InputArguments=[ua.Variant("no-such-machine")]) for _ in range(n)])

    def monitor(n: int) -> Any:
        # Unknown nodes: each item is refused on its own, and nothing is sampled.
        return uaclient.create_monitored_items(ua.CreateMonitoredItemsParameters(
            SubscriptionId=subscription.subscription_id, ItemsToCreate=[
                ua.MonitoredItemCreateRequest(
                    ItemToMonitor=ua.ReadValueId(NodeId=ua.NodeId(f"nothing-{i}", ns),
                                                 AttributeId=ua.AttributeIds.Value),
                    MonitoringMode=ua.MonitoringMode.Reporting,
                    RequestedParameters=ua.MonitoringParameters(ClientHandle=i))
                for i in range(n)]))

    def history_read(details: Any, nodes: list[ua.NodeId]) -> Callable[[int], Awaitable[Any]]:
        def ask(n: int) -> Any:
            return uaclient.history_read(ua.HistoryReadParameters(
                HistoryReadDetails=details, TimestampsToReturn=ua.TimestampsToReturn.Both,
                NodesToRead=[ua.HistoryReadValueId(NodeId=t) for t in _cycle(nodes, n)]))
        return ask

    return {"MaxNodesPerRead": read, "MaxNodesPerWrite": write, "MaxNodesPerBrowse": browse,
            "MaxNodesPerTranslateBrowsePathsToNodeIds": translate,
            "MaxNodesPerMethodCall": call,
            "MaxMonitoredItemsPerCall": monitor,
            "MaxNodesPerHistoryReadData": history_read(history, tags),
            "MaxNodesPerHistoryReadEvents": history_read(events, sources)}


def test_every_advertised_limit_holds_exactly(tmp_path: Path) -> None:
    async def story() -> None:
        async with live_run(tmp_path) as run, Client(run.url, timeout=30) as client:
            stop = asyncio.Event()
            driving = asyncio.create_task(run.run(stop))
            limits = client.get_node(ua.ObjectIds.Server_ServerCapabilities_OperationLimits)
            advertised = {(await p.read_browse_name()).Name: await p.read_value()
                          for p in await limits.get_properties()}
            assert advertised == LIMITS
            for name in NOT_OFFERED:
                with pytest.raises(ua.UaStatusCodeError, match="BadNodeIdUnknown"):
                    await client.get_node(limit_node(name)).read_value()
            asks = await _asks(client, [m.name for m in run.machines])
            assert asks.keys() == advertised.keys()
            for name, limit in advertised.items():
                # as many as advertised are served, an answer for each ...
                assert len(await asks[name](limit)) == limit, name
                # ... and one more is refused whole
                with pytest.raises(ua.UaStatusCodeError) as refused:
                    await asks[name](limit + 1)
                assert refused.value.code == ua.StatusCodes.BadTooManyOperations, name
            # A read of as many nodes as advertised is a read of real values.
            values = await asks["MaxNodesPerRead"](LIMITS["MaxNodesPerRead"])
            assert {v.StatusCode.value for v in values} <= {
                ua.StatusCodes.Good, ua.StatusCodes.BadWaitingForInitialData}
            stop.set()
            await driving

    asyncio.run(story())


def _shop_of(machines: int, directory: Path) -> Path:
    """The bundled shop with every machine count multiplied, trimmed to ``machines``."""
    data: Any = yaml.safe_load(SHOP.read_text(encoding="utf-8"))
    kinds = data["shop"]["machines"]
    base = sum(k.get("count", 1) for k in kinds)
    scale = -(-machines // base)
    for kind in kinds:
        kind["count"] = kind.get("count", 1) * scale
    kinds[0]["count"] -= base * scale - machines
    path = directory / f"shop-{machines}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.slow
def test_a_thousand_machine_shop_starts_and_serves(tmp_path: Path) -> None:
    async def story() -> None:
        registry = load_registry()
        scenario = _shop_of(1000, tmp_path)
        run = LiveRun(load_scenario(scenario, registry), registry, str(scenario),
                      LiveOptions(HUB, speed=60.0, opcua_port=free_port(),
                                  modbus_port=free_ports(2), pki=tmp_path / "pki"))
        assert len(run.machines) == 1000
        assert len(run.modbus_ids) > UNITS_PER_SERVER  # a second Modbus server is needed
        try:
            await run.start()
            assert run.nodes is not None
            # The stubs had more to subscribe to than one call may create.
            biggest = max(len(box) for box in run.nodes.inboxes.values())
            assert biggest > LIMITS["MaxMonitoredItemsPerCall"]
            stop = asyncio.Event()
            driving = asyncio.create_task(run.run(stop))
            await asyncio.sleep(5)
            # The last Modbus machine is a unit on the second server.
            modbus = AsyncModbusTcpClient("127.0.0.1", port=run.options.modbus_port + 1)
            assert await modbus.connect()
            last = len(run.modbus_ids) - UNITS_PER_SERVER
            answer = await modbus.read_holding_registers(0, count=REGISTERS, device_id=last)
            modbus.close()
            assert not answer.isError()
            stop.set()
            await driving
        finally:
            report = await run.finish()
        # Every stub received what it subscribed to, the biggest included.
        assert all(stub.notifications > 0 for stub in run.stubs)
        assert report.deliveries > 0

    asyncio.run(story())


def test_modbus_servers_past_the_last_port_are_refused_by_option(tmp_path: Path) -> None:
    registry = load_registry()
    scenario = _shop_of(1000, tmp_path)
    with pytest.raises(InputError) as refused:
        LiveRun(load_scenario(scenario, registry), registry, str(scenario),
                LiveOptions(HUB, modbus_port=65535, pki=tmp_path / "pki"))
    [problem] = refused.value.problems
    assert problem.field == "--modbus-port" and "65535-65536" in problem.message
