"""How long the MTConnect agent holds live mode's event loop to answer: the time to build its
largest documents (a full /sample of 10,000 observations, /current, /probe) from a buffer the
bundled shop's MTConnect machines filled, median of repeated builds.

    python benchmarks/live_mtconnect.py [--hours 24]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from testbed.live import mtconnect_xml
from testbed.live.mtconnect import Agent, Device, xml_ids
from testbed.live.mtconnect_http import MAX_COUNT, AgentServer
from testbed.live.session import LiveOptions, LiveRun
from testbed.registry import load_registry
from testbed.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "scenarios" / "sme-legacy-shop.yaml"


def median_ms(build: Callable[[], bytes], repeat: int = 20) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        size = len(build())
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hours", type=float, default=24.0,
                        help="simulated hours that fill the buffer")
    args = parser.parse_args()
    registry = load_registry()
    run = LiveRun(load_scenario(SHOP, registry), registry, str(SHOP),
                  LiveOptions("Edge gateway hub"))
    # the agent as a live run makes it, without its HTTP server
    instances = run.assembly.machines
    machines = [m for m in run.machines if m.name in run.mtconnect_ids]
    devices = [Device(m, run.model.links.get(instances[m.index].link or ""), "urn:bench", ident)
               for m, ident in zip(machines, xml_ids(run.mtconnect_ids), strict=True)]
    agent = Agent(devices, run.options.mtconnect_buffer, 1)
    run.model.env.run(until=args.hours * 3600)
    server = AgentServer(agent, run.clock.timestamp, "127.0.0.1", 0)
    start = max(agent.first_sequence, agent.next_sequence - MAX_COUNT)
    figures = {"devices": len(devices), "observations": agent.next_sequence - 1}
    for name, build in (
            ("probe", lambda: server.answer("/probe", {})),
            ("current", lambda: server.answer("/current", {})),
            (f"sample {MAX_COUNT}", lambda: server.answer(
                "/sample", {"from": str(start), "count": str(MAX_COUNT)})),
            ("error", lambda: mtconnect_xml.error(agent, "OUT_OF_RANGE", "x"))):
        ms, size = median_ms(build)
        figures[name] = {"ms": round(ms, 2), "bytes": size}
    json.dump(figures, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
