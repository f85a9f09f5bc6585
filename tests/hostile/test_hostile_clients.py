"""A live factory on a shop network that is not kind to it: crowds of sessions, clients that
drop mid-request or reconnect in a loop, frames that are not OPC UA or Modbus, a client that
subscribes to ten thousand items. Through all of it a well-behaved client keeps getting fresh
values, the gateway's Modbus reads keep succeeding, the simulation keeps time and memory stays
flat."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import struct
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from asyncua import Client, ua
from asyncua.server.internal_session import InternalSession
from asyncua.ua.ua_binary import uatcp_to_binary
from pymodbus.client import AsyncModbusTcpClient

from testbed.live.limits import LIMITS
from testbed.live.modbus import REGISTERS
from testbed.live.session import (
    MAX_MONITORS_PER_VALUE,
    MAX_SESSION_TIMEOUT_S,
    LiveRun,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "live"))
from live_helpers import live_run

pytestmark = pytest.mark.live
NS = "urn:interop-testbed:factory"
TAGS = ("PartCount", "State", "BreakdownCount", "ProcessValue")
# How long the event loop may be held at once, in wall seconds, before a client notices: the
# simulation slices are 20 ms; asyncua clients give up on a silent server after about a second.
STALL_S = 0.5
# At speed 60 a machine reports several times a (wall) second; a second without any value
# means the well-behaved client has been starved.
SILENCE_S = 1.5


@pytest.fixture(autouse=True)
def _quiet() -> None:
    # The clients below misbehave on purpose; asyncua and pymodbus log every complaint.
    for name in ("asyncua", "pymodbus", "testbed.live.guard"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


class Bystander:
    """The well-behaved client: subscribed to every machine tag and reading the simulated
    time five times a second, noting how long it ever waits."""

    def __init__(self) -> None:
        self.values = 0
        self.last_value = time.monotonic()
        self.longest_silence = 0.0
        self.slowest_read = 0.0
        self.reads = 0

    def datachange_notification(self, _node: Any, _val: Any, _data: Any) -> None:
        now = time.monotonic()
        self.longest_silence = max(self.longest_silence, now - self.last_value)
        self.last_value = now
        self.values += 1

    def silence(self) -> float:
        return max(self.longest_silence, time.monotonic() - self.last_value)

    @contextlib.asynccontextmanager
    async def watching(self, run: LiveRun) -> AsyncIterator[Bystander]:
        async with Client(run.url, timeout=5) as client:
            ns = await client.get_namespace_index(NS)
            sub = await client.create_subscription(50, self)
            await sub.subscribe_data_change(
                [client.get_node(ua.NodeId(f"Machines.{m.name}.{tag}", ns))
                 for m in run.machines for tag in TAGS], queuesize=100)
            clock = client.get_node(ua.NodeId("Factory.SimulatedTime", ns))

            async def read() -> None:
                while True:
                    started = time.monotonic()
                    await clock.read_value()
                    self.slowest_read = max(self.slowest_read, time.monotonic() - started)
                    self.reads += 1
                    await asyncio.sleep(0.2)

            reader = asyncio.create_task(read())
            await _until(lambda: self.values > 0)
            self.last_value, self.longest_silence = time.monotonic(), 0.0
            try:
                yield self
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader


class Heartbeat:
    """How long the event loop (the servers' and the simulation's) was ever held at once."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _beat(self) -> None:
        while True:
            started = time.monotonic()
            await asyncio.sleep(0.01)
            self.longest = max(self.longest, time.monotonic() - started - 0.01)

    def __enter__(self) -> Heartbeat:
        self._task = asyncio.create_task(self._beat())
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def elsewhere(function: str, *args: object) -> Any:
    """Run one of this file's coroutines in another process, as another program would, so that
    its own work (and Python's interpreter lock) is not counted against the server's; its
    result comes back as JSON."""
    here = Path(__file__).resolve().parent
    code = ("import asyncio, json, logging, sys; sys.path[:0] = sys.argv[1:3]; "
            "logging.disable(logging.CRITICAL); import test_hostile_clients as t; "
            "print(json.dumps(asyncio.run(getattr(t, sys.argv[3])(*json.loads(sys.argv[4])))))")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, str(here), str(here.parent / "live"), function,
        json.dumps(args), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()[-3000:]
    return json.loads(out.decode().strip().splitlines()[-1])


