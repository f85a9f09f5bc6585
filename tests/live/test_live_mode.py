"""A vendor points real clients at the live factory: what they read, the statuses they see
during an outage, the events and history they get, all checked against the simulation that
made them."""

from __future__ import annotations

import asyncio
import bisect
from pathlib import Path
from typing import Any

import pytest
from asyncua import Client, ua
from live_helpers import live_run
from pymodbus.client import AsyncModbusTcpClient

from testbed.live.modbus import REGISTERS, decode
from testbed.live.session import LiveRun
from testbed.live.tags import LiveMachine
from testbed.sim.network import COUNT, SAMPLE

pytestmark = pytest.mark.live
NS = "urn:interop-testbed:factory"


def node(client: Client, ns: int, ident: str) -> Any:
    return client.get_node(ua.NodeId(ident, ns))


class Said:
    """Everything a simulated machine says, by kind and simulated time: what a client's
    values must be traced back to."""

    def __init__(self, machine: LiveMachine) -> None:
        self.times: dict[int, list[float]] = {}
        self.values: dict[int, list[object]] = {}
        original = machine.message

        def message(kind: int) -> Any:
            msg = original(kind)
            self.times.setdefault(kind, []).append(msg[0])
            self.values.setdefault(kind, []).append(msg[3])  # type: ignore[misc]
            return msg

        machine.message = message  # type: ignore[method-assign]

    def at(self, kind: int, when: float) -> object:
        """The value said at ``when``; OPC UA timestamps resolve 100 ns, so match to 1 us."""
        times = self.times[kind]
        i = bisect.bisect_left(times, when - 1e-6)
        assert i < len(times) and abs(times[i] - when) < 1e-6, f"nothing said at {when}"
        return self.values[kind][i]


def said(made: Said, machine: LiveMachine, kind: int, when: float) -> object:
    """What a machine tag must show at ``when``: at 0, the machine's birth (the counters 0,
    the process value at 0); later, what the machine said."""
    if when == 0:
        return {COUNT: 0, SAMPLE: machine.process_value(0.0)}[kind]
    return made.at(kind, when)


async def until(condition: Any, timeout: float = 20.0) -> None:
    async def wait() -> None:
        while not condition():
            await asyncio.sleep(0.05)
    await asyncio.wait_for(wait(), timeout)


class Collector:
    def __init__(self) -> None:
        self.values: list[tuple[Any, ua.DataValue]] = []
        self.events: list[Any] = []

    def datachange_notification(self, node: Any, _val: Any, data: Any) -> None:
        self.values.append((node, data.monitored_item.Value))

    def event_notification(self, event: Any) -> None:
        self.events.append(event)


def test_a_client_reads_exactly_what_the_simulated_machines_made(tmp_path: Path) -> None:
    async def story() -> None:
        async with live_run(tmp_path, speed=120.0, duration=1200.0) as run:
            watched = {"mill-1": None, "laser": None, "press-1": None}
            machines = {m.name: m for m in run.machines if m.name in watched}
            made = {name: Said(m) for name, m in machines.items()}
            async with Client(run.url) as client:
                ns = await client.get_namespace_index(NS)
                handler = Collector()
                sub = await client.create_subscription(10, handler)
                tags = {node(client, ns, f"Machines.{name}.{tag}").nodeid: (name, kind)
                        for name in machines
                        for tag, kind in (("PartCount", COUNT), ("ProcessValue", SAMPLE))}
                await sub.subscribe_data_change([client.get_node(n) for n in tags],
                                                queuesize=1000)
                await run.run(asyncio.Event())
                await asyncio.sleep(0.3)
                checked = 0
                for tag_node, value in handler.values:
                    if not value.StatusCode.is_good():
                        continue
                    name, kind = tags[tag_node.nodeid]
                    when = run.clock.sim_time(value.SourceTimestamp)
                    assert said(made[name], machines[name], kind, when) == value.Value.Value, \
                        (name, kind, when)
                    checked += 1
                # Pushed, polled over the serial kit and polled over real Modbus: all arrive.
                assert {tags[n.nodeid][0] for n, v in handler.values
                        if v.StatusCode.is_good()} == set(machines)
                assert checked > 100
                history = await node(client, ns, "Machines.mill-1.ProcessValue") \
                    .read_raw_history()
                history = [v for v in history if v.StatusCode.is_good()]
                assert len(history) > 10
                for value in history:
                    when = run.clock.sim_time(value.SourceTimestamp)
                    assert said(made["mill-1"], machines["mill-1"], SAMPLE, when) \
                        == value.Value.Value
            report = await run.finish()
        # Every message the simulation delivered to software that does not batch reached its
        # real OPC UA client, one notification per delivery.
        for stub in run.stubs:
            simulated = run.model.consumers[stub.name]
            if not stub.batch_interval:
                assert stub.recorder.delivered == simulated.delivered
        live = report.live.architectures[run.assembly.name].metrics
        simulated = report.simulated.architectures[run.assembly.name].metrics
        assert live["delivered_fraction"].mean == pytest.approx(
            simulated["delivered_fraction"].mean, abs=0.01)
        # The real OPC UA leg only adds latency: it never makes data earlier.
        assert live["latency_p50_ms"].mean >= simulated["latency_p50_ms"].mean

    asyncio.run(story())


