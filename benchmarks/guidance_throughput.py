"""Throughput of a guidance study: shops per minute on 1, 2 and all cores, and on Dask.

    python benchmarks/guidance_throughput.py [--shops N]

A benchmark, not a test: it prints figures (docs/performance.md quotes them). Each executor
runs the same study from scratch (no cache), and the script checks they give identical
numbers.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path
from typing import Any

from testbed.experiments.executor import DaskExecutor, Executor, LocalExecutor, default_jobs
from testbed.guidance import load_guidance
from testbed.region import load_region
from testbed.registry import load_registry
from testbed.workflows.guidance_study import study

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shops", type=int, default=8)
    parser.add_argument("--region", type=Path,
                        default=ROOT / "scenarios" / "regions" / "east-midlands.yaml")
    parser.add_argument("--guidance", type=Path,
                        default=ROOT / "scenarios" / "guidance" / "sme-connectivity.yaml")
    args = parser.parse_args()
    registry = load_registry()
    region = load_region(args.region, registry).model_copy(update={"shops": args.shops})
    guidance = load_guidance(args.guidance, registry)
    cores = default_jobs()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores "
          f"({cores} usable), Python {platform.python_version()}")
    print(f"study: {region.shops} shops x {len(guidance.rules) + 2} variants x "
          f"{len(region.architectures)} architectures x {region.replications} replications "
          f"of {region.horizon / 3600:g} h")
    reference: dict[str, Any] | None = None
    one_core: float | None = None

    def measure(label: str, executor: Executor) -> None:
        nonlocal reference, one_core
        start = time.perf_counter()
        results = study(region, guidance, registry, executor).model_dump()
        elapsed = time.perf_counter() - start
        rate = region.shops / (elapsed / 60.0)
        one_core = one_core or rate
        same = reference is None or results == reference
        reference = reference or results
        print(f"{label:>32}: {elapsed:7.1f} s, {rate:6.2f} shops/min, "
              f"x{rate / one_core:.2f} of one core, identical numbers: {same}", flush=True)

    measure("1 core", LocalExecutor(1))
    measure("2 cores", LocalExecutor(2))
    if cores > 2:
        measure(f"{cores} cores", LocalExecutor(cores))
    try:
        from distributed import LocalCluster
    except ImportError:
        print("dask: not installed (pip install interop-testbed[dask])")
        return
    with LocalCluster(n_workers=cores, threads_per_worker=1, dashboard_address=None) as cluster:
        executor = DaskExecutor(cluster)
        measure(f"dask LocalCluster ({cores} workers)", executor)
        executor.close()


if __name__ == "__main__":
    main()
