"""Run a scenario end to end: assemble each architecture, replicate until the owner's ranking
settles (or the cap), summarise."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Mapping, Sequence

from testbed.assemble import Assembly
from testbed.experiments.executor import Executor
from testbed.experiments.planning import resolved
from testbed.experiments.replications import Outcome, run_all
from testbed.experiments.summary import build_results, figures_only
from testbed.experiments.tasks import TaskCache
from testbed.registry import Registry
from testbed.results.run import OutagePoint, RankEntry, Results, Stopping
from testbed.scenario import Scenario
from testbed.unreadable import assemble_all
from testbed.workflows.ranking import rank_by_priorities
from testbed.workflows.stopping import Separation, next_count, separation

Afternoon = Mapping[str, OutagePoint | None]


def assemblies_of(scenario: Scenario, registry: Registry, file: str) -> list[Assembly]:
    """Every candidate architecture wired into the shop.

    :raises InputError: naming every architecture that cannot be built and every machine entry
        it cannot read, with what would read it (:mod:`testbed.unreadable`).
    :raises PluginError: a plugin failed while wiring.
    """
    return assemble_all(scenario, registry, file)


def run_scenario(scenario: Scenario, registry: Registry, path: str | os.PathLike[str],
                 executor: Executor | None = None,
                 on_done: Callable[[int, int], None] | None = None,
                 cache: TaskCache | None = None,
                 afternoon: Afternoon | None = None,
                 adaptive: bool = True) -> Results:
    """Every candidate architecture over its replications, as the results contract.

    The replications start at the scenario's ``replications`` and double, up to its cap, until
    the runs separate every neighbouring pair of the owner's ranking (:mod:`stopping`);
    ``afternoon`` is what the afternoon outage cost each candidate, for compare's resilience
    criterion (without it the ranking weighs the other criteria). ``adaptive=False`` runs
    exactly ``replications``. Fidelity ``auto`` is resolved here, once for every run.

    :raises InputError: an architecture cannot be built for this shop.
    :raises PluginError: a plugin failed while wiring.
    """
    file = os.fspath(path)
    assemblies = assemblies_of(scenario, registry, file)
    scenario = resolved(scenario, registry, file, assemblies)
    cap = scenario.replication_cap if adaptive else scenario.replications
    architectures = len(assemblies)
    outcomes: list[Outcome] = []
    count = scenario.replications
    while True:
        before = len(outcomes)

        def progress(done: int, _total: int, before: int = before, count: int = count) -> None:
            if on_done is not None:
                on_done(before + done, count * architectures)

        outcomes += run_all(scenario, registry, file, executor, progress, cache,
                            range(before // architectures, count))
        verdict, criteria = judge(scenario, assemblies, outcomes, afternoon or {})
        if verdict.settled or not criteria or count >= cap:
            break
        count = next_count(count, cap)
    outcomes.sort(key=lambda o: (o.architecture, o.replication))
    results = build_results(scenario, assemblies, outcomes, registry.versions())
    results.stopping = Stopping(started=scenario.replications, cap=cap,
                                settled=verdict.settled,
                                criteria=criteria,
                                order=verdict.order, unseparated=verdict.unseparated,
                                tied=[p for p in verdict.unseparated
                                      if p not in verdict.undecided])
    return results


def judge(scenario: Scenario, assemblies: Sequence[Assembly], outcomes: Sequence[Outcome],
          afternoon: Afternoon) -> tuple[Separation, list[str]]:
    """Whether the runs so far separate every neighbouring pair of the owner's ranking, and
    the weighted criteria that ranking had figures for."""
    names = [a.name for a in assemblies]
    kinds = [a.kind for a in assemblies]
    priorities = scenario.compare.priorities
    target = scenario.economics.payback_target_months

    def ranked(chosen: Sequence[Outcome]) -> list[RankEntry]:
        views = {names[i]: figures_only([o for o in chosen if o.architecture == i], kinds[i],
                                        target)
                 for i in range(len(names))}
        return rank_by_priorities(views, afternoon, priorities)[0]

    headline = ranked(outcomes)
    weights = priorities.model_dump()
    criteria = [c for c in weights if weights[c] > 0 and c in headline[0].normalised]
    order = [e.architecture for e in headline]
    if not criteria:
        # Every score is 0 and the order is by name: no pair is separated or tied, and no
        # number of runs would change that (the caller adds none).
        pairs = list(itertools.pairwise(order))
        return Separation(order, pairs, pairs), criteria
    replications = sorted({o.replication for o in outcomes})
    scores = {r: {e.architecture: e.score
                  for e in ranked([o for o in outcomes if o.replication == r])}
              for r in replications}
    return separation(order, scores), criteria
