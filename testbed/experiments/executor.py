"""Run independent pieces of work on a scenario, in this process or in worker processes.

Results come back in task order whatever runs them, and every piece derives its random
numbers from the scenario's seed and its own identity, so the numbers never depend on how
many processes ran them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from testbed.loader import validate_document
from testbed.registry import Registry, load_registry
from testbed.scenario import Scenario, scenario_model

T = TypeVar("T")
R = TypeVar("R")
# A piece of work: a module-level function, so worker processes can be handed it.
Work = Callable[[Scenario, Registry, str, T], R]

_worker: tuple[Scenario, Registry, str] | None = None


def _init_worker(document: dict[str, Any], path: str, disabled: frozenset[str]) -> None:
    # Workers rebuild the scenario from the parent's validated document, not from the file:
    # command-line overrides (seed, replications) and blocked plugins must reach them.
    global _worker
    registry = load_registry(disabled=disabled)
    scenario = validate_document(scenario_model(registry), document, path, None)
    _worker = (scenario, registry, path)


def _call(job: tuple[Work[Any, Any], Any]) -> Any:
    assert _worker is not None
    work, task = job
    return work(*_worker, task)


def default_jobs() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def map_tasks(scenario: Scenario, registry: Registry, path: str | os.PathLike[str],
              work: Work[T, R], tasks: Sequence[T], jobs: int = 1,
              on_done: Callable[[R], None] | None = None) -> list[R]:
    """``work(scenario, registry, path, task)`` for every task, in task order.

    With ``jobs > 1`` tasks run in worker processes that load the plugins from their entry
    points (in-process plugins are not seen there) and receive the validated scenario.
    """
    file = os.fspath(path)
    results: list[R] = []
    if jobs <= 1 or len(tasks) <= 1:
        for task in tasks:
            results.append(work(scenario, registry, file, task))
            if on_done:
                on_done(results[-1])
        return results
    document = scenario.model_dump(mode="json", by_alias=True)
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), initializer=_init_worker,
                             initargs=(document, file, registry.disabled)) as pool:
        for result in pool.map(_call, [(work, task) for task in tasks]):
            results.append(result)
            if on_done:
                on_done(result)
    return results
