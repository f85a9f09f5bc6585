"""The message-level engine against bare SimPy moving the same traffic, and how time and
peak memory grow with machines and with the horizon.

    python benchmarks/engine.py [--quick]

A benchmark, not a test: it prints figures (docs/performance.md quotes them). Each
configuration runs in a fresh process so its peak memory is its own.

The traffic: N OPC UA machines each publish a sample every second; one aggregation server
(constant 1 ms service) passes them over the shop LAN (constant 1 ms) to an MES. The bare
model does the same with a SimPy process per machine, a Store, a server process and a
timeout for the link: the least a SimPy model of this traffic can do.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Any

import simpy


def bare(machines: int, horizon: float) -> dict[str, float]:
    env = simpy.Environment()
    store: simpy.Store = simpy.Store(env)
    delivered = [0]
    latency = [0.0]

    def machine(phase: float) -> Any:
        yield env.timeout(phase)
        while True:
            yield env.timeout(1.0)
            store.put(env.now)

    def arrive(created: float) -> None:
        delivered[0] += 1
        latency[0] += env.now - created

    def server() -> Any:
        while True:
            created = yield store.get()
            yield env.timeout(0.001)
            env.timeout(0.001).callbacks.append(lambda _e, c=created: arrive(c))

    for i in range(machines):
        env.process(machine(i / machines))
    env.process(server())
    start = time.perf_counter()
    env.run(until=horizon)
    return {"seconds": time.perf_counter() - start, "messages": delivered[0],
            "events": next(env._eid)}  # type: ignore[attr-defined]


def engine(machines: int, horizon: float) -> dict[str, float]:
    from testbed.assemble import assemble
    from testbed.loader import validate_document
    from testbed.registry import load_registry
    from testbed.scenario import scenario_model
    from testbed.sim.model import FactoryModel

    registry = load_registry()
    document = {
        "name": "engine benchmark", "seed": 1, "horizon": horizon, "replications": 1,
        "shop": {"backbone": "lan", "links": [
            {"name": "lan", "kind": "lan", "latency": "1ms", "bandwidth": "1Gbps"}],
            "machines": [{"name": "m", "kind": "opcua-machine", "count": machines,
                          "link": "lan", "breakdowns": None, "state_changes": 0,
                          "cycle_time": "100y"}]},
        "software": [{"name": "mes", "kind": "onprem-mes", "availability": None,
                      "production_critical": False, "subscribes": ["sample"]}],
        "architectures": [{"name": "a", "kind": "opcua-aggregation", "consumers": ["mes"],
                           "translators": [{"kind": "opcua-aggregation-server",
                                            "service_time": "1ms", "crashes": None}]}],
    }
    scenario = validate_document(scenario_model(registry), document, "benchmark", None)
    assembly = assemble(scenario, 0, registry)
    model = FactoryModel(assembly.machines, assembly.network, assembly.wiring, 1)
    start = time.perf_counter()
    record = model.run(horizon)
    elapsed = time.perf_counter() - start
    return {"seconds": elapsed, "messages": sum(map(sum, (c.delivered for c in
                                                          record.consumers))),
            "events": next(model.env._eid)}  # type: ignore[attr-defined]


def measure(kind: str, machines: int, horizon: float) -> dict[str, float]:
    """Run one configuration in a fresh process; add its peak memory (MB)."""
    code = (f"import json, resource, sys; sys.path.insert(0, {str(__file__.rsplit('/', 1)[0])!r});"
            f"import engine as b; r = b.{kind}({machines}, {horizon});"
            "r['peak_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024;"
            "print(json.dumps(r))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller configurations")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, SimPy {simpy.__version__}; "
          f"peak memory of this process so far "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print("\nper-message cost against bare SimPy (100 machines, 1 h):")
    b = measure("bare", 100, 3600.0)
    e = measure("engine", 100, 3600.0)
    for name, r in (("bare SimPy", b), ("testbed engine", e)):
        print(f"  {name:>15}: {r['messages'] / r['seconds']:9,.0f} messages/s, "
              f"{r['events'] / r['seconds']:9,.0f} events/s, {r['peak_mb']:.0f} MB")
    ratio = (e["seconds"] / e["messages"]) / (b["seconds"] / b["messages"])
    print(f"  ratio of time per message, engine / bare: {ratio:.2f}")
    horizon = 600.0 if args.quick else 3600.0
    print(f"\ngrowth with machines ({horizon / 60:g} min):")
    for machines in (10, 100, 1000):
        r = measure("engine", machines, horizon)
        print(f"  {machines:>5} machines: {r['seconds']:7.2f} s, "
              f"{r['messages'] / r['seconds']:9,.0f} messages/s, peak {r['peak_mb']:.0f} MB")
    print("\ngrowth with the horizon (100 machines):")
    for hours in ((0.25, 1, 4) if args.quick else (1, 4, 16)):
        r = measure("engine", 100, hours * 3600.0)
        print(f"  {hours:>5g} h: {r['seconds']:7.2f} s, {r['messages']:>10,.0f} messages, "
              f"peak {r['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