async def _until(condition: Any, timeout: float = 20.0) -> None:
    async def wait() -> None:
        while not condition():
            await asyncio.sleep(0.05)
    await asyncio.wait_for(wait(), timeout)


@contextlib.asynccontextmanager
async def driven(tmp: Path, **options: object) -> AsyncIterator[LiveRun]:
    """A live run of the shop at speed 60, driven until the block ends."""
    async with live_run(tmp, duration=None, **options) as run:
        stop = asyncio.Event()
        driving = asyncio.create_task(run.run(stop))
        try:
            await _until(lambda: run.model.env.now > 30)
            yield run
        finally:
            stop.set()
            await driving


def assert_kept_serving(run: LiveRun, bystander: Bystander, beat: Heartbeat,
                        stall: float = STALL_S) -> None:
    assert bystander.silence() < SILENCE_S, "the well-behaved client was starved"
    assert bystander.slowest_read < stall, "a read by the well-behaved client waited"
    assert beat.longest < stall, f"the event loop was held for {beat.longest:.2f} s"
    assert run.clock.wall_delay(run.pace.worst_lag_s) < 1.0, "the simulation fell behind"


# --- OPC UA: crowds, drops and reconnect loops ------------------------------------------------

async def _crowd(url: str, size: int, ns_tags: list[str]) -> list[Client]:
    """``size`` sessions at once; every other one also subscribes, the rest sit idle."""
    clients = [Client(url, timeout=10) for _ in range(size)]
    await asyncio.gather(*(c.connect() for c in clients))
    for client in clients[::2]:
        ns = await client.get_namespace_index(NS)
        sub = await client.create_subscription(100, None)
        await sub.subscribe_data_change(
            [client.get_node(ua.NodeId(t, ns)) for t in ns_tags])
    return clients


async def _drop_mid_session(url: str, tags: list[str], timeout_ms: float) -> None:
    """Connect, subscribe, and lose the TCP connection without closing anything."""
    client = Client(url, timeout=5)
    client.session_timeout = timeout_ms
    await client.connect()
    ns = await client.get_namespace_index(NS)
    sub = await client.create_subscription(50, None)
    await sub.subscribe_data_change([client.get_node(ua.NodeId(t, ns)) for t in tags])
    # A read left unanswered as the connection goes.
    pending = asyncio.create_task(client.get_node(ua.NodeId(tags[0], ns)).read_value())
    await asyncio.sleep(0)
    assert client.uaclient.protocol is not None and client.uaclient.protocol.transport
    client.uaclient.protocol.transport.abort()
    with contextlib.suppress(Exception):
        await pending
    with contextlib.suppress(Exception):
        await client.disconnect_socket()


async def _connect_and_close(port: int, times: int) -> None:
    for _ in range(times):
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


