"""`testbed compare`: everything the owner-manager's one-page report needs, in the results.

It runs the scenario, then three what-ifs on top: each architecture under broadband outages of
set lengths, the ranking by the owner's priorities, and the ranking again for each value of
each parameter the scenario asks to vary.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from testbed.assemble import assemble
from testbed.errors import InputError, Problem
from testbed.experiments.executor import Executor, Payload, Result
from testbed.experiments.outages import outage_cost
from testbed.experiments.tasks import TaskCache, run_tasks, scenario_of
from testbed.loader import validate_document
from testbed.overrides import set_parameter
from testbed.registry import Registry
from testbed.results.run import CompareSection, OutagePoint, RankEntry, Results, WhatIfResult
from testbed.scenario import Scenario, scenario_model
from testbed.workflows.ranking import CRITERIA, rank_by_priorities
from testbed.workflows.run import assemblies_of, run_scenario

Progress = Callable[[str], None]


def outage_task(payload: Payload, registry: Registry) -> Result:
    """What one broadband outage of one length costs one architecture, on any worker."""
    scenario = scenario_of(payload, registry)
    assert scenario.shop.internet is not None
    cost = outage_cost(assemble(scenario, payload["architecture"], registry, payload["path"]),
                       scenario.seed, scenario.shop.internet, payload["outage_s"])
    return OutagePoint(outage_s=cost.outage_s, lost_deliveries=cost.lost_deliveries,
                       data_lost_minutes=cost.data_lost_minutes,
                       production_lost_parts=cost.production_lost_parts).model_dump()


def _afternoon(points: dict[str, list[OutagePoint]], length: float) -> dict[str,
                                                                          OutagePoint | None]:
    return {name: next((p for p in series if p.outage_s == length), None)
            for name, series in points.items()}


def outage_points(scenario: Scenario, registry: Registry, file: str, lengths: list[float],
                  executor: Executor | None = None, cache: TaskCache | None = None,
                  on_done: Callable[[int, int], None] | None = None
                  ) -> dict[str, list[OutagePoint]]:
    """Each architecture under each broadband outage length (none without an internet link)."""
    names = [a.name for a in scenario.architectures]
    if scenario.shop.internet is None:
        return {name: [] for name in names}
    document = scenario.model_dump(mode="json", by_alias=True)
    disabled = sorted(registry.disabled)
    tasks = [(i, length) for i in range(len(names)) for length in sorted(set(lengths))]
    payloads = [{"scenario": document, "path": file, "architecture": i, "outage_s": length,
                 "disabled": disabled} for i, length in tasks]
    points = [OutagePoint.model_validate(point) for point in
              run_tasks(outage_task, payloads, registry, executor, cache, on_done)]
    return {name: [p for (i, _), p in zip(tasks, points, strict=True) if i == index]
            for index, name in enumerate(names)}


def variant(scenario: Scenario, registry: Registry, parameter: str, value: Any,
            where: str) -> Scenario:
    """The scenario with one parameter changed, validated like a file (same seed, so each
    replication meets the same breakdowns and outages as the headline's)."""
    document = scenario.model_dump(mode="json", by_alias=True)
    try:
        changed = set_parameter(document, parameter, value)
    except ValueError as exc:
        raise InputError(None, [Problem(where, str(exc))]) from exc
    return validate_document(scenario_model(registry), changed, f"what-if {where}", None)


def compare(scenario: Scenario, registry: Registry, path: str | os.PathLike[str],
            executor: Executor | None, command: str,
            on_done: Callable[[int, int], None] | None = None,
            stage: Progress | None = None, cache: TaskCache | None = None) -> Results:
    file = os.fspath(path)
    settings = scenario.compare
    # Every architecture is wired and every what-if variant checked before anything runs: a
    # machine no architecture can read, or a typo, fails in seconds, all of them at once.
    assemblies_of(scenario, registry, file)
    variants = [
        (i, value, variant(scenario, registry, w.parameter, value,
                           f"compare.what_if[{i}].values[{j}]"))
        for i, w in enumerate(settings.what_if) for j, value in enumerate(w.values)]
    say = stage or (lambda _: None)
    lengths = sorted({*settings.outage_lengths, settings.afternoon})
    say("trying broadband outages")
    outages = outage_points(scenario, registry, file, lengths, executor, cache, on_done)
    say("running the candidate architectures")
    results = run_scenario(scenario, registry, file, executor, on_done, cache,
                           _afternoon(outages, settings.afternoon))
    ranking, notes = rank_by_priorities(
        results.architectures, _afternoon(outages, settings.afternoon), settings.priorities)
    if scenario.shop.internet is None:
        notes.append("the shop has no internet link, so no broadband outage was tried")
    what_ifs = []
    for i, value, changed in variants:
        # The headline's replications, seeds and engine: only the parameter differs.
        changed = changed.model_copy(update={"replications": results.replications,
                                             "fidelity": results.fidelity})
        say(f"what if {settings.what_if[i].parameter} = {value}")
        afternoon = _afternoon(outage_points(changed, registry, file, [settings.afternoon],
                                             executor, cache, on_done), settings.afternoon)
        varied = run_scenario(changed, registry, file, executor, on_done, cache, afternoon,
                              adaptive=False)
        varied_ranking, _ = rank_by_priorities(varied.architectures, afternoon,
                                               settings.priorities)
        what_ifs.append(WhatIfResult(parameter=settings.what_if[i].parameter, value=str(value),
                                     replications=varied.replications, ranking=varied_ranking,
                                     moves_ranking_figures=_moves(ranking, varied_ranking)))
    results.compare = CompareSection(
        command=command, priorities=settings.priorities.model_dump(), criteria=CRITERIA,
        afternoon_s=settings.afternoon, outages=outages, ranking=ranking, what_if=what_ifs,
        notes=notes)
    return results


def _moves(headline: list[RankEntry], varied: list[RankEntry]) -> bool:
    """Whether any figure the ranking weighs differs from the headline's, for any candidate."""
    before = {e.architecture: e.values for e in headline}
    return any(before.get(e.architecture) != e.values for e in varied)