async def _statuses(client: Client, ns: int, machines: list[str]) -> dict[str, int]:
    return {m: (await node(client, ns, f"Machines.{m}.ProcessValue")
                .read_data_value(raise_on_bad_status=False))
            .StatusCode.value for m in machines}


def test_an_outage_shows_as_bad_or_uncertain_as_the_simulation_says(tmp_path: Path) -> None:
    """A LAN outage: machines on the LAN lose their data (Bad, no communication); the presses
    on the RS-485 bus reach the hub, which holds their data until the LAN is back
    (Uncertain, last usable value). Afterwards the simulation's ledger agrees: the held data
    all arrived, the cut data was lost."""
    async def story() -> None:
        async with live_run(tmp_path, speed=60.0, duration=None) as run:
            stop = asyncio.Event()
            driving = asyncio.create_task(run.run(stop))
            lan_machines, bus_machines = ["mill-1", "mill-2"], ["press-1", "press-2"]
            async with Client(run.url) as client:
                ns = await client.get_namespace_index(NS)
                await until(lambda: run.model.env.now > 120)
                before = await _statuses(client, ns, lan_machines + bus_machines)
                assert set(before.values()) == {ua.StatusCodes.Good}
                factory = node(client, ns, "Factory")
                started = run.model.env.now
                await factory.call_method(ua.NodeId("Factory.InjectOutage", ns),
                                          "shop-lan", 300.0)
                await until(lambda: not run.model.links["shop-lan"].up)
                await asyncio.sleep(0.2)
                during = await _statuses(client, ns, lan_machines + bus_machines)
                for m in lan_machines:
                    assert during[m] == ua.StatusCodes.BadNoCommunication
                for m in bus_machines:
                    assert during[m] == ua.StatusCodes.UncertainLastUsableValue
                with pytest.raises(ua.UaStatusCodeError):  # a link that does not exist
                    await factory.call_method(ua.NodeId("Factory.InjectOutage", ns),
                                              "no-such-link", 10.0)
                await until(lambda: run.model.links["shop-lan"].up)
                await until(lambda: run.model.env.now > started + 420)
                after = await _statuses(client, ns, lan_machines + bus_machines)
                assert set(after.values()) == {ua.StatusCodes.Good}
            stop.set()
            await driving
            index = {m.id: i for i, m in enumerate(run.assembly.machines)}
            mes = list(run.model.consumers).index("mes")
            lost = run.model.ledger.lost[mes]
            assert all(lost[index[m]] > 0 for m in lan_machines)
            assert all(lost[index[m]] == 0 for m in bus_machines)

    asyncio.run(story())


