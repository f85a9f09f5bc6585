"""Tag updates a subscriber outside sees from the live server, beside a bare asyncua server.

    python benchmarks/live_vs_bare.py [--seconds 15] [--speed 2400] [--scale 1]

A benchmark, not a test: it prints figures (docs/performance.md quotes them). In one run, one
after the other, each server in a process of its own and each measured by a subscriber in a
process of its own (so the two cores are server and subscriber):

* live: ``testbed live``'s run of the bundled shop's edge gateway hub (every machine count
  multiplied by ``--scale``) at ``--speed``, its own stubs subscribed as always;
* bare: an asyncua server with as many variables as the live one has tags, written round robin
  as fast as it goes, yielding to the event loop every 20 ms as the live run does between
  slices.

The subscriber (node-opcua, an OPC UA stack we did not write, ``--subscriber asyncua`` for
asyncua's client) browses the server for its variables, monitors every one (every write reported,
in calls of the server's MaxMonitoredItemsPerCall) and counts the notifications it receives
after a warm-up; lag is the receipt time minus the value's ServerTimestamp (when the server
took the write). Load is the machine's one-minute load average at the end of each phase.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asyncua import Client, Node, Server, ua
from asyncua.common.subscription import DataChangeEvent

ROOT = Path(__file__).resolve().parent.parent
WARM_UP_S = 3.0
NODE_SUBSCRIBER = ROOT / "tests" / "interop" / "node" / "count_updates.mjs"
SLICE_S = 0.02  # as testbed/live/clock.py
PUBLISHING_INTERVAL_MS = 20.0


# --- the subscriber (a process of its own) --------------------------------------------------

async def _variables(node: Node) -> list[Node]:
    found = list(await node.get_variables())
    for child in await node.get_children(refs=ua.ObjectIds.Organizes) + \
            await node.get_children(refs=ua.ObjectIds.HasComponent,
                                    nodeclassmask=ua.NodeClass.Object):
        found += await _variables(child)
    return found


async def subscribe(url: str, root: str, seconds: float) -> dict[str, Any]:
    async with Client(url, timeout=60) as client:
        children = await client.nodes.objects.get_children()
        names = [(await n.read_browse_name()).Name for n in children]
        variables = await _variables(children[names.index(root)])
        per_call = int(await client.get_node(
            ua.ObjectIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall
        ).read_value()) or len(variables)
        subscription = await client.create_subscription(PUBLISHING_INTERVAL_MS, None,
                                                        queue_maxsize=0)
        # Every write reported, not just the newest per publishing interval.
        trigger = ua.DataChangeFilter(Trigger=ua.DataChangeTrigger.StatusValueTimestamp)
        requests = [ua.MonitoredItemCreateRequest(
            ItemToMonitor=ua.ReadValueId(NodeId=v.nodeid, AttributeId=ua.AttributeIds.Value),
            MonitoringMode=ua.MonitoringMode.Reporting,
            RequestedParameters=ua.MonitoringParameters(
                ClientHandle=handle, SamplingInterval=0.0, QueueSize=1000, DiscardOldest=True,
                Filter=trigger))
            for handle, v in enumerate(variables, start=1)]
        for start in range(0, len(requests), per_call):
            await subscription.create_monitored_items(requests[start:start + per_call])
        counted, lags = 0, []
        begin = time.monotonic() + WARM_UP_S
        end = begin + seconds
        while (now := time.monotonic()) < end:
            event = await subscription.next_event(timeout=end - now)
            if not isinstance(event, DataChangeEvent) or now < begin:
                continue
            stamp = event.data.monitored_item.Value.ServerTimestamp
            counted += 1
            if stamp is not None:
                lags.append((datetime.now(UTC) - stamp).total_seconds())
    lags.sort()
    return {"variables": len(variables), "updates_per_s": counted / seconds,
            "lag_p50_s": lags[len(lags) // 2] if lags else float("nan"),
            "lag_p95_s": lags[int(len(lags) * 0.95)] if lags else float("nan")}


# --- the servers (each a process of its own; they serve until their stdin closes) -----------

async def _until_stdin_closes() -> None:
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


async def serve_live(port: int, speed: float, scale: int) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).parent))
    sys.path.insert(0, str(ROOT / "tests" / "live"))
    from live_capacity import HUB, SHOP, scaled_scenario
    from live_helpers import free_ports

    from testbed.live.session import LiveOptions, LiveRun
    from testbed.registry import load_registry
    from testbed.scenario import load_scenario

    registry = load_registry()
    with tempfile.TemporaryDirectory() as tmp:
        scenario = SHOP if scale == 1 else scaled_scenario(scale, Path(tmp))
        run = LiveRun(load_scenario(scenario, registry), registry, str(scenario),
                      LiveOptions(HUB, speed=speed, opcua_port=port, modbus_port=free_ports(2),
                                  pki=Path(tmp) / "pki"))
        await run.start()
        stop = asyncio.Event()
        driving = asyncio.create_task(run.run(stop))
        print("ready", flush=True)
        await _until_stdin_closes()
        stop.set()
        await driving
        report = await run.finish()
    return {"machines": len(run.machines), "server_writes_per_s": report.deliveries / report.wall_s,
            "worst_lag_s": report.worst_lag_s}


async def serve_bare(port: int, variables: int) -> dict[str, Any]:
    server = Server()
    await server.init()
    server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/bare/")
    ns = await server.register_namespace("urn:bare")
    top = await server.nodes.objects.add_object(ua.NodeId("Bare", ns), "Bare")
    nodes = []
    # A hundred variables per object: asyncua's add is quadratic in a parent's children.
    for first in range(0, variables, 100):
        parent = await top.add_object(ua.NodeId(f"Group.{first}", ns), f"Group{first}")
        for i in range(first, min(first + 100, variables)):
            var = await parent.add_variable(ua.NodeId(f"Bare.{i}", ns), f"V{i}",
                                            ua.Variant(0, ua.VariantType.UInt32))
            nodes.append(var.nodeid)
    await server.start()
    print("ready", flush=True)
    closed = asyncio.create_task(_until_stdin_closes())
    written, started = 0, time.monotonic()
    while not closed.done():
        deadline = time.monotonic() + SLICE_S
        now = datetime.now(UTC)
        while time.monotonic() < deadline:
            for _ in range(64):
                await server.write_attribute_value(nodes[written % variables], ua.DataValue(
                    ua.Variant(written & 0xFFFF_FFFF, ua.VariantType.UInt32),
                    SourceTimestamp=now, ServerTimestamp=now))
                written += 1
        await asyncio.sleep(0)
    wall = time.monotonic() - started
    await server.stop()
    return {"server_writes_per_s": written / wall}


# --- the run ---------------------------------------------------------------------------------

def _subscriber(kind: str, url: str, root: str, seconds: float) -> list[str]:
    if kind == "node-opcua":
        return ["node", str(NODE_SUBSCRIBER), "--url", url, "--root", root,
                "--seconds", str(seconds), "--warmup", str(WARM_UP_S)]
    return _role("subscribe", url, root, str(seconds))


def _role(*args: str) -> list[str]:
    return [sys.executable, __file__, "--role", *args]


def phase(server_args: list[str], url: str, root: str, seconds: float,
          subscriber: str) -> dict[str, Any]:
    """Start a server, measure it from a subscriber process, stop it; both sides' figures."""
    server = subprocess.Popen(_role(*server_args), stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert server.stdout is not None and server.stdin is not None
    try:
        if server.stdout.readline().strip() != "ready":
            raise SystemExit(f"the server ({' '.join(server_args)}) did not start")
        measured = subprocess.run(_subscriber(subscriber, url, root, seconds),
                                  capture_output=True, text=True, timeout=seconds + 300)
        if measured.returncode != 0:
            raise SystemExit(f"the subscriber failed:\n{measured.stderr[-4000:]}")
        load = os.getloadavg()[0]
        server.stdin.close()
        out = server.stdout.read()
        server.wait(timeout=120)
    finally:
        if server.poll() is None:
            server.kill()
    return {**json.loads(measured.stdout.strip().splitlines()[-1]),
            **json.loads(out.strip().splitlines()[-1]), "load_1min": load}


def _row(name: str, f: dict[str, Any]) -> str:
    return (f"  {name:<5} {f['variables']:>6} variables  {f['updates_per_s']:>9,.0f} updates/s"
            f"  lag p50 {f['lag_p50_s'] * 1000:>6.1f} ms  p95 {f['lag_p95_s'] * 1000:>7.1f} ms"
            f"  (server wrote {f['server_writes_per_s']:,.0f}/s; load {f['load_1min']:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="measured wall seconds")
    parser.add_argument("--speed", type=float, default=2400.0, help="the live run's speed")
    parser.add_argument("--scale", type=int, default=1, help="machine counts multiplied by")
    parser.add_argument("--subscriber", choices=("node-opcua", "asyncua"), default="node-opcua",
                        help="the measuring client (node-opcua: `npm ci` in tests/interop/node)")
    parser.add_argument("--role", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        role, *rest = args.role
        if role == "subscribe":
            figures = asyncio.run(subscribe(rest[0], rest[1], float(rest[2])))
        elif role == "live":
            figures = asyncio.run(serve_live(int(rest[0]), float(rest[1]), int(rest[2])))
        else:
            figures = asyncio.run(serve_bare(int(rest[0]), int(rest[1])))
        print(json.dumps(figures), flush=True)
        return
    sys.path.insert(0, str(ROOT / "tests" / "live"))
    from live_helpers import free_port

    print(f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load {os.getloadavg()[0]:.2f} before; subscriber {args.subscriber}")
    port = free_port()
    live = phase(["live", str(port), str(args.speed), str(args.scale)],
                 f"opc.tcp://127.0.0.1:{port}/testbed/", "Factory", args.seconds, args.subscriber)
    port = free_port()
    bare = phase(["bare", str(port), str(live["variables"])],
                 f"opc.tcp://127.0.0.1:{port}/bare/", "Bare", args.seconds, args.subscriber)
    print(f"live: {live['machines']} machines at speed {args.speed:g}, worst simulation lag "
          f"{live['worst_lag_s']:.2f} s")
    print(_row("live", live))
    print(_row("bare", bare))
    print(f"  ratio live/bare: {live['updates_per_s'] / bare['updates_per_s']:.2f}")
    print(json.dumps({"live": live, "bare": bare}))


if __name__ == "__main__":
    main()
