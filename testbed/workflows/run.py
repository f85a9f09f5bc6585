"""Run a scenario end to end: assemble each architecture, replicate, summarise."""

from __future__ import annotations

import os
from collections.abc import Callable

from testbed.assemble import assemble
from testbed.experiments.executor import Executor
from testbed.experiments.replications import run_all
from testbed.experiments.summary import build_results
from testbed.experiments.tasks import TaskCache
from testbed.registry import Registry
from testbed.results.run import Results
from testbed.scenario import Scenario


def run_scenario(scenario: Scenario, registry: Registry, path: str | os.PathLike[str],
                 executor: Executor | None = None,
                 on_done: Callable[[int, int], None] | None = None,
                 cache: TaskCache | None = None) -> Results:
    """Every candidate architecture over every replication, as the results contract.

    :raises InputError: an architecture cannot be built for this shop.
    :raises PluginError: a plugin failed while wiring.
    """
    file = os.fspath(path)
    assemblies = [assemble(scenario, i, registry, file)
                  for i in range(len(scenario.architectures))]
    outcomes = run_all(scenario, registry, file, executor, on_done, cache)
    return build_results(scenario, assemblies, outcomes, registry.versions())