def test_modbus_machines_answer_real_reads_and_go_silent_with_their_link(
        tmp_path: Path) -> None:
    async def story() -> None:
        async with live_run(tmp_path, speed=60.0, duration=None) as run:
            stop = asyncio.Event()
            driving = asyncio.create_task(run.run(stop))
            await until(lambda: run.gateway is not None and run.gateway.reads > 20)
            units = {ident: n for n, ident in enumerate(run.modbus_ids, start=1)}
            press = next(m for m in run.machines if m.name == "press-1")
            modbus = AsyncModbusTcpClient("127.0.0.1", port=run.options.modbus_port)
            await modbus.connect()
            answer = await modbus.read_holding_registers(0, count=REGISTERS,
                                                         device_id=units["press-1"])
            assert not answer.isError()
            values = decode(answer.registers)
            assert values["PartCount"] == press.parts
            assert values["SimulatedSeconds"] == int(run.model.env.now)
            refused = await modbus.write_register(0, 7, device_id=units["press-1"])
            assert refused.isError()
            async with Client(run.url) as client:
                ns = await client.get_namespace_index(NS)
                await node(client, ns, "Factory").call_method(
                    ua.NodeId("Factory.InjectOutage", ns), "shop-wifi", 3600.0)
                await until(lambda: not run.model.links["shop-wifi"].up)
            silent = await modbus.read_holding_registers(0, count=REGISTERS,
                                                         device_id=units["saw"])
            assert silent.isError() and silent.exception_code == 0x0B
            modbus.close()
            stop.set()
            await driving

    asyncio.run(story())


def test_a_breakdown_raises_an_event_and_the_repair_sets_the_state(tmp_path: Path) -> None:
    async def story() -> None:
        async with live_run(tmp_path, speed=60.0, duration=None) as run:
            stop = asyncio.Event()
            driving = asyncio.create_task(run.run(stop))
            lathe = next(m for m in run.machines if m.name == "lathe-1")
            async with Client(run.url) as client:
                ns = await client.get_namespace_index(NS)
                handler = Collector()
                sub = await client.create_subscription(10, handler)
                event_type = await client.nodes.base_event_type.get_child(
                    f"{ns}:MachineBreakdownEventType")
                await sub.subscribe_events(node(client, ns, "Machines.lathe-1"), event_type)
                await until(lambda: run.model.env.now > 30)
                factory = node(client, ns, "Factory")
                assert await factory.call_method(ua.NodeId("Factory.StartBreakdown", ns),
                                                 "lathe-1") is True
                await until(lambda: len(handler.events) == 1)
                event = handler.events[0]
                assert event.Machine == "lathe-1"
                assert event.BreakdownCount == lathe.breakdowns >= 1
                state = node(client, ns, "Machines.lathe-1.State")
                assert await factory.call_method(ua.NodeId("Factory.EndBreakdown", ns),
                                                 "lathe-1") is True
                await until(lambda: lathe.up)
                # The repair is reported through the serial kit's next poll.
                for _ in range(200):
                    value = await state.read_data_value(raise_on_bad_status=False)
                    if value.StatusCode.is_good() and value.Value.Value == "Running":
                        break
                    await asyncio.sleep(0.05)
                assert value.Value.Value == "Running"
                assert await factory.call_method(ua.NodeId("Factory.EndBreakdown", ns),
                                                 "lathe-1") is False
            stop.set()
            await driving

    asyncio.run(story())


def test_the_clock_keeps_pace_while_clients_are_served(tmp_path: Path) -> None:
    async def story() -> LiveRun:
        async with live_run(tmp_path, speed=600.0, duration=3600.0) as run:
            await run.run(asyncio.Event())
            await run.finish()
            return run

    run = asyncio.run(story())
    assert run.report is not None
    # An hour at 600x is six seconds of wall clock; the simulation never fell a second behind.
    assert run.report.simulated_s == pytest.approx(3600.0)
    assert run.report.wall_s == pytest.approx(6.0, abs=1.5)
    assert run.report.worst_lag_s < 1.0
