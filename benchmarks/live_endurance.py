"""An accelerated endurance run of ``testbed live``: many simulated hours of the bundled shop,
with a subscriber throughout and a flaky client that reconnects in a loop.

    python benchmarks/live_endurance.py [--hours 36] [--speed 150] [--sample 30] [--out DIR]
        [--history-per-tag N]

A benchmark, not a test: it prints figures (docs/reliability.md quotes them). Certification
labs leave a server up for days with clients coming and going; here the wall clock is sped up
so 36 simulated hours take a quarter of an hour, and the question is the same: does the run
keep time, does its memory stay flat, does it keep serving.

The real command runs in a subprocess (so its memory is its own); this process is its clients:

* a subscriber to every machine tag, counting notifications and checking that values keep
  coming (a stall of more than ``--stall`` seconds is reported);
* a flaky client that connects, reads the simulated time, and goes away, alternately closing
  its session properly and dropping the TCP connection mid-session, over and over;
* a Modbus reader polling every unit, as a second SCADA would.

Every ``--sample`` seconds it records the server's RSS (/proc), the lag, sessions and updates/s
from its status line; at the end, the wall time, worst lag, RSS at start/middle/end, the
deliveries, the reconnects served and whether live and simulated delivered fractions agree.

The server keeps each machine tag's history in memory (bounded: ``HISTORY_BUDGET`` values in
all), so its memory grows with the history until the bound; ``--history-per-tag 20`` keeps
only 20 values a tag, to see what else, if anything, grows.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asyncua import Client, ua
from pymodbus.client import AsyncModbusTcpClient

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "scenarios" / "sme-legacy-shop.yaml"
HUB = "Edge gateway hub"
NS = "urn:interop-testbed:factory"
READY = "Ctrl-C stops the run"
STATUS = re.compile(r"sessions (\d+)\s+([\d,]+) updates/s\s+lag ([\d.]+) s")
UNITS = re.compile(r"units 1-(\d+)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Tally:
    notifications: int = 0
    last_notification: float = field(default_factory=time.monotonic)
    longest_stall_s: float = 0.0
    reconnects: int = 0
    drops: int = 0
    refused: int = 0
    modbus_reads: int = 0
    modbus_errors: int = 0
    refusals: list[str] = field(default_factory=list)  # the first few, to say why
    # Refusals count only once a later connection succeeds: the server closes its port while
    # it writes the results at the end, and those are not refusals of a serving server.
    unconfirmed: list[str] = field(default_factory=list)

    def datachange_notification(self, _node: Any, _val: Any, _data: Any) -> None:
        now = time.monotonic()
        self.longest_stall_s = max(self.longest_stall_s, now - self.last_notification)
        self.last_notification = now
        self.notifications += 1


async def subscriber(url: str, tally: Tally, done: asyncio.Event) -> None:
    async with Client(url, timeout=10) as client:
        ns = await client.get_namespace_index(NS)
        machines = await client.nodes.objects.get_child([f"{ns}:Factory", f"{ns}:Machines"])
        tags = [tag for machine in await machines.get_children()
                for tag in await machine.get_children()
                if (await tag.read_node_class()) == ua.NodeClass.Variable]
        sub = await client.create_subscription(100, tally)
        await sub.subscribe_data_change(tags, queuesize=100)
        tally.last_notification = time.monotonic()
        await done.wait()


async def flaky(url: str, tally: Tally, done: asyncio.Event) -> None:
    """Connect, read, go: every other time without closing the session, as a client whose
    network cable is pulled does."""
    while not done.is_set():
        client = Client(url, timeout=5)
        try:
            await client.connect()
            ns = await client.get_namespace_index(NS)
            await client.get_node(ua.NodeId("Factory.SimulatedTime", ns)).read_value()
            tally.reconnects += 1
            tally.refused += len(tally.unconfirmed)
            tally.refusals = (tally.refusals + tally.unconfirmed)[:5]
            tally.unconfirmed = []
            if tally.reconnects % 2:
                await client.disconnect()
            else:
                # Drop the TCP connection under the session: the server must clean it up.
                client.uaclient.protocol.transport.abort()
                with contextlib.suppress(Exception):
                    await client.disconnect_socket()
                tally.drops += 1
        except (OSError, TimeoutError, ua.UaError) as exc:
            tally.unconfirmed.append(f"{type(exc).__name__}: {exc}")
            with contextlib.suppress(Exception):
                await client.disconnect_socket()
        await asyncio.sleep(0.2)


async def modbus_reader(port: int, units: int, tally: Tally, done: asyncio.Event) -> None:
    client = AsyncModbusTcpClient("127.0.0.1", port=port, timeout=2, retries=0)
    await client.connect()
    try:
        while not done.is_set():
            for unit in range(1, units + 1):
                try:
                    answer = await client.read_holding_registers(0, count=7, device_id=unit)
                    tally.modbus_reads += 1
                    if answer.isError():
                        tally.modbus_errors += 1  # 0x0B while a link is down is expected
                except Exception:
                    tally.modbus_errors += 1
            await asyncio.sleep(1.0)
    finally:
        client.close()


def status_of(lines: list[str]) -> tuple[int, float, float] | None:
    for line in reversed(lines):
        found = STATUS.search(line)
        if found:
            return (int(found[1]), float(found[2].replace(",", "")), float(found[3]))
    return None


async def endure(args: argparse.Namespace, out: Path) -> dict[str, Any]:
    opcua_port, modbus_port = free_port(), free_port()
    launcher = ["-m", "testbed.cli"]
    if args.history_per_tag is not None:
        launcher = ["-c", "import sys, testbed.live.address_space as a; a.HISTORY_BUDGET = 0; "
                          f"a.HISTORY_MIN_PER_TAG = {args.history_per_tag}; "
                          "from testbed.cli import main; sys.exit(main(sys.argv[1:]))"]
    command = [sys.executable, *launcher, "live", str(SHOP), "--architecture", HUB,
               "--speed", f"{args.speed:g}", "--duration", f"{args.hours:g}h",
               "--opcua-port", str(opcua_port), "--modbus-port", str(modbus_port),
               "--mtconnect-port", str(free_port()), "--out", str(out)]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, encoding="utf-8")
    assert process.stderr is not None
    stderr = process.stderr
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(stderr.readline, "")),
                              daemon=True)
    reader.start()
    started = time.monotonic()
    while not any(READY in line for line in lines):
        if process.poll() is not None or time.monotonic() - started > 60:
            raise SystemExit("testbed live did not start:\n" + "".join(lines))
        await asyncio.sleep(0.1)
    units = next((int(m[1]) for line in lines if (m := UNITS.search(line))), 0)
    url = f"opc.tcp://127.0.0.1:{opcua_port}/testbed/"
    tally, done = Tally(), asyncio.Event()
    clients = [asyncio.create_task(subscriber(url, tally, done)),
               asyncio.create_task(flaky(url, tally, done)),
               asyncio.create_task(modbus_reader(modbus_port, units, tally, done))]
    samples: list[dict[str, float]] = []
    last_notifications, last_time = 0, time.monotonic()
    try:
        while process.poll() is None:
            await asyncio.sleep(args.sample)
            if process.poll() is not None:
                break
            now = time.monotonic()
            status = status_of(lines)
            sample = {"wall_s": now - started, "rss_mb": rss_mb(process.pid),
                      "sessions": status[0] if status else -1,
                      "updates_per_s": status[1] if status else -1,
                      "lag_s": status[2] if status else -1,
                      "notifications_per_s": (tally.notifications - last_notifications)
                      / (now - last_time),
                      "reconnects": tally.reconnects}
            last_notifications, last_time = tally.notifications, now
            samples.append(sample)
            print("  ".join(f"{k} {v:,.1f}" for k, v in sample.items()), flush=True)
            # Stop the clients before the run ends on its own, so the end is orderly.
            for task in clients:
                if task.done() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
    finally:
        done.set()
        for task in clients:
            task.cancel()
        for task in clients:
            with contextlib.suppress(BaseException):
                await task
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        process.wait(timeout=120)
        reader.join(timeout=5)
    if process.returncode != 0:
        raise SystemExit(f"testbed live exited {process.returncode}:\n" + "".join(lines[-40:]))
    summary = json.loads((out / "live.json").read_text(encoding="utf-8"))
    fractions = {row["metric"]: row for row in summary["comparison"]}["delivered_fraction"]
    middle = samples[len(samples) // 2] if samples else {}
    return {
        "command": " ".join(command[1:]),
        "hours": args.hours, "speed": args.speed, "history_per_tag": args.history_per_tag,
        "wall_s": summary["wall_s"], "simulated_s": summary["simulated_s"],
        "worst_lag_s": summary["worst_lag_s"], "deliveries": summary["deliveries"],
        "deliveries_per_s": summary["deliveries_per_s"],
        "modbus_reads_by_gateway": summary["modbus_reads"],
        "rss_mb": {"start": samples[0]["rss_mb"] if samples else None,
                   "middle": middle.get("rss_mb"),
                   "end": samples[-1]["rss_mb"] if samples else None,
                   "max": max((s["rss_mb"] for s in samples), default=None)},
        "max_sessions_seen": max((s["sessions"] for s in samples), default=None),
        "subscriber_notifications": tally.notifications,
        "subscriber_longest_stall_s": tally.longest_stall_s,
        "reconnects_served": tally.reconnects, "dropped_mid_session": tally.drops,
        "reconnects_refused": tally.refused, "refusals": tally.refusals,
        "modbus_reads_by_second_reader": tally.modbus_reads,
        "modbus_errors_by_second_reader": tally.modbus_errors,
        "delivered_fraction": {"live": fractions["live"], "simulated": fractions["simulated"]},
        "delivered_fraction_agrees": abs(fractions["live"] - fractions["simulated"]) <= 0.01,
        "samples": samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=36.0, help="simulated hours")
    parser.add_argument("--speed", type=float, default=150.0)
    parser.add_argument("--sample", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--history-per-tag", type=int, default=None,
                        help="keep only this many history values per tag")
    parser.add_argument("--out", type=Path, default=None,
                        help="where the run's results and endurance.json go (default: temp)")
    args = parser.parse_args()
    # The clients' own complaints when the run ends under them are not figures.
    logging.getLogger("asyncua").setLevel(logging.CRITICAL)
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        figures = asyncio.run(endure(args, out))
        (out / "endurance.json").write_text(json.dumps(figures, indent=2) + "\n",
                                            encoding="utf-8")
    shown = {k: v for k, v in figures.items() if k != "samples"}
    print(json.dumps(shown, indent=2))


if __name__ == "__main__":
    main()