def test_crowds_drops_and_reconnect_loops_leave_the_others_served(tmp_path: Path) -> None:
    async def story() -> None:
        async with driven(tmp_path, speed=60.0) as run, \
                Bystander().watching(run) as bystander:
            tags = [f"Machines.{m.name}.PartCount" for m in run.machines]
            baseline_sessions = InternalSession._current_connections
            with Heartbeat() as beat:
                # 80 sessions arrive at once while 300 connections open and close and 20
                # clients subscribe and then lose their connection mid-read.
                crowd, *_ = await asyncio.gather(
                    _crowd(run.url, 80, tags),
                    _connect_and_close(run.options.opcua_port, 300),
                    *(_drop_mid_session(run.url, tags, 5_000) for _ in range(20)))
                assert len(crowd) == 80
                assert run.sessions() >= 80 + len(run.stubs) + 1
                await asyncio.sleep(1.0)
                assert_kept_serving(run, bystander, beat)
                await asyncio.gather(*(c.disconnect() for c in crowd))
            # The 20 dropped sessions are kept for their clients to come back to (as OPC UA
            # asks), and closed with their subscriptions once their timeout passes.
            assert InternalSession._current_connections >= baseline_sessions + 20
            await _until(lambda: InternalSession._current_connections == baseline_sessions,
                         timeout=15)
            assert run.sessions() == len(run.stubs) + 1
            assert bystander.silence() < SILENCE_S

            # A client that asks to be kept for an hour after it vanishes is kept a minute.
            client = Client(run.url)
            client.session_timeout = 3_600_000
            async with client:
                assert client.session_timeout <= MAX_SESSION_TIMEOUT_S * 1000

    asyncio.run(story())


# --- OPC UA: frames that are not honest -------------------------------------------------------

def _hello(url: str, receive: int = 65535, send: int = 65535, message: int = 0,
           chunks: int = 0) -> bytes:
    hello = ua.Hello()
    hello.ReceiveBufferSize, hello.SendBufferSize = receive, send
    hello.MaxMessageSize, hello.MaxChunkCount, hello.EndpointUrl = message, chunks, url
    return uatcp_to_binary(ua.MessageType.Hello, hello)


async def _send(port: int, data: bytes, wait: float = 1.0, then_close: bool = True) -> bytes:
    """Send ``data`` and give back what the server answers before it closes or ``wait``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        with contextlib.suppress(TimeoutError, ConnectionError):
            return await asyncio.wait_for(reader.read(65536), wait)
        return b""
    finally:
        if then_close:
            writer.close()


async def _flood(port: int, header: bytes, megabytes: int,
                 hello: bytes = b"") -> tuple[int, bytes]:
    """After ``hello`` (if any) is acknowledged, a frame header, then ``megabytes`` of body as
    fast as the server takes it: how much it took before closing, and what it said."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    if hello:
        writer.write(hello)
        assert (await asyncio.wait_for(reader.read(4096), 2.0))[:3] == b"ACK"
    # Read from the start: once the server closes on unread data, the kernel resets the
    # connection and an answer not yet read would be lost.
    answer = asyncio.create_task(reader.read(4096))
    writer.write(header)
    sent, block = 0, b"\0" * 65536
    with contextlib.suppress(ConnectionError):
        while sent < megabytes * 1024 * 1024 and not answer.done():
            writer.write(block)
            await writer.drain()
            sent += len(block)
    said = b""
    with contextlib.suppress(TimeoutError, ConnectionError):
        said = await asyncio.wait_for(answer, 2.0)
    writer.close()
    return sent, said


def _error_code(answer: bytes) -> int:
    assert answer[:3] == b"ERR", answer[:16]
    return int(struct.unpack_from("<I", answer, 8)[0])


