"""How much one live run sustains on this machine before it falls behind the wall clock.

    python benchmarks/live_capacity.py [--seconds 20] [--limit 0.5]
        [--speeds 150,300,600,1200,2400] [--scales 1,2,4,8,16,32] [--scale-speed 60]

A benchmark, not a test: it prints figures (docs/live.md and docs/performance.md quote them).
Two sweeps, each point a fresh process running the bundled shop's edge gateway hub for
``--seconds`` of wall time with its stubs subscribed (no other clients):

* speed: the shop as it is, faster and faster: deliveries (values written to software inboxes)
  per second grow with the speed;
* scale: the shop with every machine count multiplied (2x is 26 machines), at
  ``--scale-speed``: the OPC UA variables (tags) grow with the machines.

A point is sustained while the worst lag (wall seconds the simulation was ever behind its clock)
stays under ``--limit``; each sweep stops at the first point that is not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "scenarios" / "sme-legacy-shop.yaml"
HUB = "Edge gateway hub"
MODBUS_SERVERS = 5  # 247 Modbus machines each (testbed/live/modbus.py): up to scale 247


def scaled_scenario(scale: int, directory: Path) -> Path:
    """The shop with every machine count multiplied by ``scale``."""
    data: Any = yaml.safe_load(SHOP.read_text(encoding="utf-8"))
    for machine in data["shop"]["machines"]:
        machine["count"] = machine.get("count", 1) * scale
    path = directory / f"shop-x{scale}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


async def one(scenario: Path, speed: float, seconds: float) -> dict[str, Any]:
    """One point; if it has not finished well after ``seconds``, say where every task is."""
    task = asyncio.create_task(_one(scenario, speed, seconds))
    done, _ = await asyncio.wait([task], timeout=seconds + 120)
    if task not in done:
        for stuck in asyncio.all_tasks():
            if stuck is not asyncio.current_task():
                stuck.print_stack(file=sys.stderr)
        raise TimeoutError(f"a point at speed {speed:g} did not finish")
    return task.result()


async def _one(scenario: Path, speed: float, seconds: float) -> dict[str, Any]:
    from testbed.live.session import LiveOptions, LiveRun
    from testbed.registry import load_registry
    from testbed.scenario import load_scenario

    sys.path.insert(0, str(ROOT / "tests" / "live"))
    from live_helpers import free_port, free_ports

    registry = load_registry()
    with tempfile.TemporaryDirectory() as tmp:
        run = LiveRun(load_scenario(scenario, registry), registry, str(scenario),
                      LiveOptions(HUB, speed=speed, opcua_port=free_port(),
                                  modbus_port=free_ports(MODBUS_SERVERS),
                                  mtconnect_port=free_port(), pki=Path(tmp) / "pki"))
        started = time.monotonic()
        await run.start()
        setup = time.monotonic() - started
        assert run.nodes is not None
        tags = (len(run.nodes.machines) * 4
                + sum(len(box) for box in run.nodes.inboxes.values()))
        stop = asyncio.Event()
        driving = asyncio.create_task(run.run(stop))
        await asyncio.sleep(seconds)
        stop.set()
        await driving
        report = await run.finish()
    return {"machines": len(run.machines), "tags": tags, "speed": speed,
            "setup_s": setup, "wall_s": report.wall_s, "simulated_s": report.simulated_s,
            "deliveries_per_s": report.deliveries / report.wall_s,
            "events_per_s": report.events / report.wall_s,
            "notifications_per_s": sum(s.notifications for s in run.stubs) / report.wall_s,
            "modbus_reads_per_s": report.modbus_reads / report.wall_s,
            "worst_lag_s": report.worst_lag_s}


def point(scenario: Path, speed: float, seconds: float) -> dict[str, Any]:
    """One point in a fresh process, so that each has the machine to itself."""
    code = ("import asyncio, json, sys; sys.path.insert(0, sys.argv[1]); "
            "import live_capacity as c; from pathlib import Path; "
            "print(json.dumps(asyncio.run(c.one(Path(sys.argv[2]), float(sys.argv[3]), "
            "float(sys.argv[4])))))")
    done = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent),
                           str(scenario), str(speed), str(seconds)],
                          capture_output=True, text=True, timeout=seconds + 600)
    if done.returncode != 0:
        raise SystemExit(f"the point at speed {speed:g} failed:\n{done.stderr[-6000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def show(figures: dict[str, Any], limit: float) -> bool:
    sustained = figures["worst_lag_s"] < limit
    print(f"  {figures['machines']:>4} machines {figures['tags']:>6} tags  x{figures['speed']:<6g}"
          f" {figures['deliveries_per_s']:>8,.0f} deliveries/s"
          f" {figures['notifications_per_s']:>8,.0f} notifications/s"
          f" {figures['events_per_s']:>9,.0f} events/s  worst lag {figures['worst_lag_s']:.2f} s"
          f"  (setup {figures['setup_s']:.1f} s)  {'ok' if sustained else 'BEHIND'}",
          flush=True)
    return sustained


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="wall seconds per point")
    parser.add_argument("--limit", type=float, default=0.5, help="worst lag allowed, seconds")
    parser.add_argument("--speeds", default="150,300,600,1200,2400,4800")
    parser.add_argument("--scales", default="1,2,4,8,16,32")
    parser.add_argument("--scale-speed", type=float, default=60.0)
    args = parser.parse_args()
    print(f"{platform.node()}: {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}")
    results: dict[str, list[dict[str, Any]]] = {"speed": [], "scale": []}
    with tempfile.TemporaryDirectory() as tmp:
        print("speed (the bundled shop, 13 machines):")
        for speed in (float(s) for s in args.speeds.split(",")):
            results["speed"].append(point(SHOP, speed, args.seconds))
            if not show(results["speed"][-1], args.limit):
                break
        print(f"scale (every machine count multiplied, speed {args.scale_speed:g}):")
        for scale in (int(s) for s in args.scales.split(",")):
            scenario = scaled_scenario(scale, Path(tmp))
            results["scale"].append(point(scenario, args.scale_speed, args.seconds))
            if not show(results["scale"][-1], args.limit):
                break
    print(json.dumps(results))


if __name__ == "__main__":
    main()
