"""The flow-level fidelity: a simulated year's time and peak memory, agreement with the
message level on a long horizon, and a projection of the region study.

    python benchmarks/flow.py [--agreement-days 7] [--replications 4] [--shops 20]

A benchmark, not a test: it prints figures (docs/performance.md quotes them).

* year: one replication of one simulated year of the bundled SME shop per architecture at
  flow level, each in a fresh process on one core, so time and peak memory are its own;
* agreement: the same replications at both fidelities over ``--agreement-days``, each flow
  figure beside the message level's mean and 95% interval;
* region: the bundled guidance study's region at flow level over one year, ``--shops`` shops
  x its architectures x one replication measured on one core, extrapolated (and said to be) to
  1,000 shops x 5 architectures x 20 replications on two cores.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "scenarios" / "sme-legacy-shop.yaml"
REGION = ROOT / "scenarios" / "regions" / "east-midlands.yaml"
YEAR = 365 * 86_400.0
FIGURES = ("latency_mean_ms", "latency_p95_ms", "delivered_fraction", "loss_fraction",
           "late_fraction", "max_visibility_gap_s", "production_lost_parts")

_YEAR_RUN = """
import json, resource, time
from pathlib import Path
from testbed.assemble import assemble
from testbed.registry import load_registry
from testbed.scenario import load_scenario
from testbed.sim.flow import FlowModel
from testbed.experiments.replications import replication_seed
registry = load_registry()
path = Path({path!r})
scenario = load_scenario(path, registry)
assembly = assemble(scenario, {architecture}, registry, str(path))
start = time.perf_counter()
FlowModel(assembly.machines, assembly.network, assembly.wiring,
          replication_seed(scenario.seed, 0), scenario.flow_window).run({horizon})
seconds = time.perf_counter() - start
print(json.dumps({{"name": scenario.architectures[{architecture}].name, "seconds": seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def year_runs() -> list[dict[str, Any]]:
    from testbed.registry import load_registry
    from testbed.scenario import load_scenario

    architectures = len(load_scenario(SHOP, load_registry()).architectures)
    rows = []
    for a in range(architectures):
        code = _YEAR_RUN.format(path=str(SHOP), architecture=a, horizon=YEAR)
        out = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", code], check=True,
                             capture_output=True, text=True)
        rows.append(json.loads(out.stdout))
    return rows


def agreement(days: float, replications: int) -> list[tuple[str, str, float, Any, bool]]:
    from testbed.experiments.replications import run_replication
    from testbed.metrics.stats import confidence_interval
    from testbed.registry import load_registry
    from testbed.scenario import load_scenario

    registry = load_registry()
    base = load_scenario(SHOP, registry).model_copy(
        update={"horizon": days * 86_400.0, "replications": replications})
    rows = []
    for a, architecture in enumerate(base.architectures):
        runs: dict[str, dict[str, list[float]]] = {}
        for fidelity in ("message", "flow"):
            scenario = base.model_copy(update={"fidelity": fidelity})
            values: dict[str, list[float]] = {name: [] for name in FIGURES}
            for r in range(replications):
                metrics = run_replication(scenario, registry, a, r, str(SHOP)).metrics
                for name in FIGURES:
                    if metrics[name] is not None:
                        values[name].append(float(metrics[name]))  # type: ignore[arg-type]
            runs[fidelity] = values
        for name in FIGURES:
            message = confidence_interval(runs["message"][name])
            flow = sum(runs["flow"][name]) / len(runs["flow"][name])
            rows.append((architecture.name, name, flow, message,
                         message.lo is not None and message.lo <= flow <= message.hi))
    return rows


def region(shops: int) -> tuple[int, int, float]:
    """Runs and seconds of ``shops`` shops x every architecture x one replication of a year."""
    from testbed.experiments.replications import run_replication
    from testbed.region import generate, load_region
    from testbed.registry import load_registry
    from testbed.scenario import scenario_model

    registry = load_registry()
    area = load_region(REGION, registry).model_copy(
        update={"shops": shops, "horizon": YEAR, "replications": 1, "fidelity": "flow"})
    model = scenario_model(registry)
    runs = 0
    start = time.perf_counter()
    documents = generate(area, registry)
    for document in documents:
        scenario = model.model_validate({k: v for k, v in document.items() if k != "size"})
        for a in range(len(scenario.architectures)):
            run_replication(scenario, registry, a, 0, scenario.name)
            runs += 1
    return len(documents), runs, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agreement-days", type=float, default=7.0)
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--shops", type=int, default=20)
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d')}")

    print("\none simulated year of the SME shop, one replication, flow level, one core")
    for row in year_runs():
        print(f"  {row['name']:<28} {row['seconds']:6.2f} s  {row['peak_mb']:5.0f} MB peak")

    print(f"\nagreement over {args.agreement_days:g} days, {args.replications} replications")
    for name, figure, flow, message, inside in agreement(args.agreement_days,
                                                         args.replications):
        interval = f"[{message.lo:.4g}, {message.hi:.4g}]" if message.lo is not None else "-"
        print(f"  {name:<28} {figure:<22} flow {flow:<12.5g} message {message.mean:<12.5g} "
              f"{interval:<26} {'within' if inside else 'OUTSIDE'}")

    shops, runs, seconds = region(args.shops)
    per_run = seconds / runs
    target = 1000 * 5 * 20
    print(f"\nregion study at flow level: {shops} shops x architectures x 1 replication x 1 "
          f"year = {runs} runs in {seconds:.1f} s on one core ({per_run:.3f} s a run)")
    print(f"  extrapolated, not measured: 1,000 shops x 5 x 20 = {target:,} runs on 2 cores "
          f"~ {target * per_run / 2 / 3600:.2f} h")


if __name__ == "__main__":
    main()
