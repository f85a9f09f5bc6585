"""The MTConnect machines behind a real MTConnect agent, fetched with curl and checked against
the MTConnect Institute's published schemas (tests/live/mtconnect, version 2.4) and against
what the simulated machines said. Needs curl (Debian package ``curl``)."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from live_helpers import live_run
from lxml import etree

from testbed.live.session import LiveRun
from testbed.sim.network import SAMPLE, Message

pytestmark = pytest.mark.live
SCHEMAS = Path(__file__).parent / "mtconnect"
MT = {"s": "urn:mtconnect.org:MTConnectStreams:2.4", "d": "urn:mtconnect.org:MTConnectDevices:2.4",
      "e": "urn:mtconnect.org:MTConnectError:2.4"}


@pytest.fixture(autouse=True)
def _curl() -> None:
    """Skip without curl, or fail when CI says it must be there (as tests/interop do)."""
    if shutil.which("curl") is None:
        if os.environ.get("TESTBED_REQUIRE_INTEROP") == "1":
            pytest.fail("curl is not installed (TESTBED_REQUIRE_INTEROP=1)")
        pytest.skip("curl is not installed")


@functools.cache
def schema(document: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / f"MTConnect{document}_2.4_1.0.xsd")))


async def curl(run: LiveRun, path: str) -> tuple[int, Any]:
    """GET with curl (a client we did not write): the HTTP status and the parsed document,
    checked against the schema of its kind."""
    assert run.mtconnect is not None
    process = await asyncio.create_subprocess_exec(
        "curl", "--silent", "--show-error", "--max-time", "10", "--write-out", "\n%{http_code}",
        run.mtconnect.url + path.lstrip("/"), stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    assert process.returncode == 0
    body, _, status = out.rpartition(b"\n")
    document = etree.fromstring(body)
    kind = etree.QName(document).localname.removeprefix("MTConnect")
    schema(kind).assertValid(document)
    return int(status), document


def header(document: Any) -> dict[str, int]:
    found = document.find("s:Header", MT)
    return {k: int(found.get(k)) for k in ("firstSequence", "lastSequence", "nextSequence")}


def observations(document: Any, device: str | None = None) -> list[Any]:
    where = f"s:Streams/s:DeviceStream[@name='{device}']" if device else "s:Streams/s:DeviceStream"
    return document.xpath(f"{where}/s:ComponentStream/*/*", namespaces=MT)


def latest(document: Any, device: str) -> dict[str, Any]:
    """A /current document's observations of one device, by data item type (elements; a
    condition by its data item)."""
    found = {}
    for element in observations(document, device):
        found[element.get("dataItemId").removeprefix(f"{device}_")] = element
    return found


async def until(condition: Any, timeout: float = 20.0) -> None:
    async def wait() -> None:
        while not condition():
            await asyncio.sleep(0.05)
    await asyncio.wait_for(wait(), timeout)


def test_probe_current_and_sample_follow_the_published_schemas(tmp_path: Path) -> None:
    async def story() -> None:
        async with live_run(tmp_path, speed=120.0, duration=None) as run:
            said: list[Message] = []
            mill = next(m for m in run.machines if m.name == "mill-1")
            mill.listeners.append(said.append)
            stop = asyncio.Event()
            driving = asyncio.create_task(run.run(stop))
            await until(lambda: run.model.env.now > 300)

            status, probe = await curl(run, "/probe")
            assert status == 200
            devices = probe.xpath("d:Devices/d:Device/@name", namespaces=MT)
            assert devices == ["mill-1", "mill-2"] == run.mtconnect_ids
            categories = probe.xpath("d:Devices/d:Device[@name='mill-1']/d:DataItems/"
                                     "d:DataItem/@category", namespaces=MT)
            assert sorted(set(categories)) == ["CONDITION", "EVENT", "SAMPLE"]

            status, current = await curl(run, "/current")
            assert status == 200
            now = latest(current, "mill-1")
            assert now["avail"].text == "AVAILABLE"
            assert etree.QName(now["system"]).localname == "Normal"
            assert now["execution"].text in ("ACTIVE", "READY")
            assert int(now["part_count"].text) <= mill.parts

            # Every temperature the agent gives is one the machine said, at its own time.
            status, sample = await curl(run, "/mill-1/sample?count=1000")  # the most
            assert status == 200
            temperatures = sample.xpath("//s:Temperature", namespaces=MT)
            assert len(temperatures) > 20
            samples = [msg for msg in said if msg[2] == SAMPLE]
            for element in temperatures[1:]:  # the first is the reading taken at start
                at = run.clock.sim_time(datetime.fromisoformat(element.get("timestamp")))
                # timestamps resolve a microsecond
                match = [msg for msg in samples if abs(msg[0] - at) < 2e-6]
                assert len(match) == 1, element.get("timestamp")
                assert f"{match[0][3]:.1f}" == element.text  # type: ignore[misc]
            assert not observations(sample, "mill-2")  # the device's own stream only

            for path, code, http in (("/sample?from=0", "OUT_OF_RANGE", 400),
                                     ("/sample?count=0", "OUT_OF_RANGE", 400),
                                     ("/sample?count=1001", "TOO_MANY", 400),
                                     ("/sample?count=ten", "INVALID_REQUEST", 400),
                                     ("/current?at=5", "UNSUPPORTED", 400),
                                     ("/mill-9/current", "NO_DEVICE", 404),
                                     ("/assets/1", "INVALID_URI", 404)):
                status, refused = await curl(run, path)
                assert status == http, path
                assert refused.xpath("e:Errors/e:Error/@errorCode", namespaces=MT) == [code]
            stop.set()
            await driving

    asyncio.run(story())


def test_sequence_numbers_rise_and_a_sample_returns_exactly_the_range_asked(
        tmp_path: Path) -> None:
    async def story() -> None:
        # Two mills, a temperature each every 5 s: about 24 observations a second at x60, so
        # a buffer of 256 holds about the last ten seconds.
        async with live_run(tmp_path, speed=60.0, duration=None, mtconnect_buffer=256) as run:
            stop = asyncio.Event()
            driving = asyncio.create_task(run.run(stop))
            assert run.mtconnect is not None
            agent = run.mtconnect.agent
            await until(lambda: agent.next_sequence > 300)

            _, current = await curl(run, "/current")
            numbers = header(current)
            # The buffer holds the last 256: older observations are gone.
            assert numbers["firstSequence"] == numbers["lastSequence"] - 255
            assert numbers["nextSequence"] == numbers["lastSequence"] + 1
            start = numbers["firstSequence"] + 100
            status, sample = await curl(run, f"/sample?from={start}&count=20")
            assert status == 200
            got = [int(e.get("sequence")) for e in observations(sample)]
            assert sorted(got) == list(range(start, start + 20))
            assert header(sample)["nextSequence"] == start + 20
            # A client that goes on from nextSequence misses nothing and sees nothing twice.
            _, more = await curl(run, f"/sample?from={start + 20}&count=20")
            assert sorted(int(e.get("sequence")) for e in observations(more)) == list(
                range(start + 20, start + 40))
            await until(lambda: agent.first_sequence > start)
            status, gone = await curl(run, f"/sample?from={start}")
            assert status == 400
            assert gone.xpath("e:Errors/e:Error/@errorCode", namespaces=MT) == ["OUT_OF_RANGE"]
            # Within one data item, later observations carry later sequence numbers and times.
            _, sample = await curl(run, "/mill-1/sample?count=256")
            temperatures = sample.xpath("//s:Temperature", namespaces=MT)
            sequence = [int(e.get("sequence")) for e in temperatures]
            stamps = [e.get("timestamp") for e in temperatures]
            assert sequence == sorted(sequence) and stamps == sorted(stamps)
            assert len(sequence) > 1
            stop.set()
            await driving

    asyncio.run(story())


def test_availability_follows_the_link_and_a_breakdown_is_a_fault(tmp_path: Path) -> None:
    """An outage of the mills' LAN cuts the agent off from their controllers: Availability and
    every data item UNAVAILABLE, until the LAN returns. A breakdown is no loss of data: the
    SYSTEM condition turns FAULT and Execution STOPPED, until the repair."""
    async def story() -> None:
        async with live_run(tmp_path, speed=60.0, duration=None) as run:
            stop = asyncio.Event()
            driving = asyncio.create_task(run.run(stop))
            await until(lambda: run.model.env.now > 60)
            assert run.inject_outage("shop-lan", 300.0)
            await until(lambda: not run.model.links["shop-lan"].up)
            _, current = await curl(run, "/current")
            for device in ("mill-1", "mill-2"):
                during = latest(current, device)
                assert during["avail"].text == "UNAVAILABLE"
                assert during["part_count"].text == during["execution"].text == "UNAVAILABLE"
                assert during["temperature"].text == "UNAVAILABLE"
                assert etree.QName(during["system"]).localname == "Unavailable"
            await until(lambda: run.model.links["shop-lan"].up)
            await asyncio.sleep(0.2)
            _, current = await curl(run, "/current")
            after = latest(current, "mill-1")
            assert after["avail"].text == "AVAILABLE"
            assert after["part_count"].text != "UNAVAILABLE"
            assert float(after["temperature"].text) > 0
            assert etree.QName(after["system"]).localname == "Normal"

            mill = next(m for m in run.machines if m.name == "mill-1")
            assert run.start_breakdown("mill-1")
            await until(lambda: not mill.up)
            await asyncio.sleep(0.2)
            _, current = await curl(run, "/current")
            broken = latest(current, "mill-1")
            assert broken["avail"].text == "AVAILABLE"
            assert etree.QName(broken["system"]).localname == "Fault"
            assert broken["system"].text == f"mill-1 broke down (breakdown {mill.breakdowns})"
            assert broken["execution"].text == "STOPPED"
            assert run.end_breakdown("mill-1")
            await until(lambda: mill.up)
            await asyncio.sleep(0.2)
            _, current = await curl(run, "/current")
            repaired = latest(current, "mill-1")
            assert etree.QName(repaired["system"]).localname == "Normal"
            assert repaired["execution"].text == "ACTIVE"
            stop.set()
            await driving

    asyncio.run(story())
