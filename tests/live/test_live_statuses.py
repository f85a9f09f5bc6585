"""Statuses, timestamps and history a real client can trust: after an outage every tag is Good
again, history and notifications run forward in time with late (held) values marked by their
timestamps, the counters agree with Modbus from the start, and source timestamps are dated as
``--timestamps`` says."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from asyncua import Client, ua
from live_helpers import live_run
from pymodbus.client import AsyncModbusTcpClient
from test_live_mode import NS, Collector, node, until

from testbed.live.modbus import REGISTERS, decode
from testbed.live.tags import TAGS

pytestmark = pytest.mark.live
LAN, BUS = ["mill-1", "mill-2"], ["press-1", "press-2"]


def forward(values: list[ua.DataValue]) -> bool:
    stamps = [v.SourceTimestamp for v in values]
    return stamps == sorted(stamps)


def test_after_an_outage_every_tag_is_good_again_and_history_runs_forward(
        tmp_path: Path) -> None:
    """A LAN outage cuts the mills' data and holds the presses' at the hub. Afterwards every
    tag of every machine still running is Good (the breakdown counters too, though no
    breakdown came to refresh them), each tag's history and notifications are in source-time
    order, a part counter never goes down, and the presses' held values arrive late, which
    their server timestamps show."""
    async def story() -> None:
        async with live_run(tmp_path, speed=60.0, duration=None, timestamps="wall") as run:
            stop = asyncio.Event()
            driving = asyncio.create_task(run.run(stop))
            async with Client(run.url) as client:
                ns = await client.get_namespace_index(NS)
                handler = Collector()
                sub = await client.create_subscription(10, handler)
                tags = {f"Machines.{m}.{t.name}": node(client, ns, f"Machines.{m}.{t.name}")
                        for m in LAN + BUS for t in TAGS}
                await sub.subscribe_data_change(list(tags.values()), queuesize=1000)
                await until(lambda: run.model.env.now > 120)
                started = run.model.env.now
                await node(client, ns, "Factory").call_method(
                    ua.NodeId("Factory.InjectOutage", ns), "shop-lan", 300.0)
                await until(lambda: not run.model.links["shop-lan"].up)
                await until(lambda: run.model.links["shop-lan"].up)
                await until(lambda: run.model.env.now > started + 420)
                running = {m.name for m in run.machines if m.up} & set(LAN + BUS)
                assert running & set(LAN) and running & set(BUS)
                for ident, tag in tags.items():
                    if ident.split(".")[1] in running:
                        value = await tag.read_data_value(raise_on_bad_status=False)
                        assert value.StatusCode.is_good(), (ident, value.StatusCode)
                now = datetime.now(UTC)
                histories = {ident: await tag.read_raw_history(
                    run.clock.epoch - timedelta(seconds=1), now + timedelta(hours=1))
                    for ident, tag in tags.items()}
                notified: dict[str, list[ua.DataValue]] = {}
                for tag_node, value in handler.values:
                    notified.setdefault(tag_node.nodeid.Identifier, []).append(value)
            stop.set()
            await driving
        for ident, history in histories.items():
            assert forward(history), ident
            assert forward(notified[ident]), ident
            # Wall-clock timestamps: nothing is dated after the server received it.
            assert all(v.SourceTimestamp <= v.ServerTimestamp + timedelta(seconds=0.1)
                       for v in history), ident
        made = 0
        for m in LAN + BUS:
            counts = [v.Value.Value for v in histories[f"Machines.{m}.PartCount"]
                      if v.StatusCode.is_good()]
            assert counts == sorted(counts), m
            made += counts[-1]
        assert made > 0
        for m in LAN:
            during = [v for v in histories[f"Machines.{m}.PartCount"]
                      if v.StatusCode.value == ua.StatusCodes.BadNoCommunication]
            assert during, m
        for m in BUS:
            history = histories[f"Machines.{m}.ProcessValue"]
            held = [i for i, v in enumerate(history)
                    if v.StatusCode.value == ua.StatusCodes.UncertainLastUsableValue]
            assert held, m
            # 300 simulated seconds are 5 s at speed 60: the values the hub held come after
            # the status went Uncertain, Good, with their own source timestamps, received
            # seconds later.
            late = [v for v in history[held[0] + 1:] if v.StatusCode.is_good()
                    and v.ServerTimestamp - v.SourceTimestamp > timedelta(seconds=1)]
            assert len(late) >= 3, m

    asyncio.run(story())


def _source(value: Any) -> datetime:
    stamp: datetime = value.SourceTimestamp
    return stamp


def test_counters_agree_with_modbus_from_the_start_and_timestamps_are_simulated(
        tmp_path: Path) -> None:
    """Before any breakdown the OPC UA BreakdownCount of every machine reads 0, Good, as the
    Modbus units' register 2 does; by default source timestamps are simulated time, at speed
    60 a minute ahead of the wall clock after two real seconds, and the server says so."""
    async def story() -> None:
        async with live_run(tmp_path, speed=60.0, duration=None) as run:
            stop = asyncio.Event()
            driving = asyncio.create_task(run.run(stop))
            await until(lambda: run.gateway is not None and run.gateway.reads > 0)
            units = {ident: n for n, ident in enumerate(run.modbus_ids, start=1)}
            modbus = AsyncModbusTcpClient("127.0.0.1", port=run.options.modbus_port)
            await modbus.connect()
            async with Client(run.url) as client:
                ns = await client.get_namespace_index(NS)
                paper = {m.id for m in run.assembly.machines if m.params.medium == "none"}
                assert paper and not paper & set(units)
                for machine in run.machines:
                    value = await node(client, ns, f"Machines.{machine.name}.BreakdownCount") \
                        .read_data_value(raise_on_bad_status=False)
                    if machine.name in paper:  # nothing reports a paper station's counters
                        assert value.StatusCode.value == ua.StatusCodes.BadWaitingForInitialData
                        continue
                    assert value.StatusCode.is_good(), machine.name
                    assert value.Value.Value == machine.breakdowns == 0, machine.name
                    if machine.name in units:
                        answer = await modbus.read_holding_registers(
                            0, count=REGISTERS, device_id=units[machine.name])
                        assert decode(answer.registers)["BreakdownCount"] == 0
                assert await node(client, ns, "Factory.Timestamps").read_value() == "simulated"
                await until(lambda: run.model.env.now > 150)
                value = await node(client, ns, "Machines.mill-1.ProcessValue").read_data_value()
                assert _source(value) - datetime.now(UTC) > timedelta(seconds=60)
                assert run.clock.sim_time(_source(value)) == pytest.approx(
                    run.model.env.now, abs=30)
            modbus.close()
            stop.set()
            await driving

    asyncio.run(story())
