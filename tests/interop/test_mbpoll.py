"""A maintenance technician reads the shop's Modbus machines from ``testbed live`` with
Debian's ``mbpoll`` (libmodbus), a Modbus master we did not write: seven holding registers per
unit, read-only, counters that only go forward, and an exception while the machine's link is
down. What the OPC UA server shows of the same press comes through the architecture, so it
can lag the registers but never lead them.

Needs ``mbpoll`` (Debian package ``mbpoll``).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from asyncua import Client, ua
from live_process import Live, require, start_live, wait_for_simulated

pytestmark = pytest.mark.live

PRESS_1, SAW = 1, 5  # units in the order `testbed live` prints them
NAMESPACE = "urn:interop-testbed:factory"


@dataclass
class Poll:
    returncode: int
    output: str
    registers: list[int]

    @property
    def part_count(self) -> int:
        return self.registers[0] << 16 | self.registers[1]

    @property
    def state(self) -> int:
        return self.registers[3]

    @property
    def process_value(self) -> float:
        tenths = self.registers[4]
        return (tenths - 0x10000 if tenths & 0x8000 else tenths) / 10

    @property
    def simulated_seconds(self) -> int:
        return self.registers[5] << 16 | self.registers[6]


def mbpoll(live: Live, unit: int, *write: str) -> Poll:
    """Holding registers 0-6 of a unit, once, PDU (0-based) addressing, shown in hex; with
    values, a write of them to register 0 instead."""
    tool = shutil.which("mbpoll")
    assert tool is not None
    shape = ["-t", "4"] if write else ["-c", "7", "-t", "4:hex"]
    done = subprocess.run(
        [tool, "-m", "tcp", "-p", str(live.modbus_port), "-a", str(unit), "-0", "-r", "0",
         *shape, "-1", "-o", "2", "127.0.0.1", *write],
        capture_output=True, text=True, timeout=20, check=False)
    registers = [int(value, 16) for value in re.findall(r"^\[\d+\]:\s+0x([0-9A-Fa-f]{4})\s*$",
                                                         done.stdout, re.MULTILINE)]
    return Poll(done.returncode, done.stdout + done.stderr, registers)


async def _opcua(url: str, machine: str, outage: tuple[str, float] | None) -> int | None:
    """press-1's PartCount as the OPC UA server shows it (None while it waits for data);
    with ``outage``, first take that link down through the Factory's method."""
    async with Client(url) as client:
        ns = await client.get_namespace_index(NAMESPACE)
        if outage is not None:
            factory = client.get_node(ua.NodeId("Factory", ns))
            link, seconds = outage
            done = await factory.call_method(
                ua.NodeId("Factory.InjectOutage", ns), ua.Variant(link, ua.VariantType.String),
                ua.Variant(seconds, ua.VariantType.Double))
            assert done is True
            return None
        node = client.get_node(ua.NodeId(f"Machines.{machine}.PartCount", ns))
        value = await node.read_data_value(raise_on_bad_status=False)
        if value.StatusCode is not None and not value.StatusCode.is_good():
            return None
        assert value.Value is not None and value.Value.VariantType == ua.VariantType.UInt32
        return int(value.Value.Value)


def opcua_part_count(live: Live, machine: str) -> int | None:
    return asyncio.run(_opcua(live.url, machine, None))


def inject_outage(live: Live, link: str, seconds: float) -> None:
    asyncio.run(_opcua(live.url, "", (link, seconds)))


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    require(shutil.which("mbpoll") is not None,
            "mbpoll is not installed (Debian: apt-get install mbpoll)")
    with start_live(tmp_path / "out") as running:
        yield running
        assert running.stop() == 0, running.output()[-3000:]
        assert (tmp_path / "out" / "results.json").is_file()


def test_mbpoll_reads_a_press_and_the_opcua_view_never_leads_it(live: Live) -> None:
    assert "units 1-5: press-1, press-2, press-3, press-4, saw" in " ".join(
        live.output().split())

    first = mbpoll(live, PRESS_1)
    assert first.returncode == 0, first.output
    assert len(first.registers) == 7, first.output
    assert first.state in (0, 1, 2)  # Running, Setup, Broken down
    assert 30.0 < first.process_value < 50.0  # °C: 40 with a ±5 swing and noise

    time.sleep(1.0)  # a simulated minute at x60
    second = mbpoll(live, PRESS_1)
    assert second.returncode == 0, second.output
    assert second.simulated_seconds > first.simulated_seconds
    assert second.part_count >= first.part_count
    assert second.state in (0, 1, 2)

    # The registers are the machine's own counters: a Modbus master may not write them.
    write = mbpoll(live, PRESS_1, "123")
    assert write.returncode != 0, write.output
    assert "Illegal function" in write.output

    # The OPC UA server shows what the hub has polled and passed on: it may lag, never lead.
    wait_for_simulated(live, 3 * 60)
    deadline = time.monotonic() + 10
    seen = opcua_part_count(live, "press-1")
    while seen is None and time.monotonic() < deadline:
        time.sleep(0.5)
        seen = opcua_part_count(live, "press-1")
    assert seen is not None, "press-1's PartCount never reached the OPC UA server"
    registers = mbpoll(live, PRESS_1)
    assert registers.returncode == 0, registers.output
    assert seen <= registers.part_count


def test_the_saw_stops_answering_while_the_wifi_is_down(live: Live) -> None:
    before = mbpoll(live, SAW)
    assert before.returncode == 0, before.output
    assert len(before.registers) == 7

    inject_outage(live, "shop-wifi", 3600.0)  # an hour, simulated: a minute on the wall

    deadline = time.monotonic() + 10
    during = mbpoll(live, SAW)
    while during.returncode == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
        during = mbpoll(live, SAW)
    assert during.returncode != 0, during.output
    assert during.registers == []
    # Modbus exception 0x0B (gateway target device failed to respond), as libmodbus says it.
    assert "Target device failed to respond" in during.output
    # The presses are on the RS-485 bus, not the Wi-Fi: they still answer.
    press = mbpoll(live, PRESS_1)
    assert press.returncode == 0, press.output
