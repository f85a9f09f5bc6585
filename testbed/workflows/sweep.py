"""`testbed sweep`: a grid over scenario parameters, every point run like `testbed run`.

Each grid point is the scenario with its parameters set (validated like a file); every
architecture and replication of every point is one task, run on the chosen executor and cached,
so a sweep can be interrupted and resumed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import yaml

from testbed import __version__
from testbed.errors import InputError, Problem
from testbed.experiments.executor import Executor, Payload, Result
from testbed.experiments.replications import run_replication
from testbed.experiments.summary import summarise
from testbed.experiments.tasks import TaskCache, run_tasks, scenario_of
from testbed.loader import validate_document
from testbed.metrics.definitions import METRICS
from testbed.overrides import set_parameter
from testbed.registry import Registry
from testbed.results.sweep import SweepResults, SweepRow
from testbed.scenario import Scenario, scenario_model


def parse_param(text: str) -> tuple[str, list[Any]]:
    """``PATH=V1,V2,...`` into the path and its values (each read as YAML: 3, 0.5, 12h)."""
    path, sep, values = text.partition("=")
    if not sep or not path.strip() or not values.strip():
        raise InputError(None, [Problem("--param", f"{text!r} is not PATH=V1,V2,...: e.g. "
                                        "shop.links[broadband].outages.mttr=1h,4h,12h")])
    parsed = []
    for value in values.split(","):
        try:
            parsed.append(yaml.safe_load(value.strip()))
        except yaml.YAMLError:
            parsed.append(value.strip())
    return path.strip(), parsed


def grid(scenario: Scenario, registry: Registry, parameters: dict[str, list[Any]]
         ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every combination of values, with the scenario document it gives (validated)."""
    base = scenario.model_dump(mode="json", by_alias=True)
    model = scenario_model(registry)
    points = []
    for values in itertools.product(*parameters.values()):
        setting = dict(zip(parameters, values, strict=True))
        document = base
        for path, value in setting.items():
            try:
                document = set_parameter(document, path, value)
            except ValueError as exc:
                raise InputError(None, [Problem(f"--param {path}", str(exc))]) from exc
        validate_document(model, document, f"sweep point {setting}", None)
        points.append((setting, document))
    return points


def sweep_task(payload: Payload, registry: Registry) -> Result:
    scenario = scenario_of(payload, registry)
    outcome = run_replication(scenario, registry, payload["architecture"],
                              payload["replication"], scenario.name)
    return {"metrics": outcome.metrics}


def sweep(scenario: Scenario, registry: Registry, parameters: dict[str, list[Any]],
          executor: Executor | None = None, cache: TaskCache | None = None, command: str = "",
          on_done: Callable[[int, int], None] | None = None) -> SweepResults:
    points = grid(scenario, registry, parameters)
    disabled = sorted(registry.disabled)
    # A point may change the replications themselves; each point runs its own number.
    keys = [(p, a, r) for p, (_, document) in enumerate(points)
            for a in range(len(scenario.architectures))
            for r in range(int(document["replications"]))]
    payloads = [{"scenario": points[p][1], "architecture": a, "replication": r,
                 "disabled": disabled} for p, a, r in keys]
    results = run_tasks(sweep_task, payloads, registry, executor, cache, on_done)
    rows = []
    for p, (setting, _) in enumerate(points):
        for a, entry in enumerate(scenario.architectures):
            runs = [res["metrics"] for (pp, aa, _), res in zip(keys, results, strict=True)
                    if pp == p and aa == a]
            names = [m for m in METRICS if any(m in run for run in runs)]
            rows.append(SweepRow(parameters=setting, architecture=entry.name, metrics={
                m: summarise([run.get(m) for run in runs], METRICS[m].unit, m)
                for m in names}))
    return SweepResults(tool_version=__version__, scenario=scenario.name, seed=scenario.seed,
                        replications=scenario.replications, command=command,
                        parameters=parameters, rows=rows)
