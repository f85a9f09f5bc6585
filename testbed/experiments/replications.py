"""Run every candidate architecture of a scenario over its replications.

Replication ``r`` of every architecture uses the seed derived from (scenario seed, r), so the
same machines break down at the same moments under each architecture (common random numbers),
and the numbers do not depend on how many processes ran them or in what order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from testbed.assemble import assemble
from testbed.metrics.connectivity import delivery_metrics, production_lost_parts
from testbed.metrics.latency import latency_metrics
from testbed.registry import Registry, load_registry
from testbed.scenario import Scenario, load_scenario
from testbed.sim.model import FactoryModel, RunRecord
from testbed.sim.randomness import derive_seed

Figures = dict[str, float | None]


@dataclass
class Outcome:
    """The figures of one replication of one architecture."""

    architecture: int
    replication: int
    metrics: Figures
    per_consumer: dict[str, Figures]
    per_machine: dict[str, Figures]
    loss_reasons: dict[str, int]
    notes: list[str] = field(default_factory=list)


def replication_seed(seed: int, replication: int) -> int:
    return derive_seed(seed, "replication", replication)


def figures_of(record: RunRecord) -> tuple[Figures, dict[str, Figures], dict[str, Figures]]:
    consumers = record.consumers
    metrics: Figures = {**latency_metrics(consumers), **delivery_metrics(consumers),
                        "production_lost_parts": production_lost_parts(record)}
    per_consumer = {c.name: {**latency_metrics([c]), **delivery_metrics([c])}
                    for c in consumers}
    per_machine: dict[str, Figures] = {}
    for m, name in enumerate(record.machines):
        per_machine[name] = {
            **delivery_metrics(consumers, [m]),
            "parts_made": float(record.parts[m]),
            "production_lost_parts": production_lost_parts(record, [m]),
        }
    return metrics, per_consumer, per_machine


def run_replication(scenario: Scenario, registry: Registry, architecture: int,
                    replication: int, file: str | None = None) -> Outcome:
    assembly = assemble(scenario, architecture, registry, file)
    model = FactoryModel(assembly.machines, assembly.network, assembly.wiring,
                         replication_seed(scenario.seed, replication))
    record = model.run(scenario.horizon)
    metrics, per_consumer, per_machine = figures_of(record)
    notes = list(assembly.wiring.notes)
    if record.in_flight_at_end:
        notes.append(f"{record.in_flight_at_end} deliveries still in flight after the drain "
                     f"period were counted as lost")
    return Outcome(architecture, replication, metrics, per_consumer, per_machine,
                   dict(record.loss_reasons), notes)


Task = tuple[int, int]
_worker: tuple[Scenario, Registry, str] | None = None


def _init_worker(path: str) -> None:
    global _worker
    registry = load_registry()
    _worker = (load_scenario(path, registry), registry, path)


def _run_task(task: Task) -> Outcome:
    assert _worker is not None
    scenario, registry, path = _worker
    return run_replication(scenario, registry, task[0], task[1], path)


def tasks_of(scenario: Scenario) -> list[Task]:
    return [(a, r) for a in range(len(scenario.architectures))
            for r in range(scenario.replications)]


def run_all(scenario: Scenario, registry: Registry, path: str, jobs: int = 1,
            on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Run every (architecture, replication) task; outcomes come back in task order.

    With ``jobs > 1`` tasks run in worker processes that load the scenario from ``path`` and
    the plugins from their entry points (in-process plugins are not seen there).
    """
    tasks = tasks_of(scenario)
    outcomes: list[Outcome] = []
    results: Iterator[Outcome]
    if jobs <= 1 or len(tasks) <= 1:
        results = (run_replication(scenario, registry, a, r, path) for a, r in tasks)
        for outcome in results:
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
        return outcomes
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                             initargs=(os.fspath(path),)) as pool:
        for outcome in pool.map(_run_task, tasks):
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
    return outcomes


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


def ordered(outcomes: Sequence[Outcome]) -> list[Outcome]:
    return sorted(outcomes, key=lambda o: (o.architecture, o.replication))