def test_malformed_and_oversized_opc_ua_frames_are_refused(tmp_path: Path) -> None:
    async def story() -> None:
        async with driven(tmp_path, speed=60.0) as run, \
                Bystander().watching(run) as bystander:
            port, url = run.options.opcua_port, run.url
            with Heartbeat() as beat:
                before = rss_mb()
                # A chunk that claims 4 GB, then 64 MB of it: refused at the header, with
                # BadTcpMessageTooLarge; the server never buffers it.
                sent, answer = await _flood(port, b"MSGF" + struct.pack("<I", 0xFFFF_FFF0), 64)
                assert _error_code(answer) == ua.StatusCodes.BadTcpMessageTooLarge
                assert sent < 64 * 1024 * 1024
                # The same after a proper Hello, for a chunk just over the agreed buffer.
                _, answer = await _flood(port, b"MSGF" + struct.pack("<I", 65536), 1,
                                         hello=_hello(url))
                assert _error_code(answer) == ua.StatusCodes.BadTcpMessageTooLarge
                assert rss_mb() - before < 20
                # Bytes that are not OPC UA at all: BadTcpMessageTypeInvalid, and closed.
                answer = await _send(port, b"\x00\x01garbage" * 20)
                assert _error_code(answer) == ua.StatusCodes.BadTcpMessageTypeInvalid
                answer = await _send(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                assert _error_code(answer) == ua.StatusCodes.BadTcpMessageTypeInvalid
                # Hellos asking for absurd sizes get the server's own limits back.
                answer = await _send(port, _hello(url, 0xFFFF_FFFF, 0xFFFF_FFFF,
                                                  0xFFFF_FFFF, 0xFFFF_FFFF))
                assert answer[:3] == b"ACK"
                receive, send = struct.unpack_from("<II", answer, 12)
                assert receive <= 65535 and send <= 65535
                # Half a Hello, then gone; a secure-channel request before any Hello; a
                # message that claims less than its own header: none gets an answer that
                # matters, none disturbs the others.
                for frame in (_hello(url)[:13], b"OPNF" + struct.pack("<I", 40) + b"\xff" * 32,
                              b"MSGF" + struct.pack("<I", 4), b"HELF" + struct.pack("<I", 0)):
                    for _ in range(20):
                        await _send(port, frame, wait=0.05)
                await asyncio.sleep(1.0)
                assert_kept_serving(run, bystander, beat)
            # Every hostile connection is gone.
            await _until(lambda: run.sessions() == len(run.stubs) + 1, timeout=5)

    asyncio.run(story())


# --- OPC UA: a client that subscribes to everything, many times over --------------------------

async def _monitor_nodes(client: Client, machines: list[str], items: int) -> list[Any]:
    ns = await client.get_namespace_index(NS)
    nodes = [client.get_node(ua.NodeId(f"Machines.{m}.{tag}", ns))
             for m in machines for tag in TAGS]
    return (nodes * (items // len(nodes) + 1))[:items]


async def _at_once(url: str, machines: list[str], items: int) -> str:
    """Ask for ``items`` monitored items in one call: what the server answers. A request too
    large to take in is answered with an error message and the connection closed, which the
    client may see either way."""
    greedy = Client(url, timeout=60)
    await greedy.connect()
    try:
        sub = await greedy.create_subscription(50, None)
        await sub.subscribe_data_change(await _monitor_nodes(greedy, machines, items))
        return "served"
    except ua.UaStatusCodeError as refusal:
        return ua.StatusCode(refusal.code).name
    except ConnectionError:
        return "BadRequestTooLarge (connection closed)"
    finally:
        with contextlib.suppress(ConnectionError, ua.UaError, asyncio.TimeoutError):
            await greedy.disconnect()


async def _greedy(url: str, machines: list[str], items: int) -> dict[str, Any]:
    """Ask for ``items`` monitored items (every machine tag, over and over) in calls of the
    server's advertised MaxMonitoredItemsPerCall, and wait for the first value of each served
    one: the limit, how many were served, the refusals, the values."""
    async with Client(url, timeout=60) as greedy:
        wanted = await _monitor_nodes(greedy, machines, items)
        counted = Bystander()
        sub = await greedy.create_subscription(50, counted)
        per_call = await greedy.get_node(
            ua.ObjectIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall
        ).read_value()
        handles = []
        for start in range(0, len(wanted), per_call):
            handles += await sub.subscribe_data_change(wanted[start:start + per_call],
                                                       queuesize=10)
        served = sum(isinstance(h, int) for h in handles)
        await _until(lambda: counted.values >= served, timeout=30)
        await sub.delete()
        return {"per_call": per_call, "served": served, "values": counted.values,
                "refused": sorted({getattr(h, "value", -1) for h in handles
                                   if not isinstance(h, int)})}


def test_ten_thousand_monitored_items_are_refused_past_a_limit_and_others_are_served(
        tmp_path: Path) -> None:
    async def story() -> None:
        async with driven(tmp_path, speed=60.0) as run, \
                Bystander().watching(run) as bystander:
            tags = len(run.machines) * len(TAGS)
            names = [m.name for m in run.machines]
            with Heartbeat() as beat:
                # Ten thousand in one call are refused as their bytes arrive, before asyncua
                # decodes them (which held the loop half a second); two thousand, small enough
                # to decode, are refused before asyncua creates them all in one go.
                assert (await elsewhere("_at_once", run.url, names, 10_000)).startswith(
                    "BadRequestTooLarge")
                assert await elsewhere("_at_once", run.url, names, 2_000) == \
                    "BadTooManyOperations"
                greedy = await elsewhere("_greedy", run.url, names, 10_000)
                # The server says how many a call may create, and a client keeping to it
                # gets its items.
                assert greedy["per_call"] == LIMITS["MaxMonitoredItemsPerCall"]
                # Each tag may be monitored MAX_MONITORS_PER_VALUE times in all; the history
                # has one of them and the bystander one. The rest are refused with a status.
                assert greedy["served"] == tags * (MAX_MONITORS_PER_VALUE - 2)
                assert greedy["refused"] == [ua.StatusCodes.BadTooManyMonitoredItems]
                assert greedy["values"] >= greedy["served"]
                assert_kept_serving(run, bystander, beat)
            # Once the greedy client has gone, a newcomer may monitor the tags again.
            async with Client(run.url) as newcomer:
                ns = await newcomer.get_namespace_index(NS)
                sub = await newcomer.create_subscription(100, None)
                handle = await sub.subscribe_data_change(newcomer.get_node(
                    ua.NodeId(f"Machines.{run.machines[0].name}.PartCount", ns)))
                assert isinstance(handle, int)

    asyncio.run(story())


# --- Modbus: frames that are not honest -------------------------------------------------------

def _mbap(transaction: int, unit: int, pdu: bytes, length: int | None = None,
          protocol: int = 0) -> bytes:
    size = len(pdu) + 1 if length is None else length
    return struct.pack(">HHHB", transaction, protocol, size, unit) + pdu


def _read(start: int, count: int) -> bytes:
    return struct.pack(">BHH", 3, start, count)


def test_malformed_modbus_frames_get_exceptions_and_the_gateway_keeps_reading(
        tmp_path: Path) -> None:
    async def story() -> None:
        async with driven(tmp_path, speed=60.0) as run:
            assert run.gateway is not None
            port = run.options.modbus_port
            reads, failed = run.gateway.reads, run.gateway.failed_reads
            with Heartbeat() as beat:
                # Requests a server must answer with an exception (function code | 0x80):
                # more registers than a frame can hold, none, past the last register, a
                # function nobody implements, a write to read-only counters, a unit that
                # does not exist.
                for transaction, unit, pdu in (
                        (1, 1, _read(0, 126)), (2, 1, _read(0, 0)), (3, 1, _read(0, 65535)),
                        (4, 1, _read(5, REGISTERS)), (5, 1, bytes([0x5A, 0, 0])),
                        (6, 1, struct.pack(">BHHB", 16, 0, 1, 2) + b"\0\1"),
                        (7, 200, _read(0, REGISTERS))):
                    answer = await _send(port, _mbap(transaction, unit, pdu))
                    assert answer[:2] == struct.pack(">H", transaction), (transaction, answer)
                    assert answer[7] & 0x80, (transaction, answer.hex())
                # Frames that are not Modbus TCP: a truncated header, a length of 0 or
                # longer than any frame, a protocol id that is not Modbus, garbage. Answered
                # with silence or a closed connection; never with data.
                for frame in (b"\x00\x01\x00", _mbap(8, 1, _read(0, 7), length=0),
                              _mbap(9, 1, _read(0, 7), length=2000),
                              _mbap(10, 1, _read(0, 7), protocol=7), b"\xff" * 300):
                    for _ in range(10):
                        answer = await _send(port, frame, wait=0.1)
                        assert len(answer) <= 9, answer.hex()  # at most an exception
                # Meanwhile a second SCADA reads every unit normally, as mbpoll would.
                normal = AsyncModbusTcpClient("127.0.0.1", port=port, timeout=2, retries=0)
                await normal.connect()
                try:
                    for unit in range(1, len(run.modbus_ids) + 1):
                        read = await normal.read_holding_registers(0, count=REGISTERS,
                                                                   device_id=unit)
                        # 0x0B: the unit's own link is down in the simulation, as it may be.
                        assert not read.isError() or read.exception_code == 0x0B
                finally:
                    normal.close()
                await _until(lambda: run.gateway is not None
                             and run.gateway.reads > reads + 2 * len(run.modbus_ids))
            assert run.gateway.failed_reads == failed, "the gateway's reads failed"
            assert beat.longest < STALL_S
            assert run.clock.wall_delay(run.pace.worst_lag_s) < 1.0

    asyncio.run(story())


# --- all of it, round after round: memory stays flat ------------------------------------------

async def _assault(url: str, port: int, modbus: int, tags: list[str]) -> None:
    """One round of everything at once."""
    crowd = await _crowd(url, 40, tags)
    await asyncio.gather(
        _connect_and_close(port, 100),
        *(_drop_mid_session(url, tags, 5_000) for _ in range(10)),
        _flood(port, b"MSGF" + struct.pack("<I", 0xFFFF_FFF0), 8),
        *(_send(port, b"\x00\x01garbage" * 20) for _ in range(20)),
        *(_send(modbus, b"\xff" * 300, wait=0.05) for _ in range(20)))
    await asyncio.gather(*(c.disconnect() for c in crowd))


def test_memory_stays_flat_round_after_round(tmp_path: Path) -> None:
    async def story() -> None:
        async with driven(tmp_path, speed=60.0) as run, \
                Bystander().watching(run) as bystander:
            port, url = run.options.opcua_port, run.url
            tags = [f"Machines.{m.name}.PartCount" for m in run.machines]
            after: list[float] = []
            with Heartbeat() as beat:
                for _ in range(4):
                    await elsewhere("_assault", url, port, run.options.modbus_port, tags)
                    await asyncio.sleep(6.0)  # the dropped sessions time out
                    after.append(rss_mb())
                assert_kept_serving(run, bystander, beat)
            # The first round warms caches and pools; after it, rounds must not add up.
            assert after[-1] - after[1] < 30, f"RSS after each round: {after}"

    asyncio.run(story())


# --- the gateway stops even when a read will not be cancelled ---------------------------------

def test_the_gateway_stops_even_when_a_read_swallows_its_cancellation(tmp_path: Path) -> None:
    """Python 3.11's wait_for, inside pymodbus's read, returns the answer and drops the
    cancellation when both arrive together; a run must end all the same."""
    async def story() -> None:
        async with driven(tmp_path, speed=60.0) as run:
            gateway = run.gateway
            assert gateway is not None
            [client] = gateway._clients.values()  # the shop's Modbus machines: one server
            real = client.read_holding_registers

            async def stubborn(*args: Any, **kwargs: Any) -> Any:
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.sleep(0.5)  # a slow answer; the cancellation is lost
                return await real(*args, **kwargs)

            client.read_holding_registers = stubborn  # type: ignore[method-assign]
            reads = gateway.reads
            await _until(lambda: gateway.reads > reads + len(run.modbus_ids))
            await gateway.stop()

    # Were it to hang, it would hang the test run: a thread that must end in time instead.
    failures: list[BaseException] = []

    def tell() -> None:
        try:
            asyncio.run(story())
        except BaseException as exc:  # raised again below, in the test
            failures.append(exc)

    ended = threading.Thread(target=tell, daemon=True)
    ended.start()
    ended.join(timeout=60)
    assert not ended.is_alive(), "the run did not end: a Modbus poll outlived its cancellation"
    if failures:
        raise failures[0]
