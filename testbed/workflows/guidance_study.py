"""`testbed guidance`: what a drafter's guidance changes across a region's SMEs.

Every shop of the region is run as it is (the baseline), with each rule alone, and with all
rules, on the same seeds (paired). In each variant the shop takes the architecture on offer
that ranks best on cost, payback, data loss and lock-in with equal weights (as `testbed
compare` ranks), and the study reports, metric by metric, the change against the baseline
with a 95 % interval across shops, by size of shop, and the shops the guidance made worse.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from testbed import __version__
from testbed.assemble import Assembly, assemble
from testbed.experiments.executor import Executor, Payload, Result
from testbed.experiments.replications import run_replication
from testbed.experiments.tasks import TaskCache, run_tasks, scenario_of, task_key
from testbed.guidance import Guidance, VendorShareRule, apply
from testbed.metrics.definitions import METRICS
from testbed.metrics.lockin import vendor_shares
from testbed.metrics.money import median_payback
from testbed.metrics.stats import paired_difference_interval
from testbed.region import Region, generate
from testbed.registry import Registry
from testbed.results.guidance import Change, StudyResults, VariantResult, Worse
from testbed.scenario import Scenario
from testbed.seeds import stream
from testbed.sim.calendar import WorkingTime
from testbed.sim.flow.window import Window, measure_windows
from testbed.workflows.ranking import (
    COST_MEASURES,
    CRITERIA,
    PAYBACK_MEASURES,
    Criterion,
    rank,
)

BASELINE = "baseline"
ALL_RULES = "all rules"


# A worker's up-state windows of the last (shop variant, architecture) pairs it ran: tasks
# come replication innermost, so a pair's replications find theirs here.
_WINDOWS: OrderedDict[str, list[Window]] = OrderedDict()
_WINDOWS_KEPT = 16


def shared_windows(payload: Payload, scenario: Scenario, assembly: Assembly
                   ) -> list[Window] | None:
    """At flow fidelity, one up-state window per shop variant and architecture, on the
    shop's seed, for all its replications; their faults stay their own. The window's
    sampling error is then common to a shop's replications (docs/architecture.md)."""
    if scenario.fidelity != "flow":
        return None
    key = task_key({**payload, "replication": None})
    windows = _WINDOWS.pop(key, None)
    if windows is None:
        windows = measure_windows(
            assembly.machines, assembly.network, assembly.wiring, scenario.seed,
            min(scenario.flow_window, scenario.horizon),
            WorkingTime(scenario.shop.calendar).share_of(scenario.horizon))
    _WINDOWS[key] = windows
    if len(_WINDOWS) > _WINDOWS_KEPT:
        _WINDOWS.popitem(last=False)
    return windows


def shop_task(payload: Payload, registry: Registry) -> Result:
    """One replication of one architecture of one shop variant (runs on any worker)."""
    scenario = scenario_of(payload, registry)
    index, replication = payload["architecture"], payload["replication"]
    assembly = assemble(scenario, index, registry, scenario.name)
    outcome = run_replication(scenario, registry, index, replication, scenario.name, assembly,
                              shared_windows(payload, scenario, assembly))
    shares = vendor_shares(assembly.wiring)
    total = sum(shares.values())
    return {"metrics": outcome.metrics,
            "max_vendor_share": max(shares.values()) / total if total else 0.0}


def adopted(region: Region, guidance: Guidance, shop: int) -> list[bool]:
    return [stream(region.seed, "adoption", shop, rule.name).random() < rule.adoption
            for rule in guidance.rules]


def variants_of(guidance: Guidance) -> list[str]:
    return [BASELINE, *(rule.name for rule in guidance.rules), ALL_RULES]


def _rules_for(variant: str, guidance: Guidance, follows: list[bool]) -> list[Any]:
    if variant == BASELINE:
        return []
    chosen = guidance.rules if variant == ALL_RULES else [
        r for r in guidance.rules if r.name == variant]
    return [r for r in chosen if follows[guidance.rules.index(r)]]


def _run_mean(metric: str) -> Callable[[list[dict[str, Any]]], float | None]:
    """The metric's mean over a shop's replications; None when a replication lacks it (the
    ranking then counts it as the worst: a payback that never comes, a loss not measured)."""
    def value(runs: list[dict[str, Any]]) -> float | None:
        values: list[float | None] = [r["metrics"].get(metric) for r in runs]
        present = [v for v in values if v is not None]
        if len(present) < len(values):
            return None
        return sum(present) / len(present)
    return value


def _run_payback(runs: list[dict[str, Any]]) -> float | None:
    """The median payback over a shop's replications, as compare ranks it (a run that never
    pays back counts as endless); None when money was not estimated (the worst)."""
    if not runs or any("payback_months" not in r["metrics"] for r in runs):
        return None
    return median_payback([r["metrics"]["payback_months"] for r in runs])


# The compare report's criteria (docs/compare.md), with the replications' loss fraction
# standing in for the afternoon outage; each figure is its mean over the replications.
CHOICE_CRITERIA: tuple[Criterion[list[dict[str, Any]]], ...] = (
    Criterion.of("cost", COST_MEASURES, _run_mean("tco_gbp")),
    Criterion.of("payback", PAYBACK_MEASURES, _run_payback),
    Criterion.of("resilience", "share of the shop's data lost (loss_fraction)",
                 _run_mean("loss_fraction")),
    Criterion.of("independence", CRITERIA["independence"], _run_mean("lock_in_score")),
)


def _choose(per_arch: dict[int, list[dict[str, Any]]], max_share: float | None) -> int | None:
    """The architecture this shop would take: allowed by the vendor-share rule, then the first
    of the equal-weight ranking of the compare report's criteria (ties to the first offered)."""
    allowed = {a: runs for a, runs in per_arch.items()
               if max_share is None or all(r["max_vendor_share"] <= max_share for r in runs)}
    if not allowed:
        return None
    return rank(allowed, CHOICE_CRITERIA, missing="worst").entries[0].key


def _change(pairs: Sequence[tuple[float, float]], metric: str) -> Change:
    unit = METRICS[metric].unit
    if len(pairs) < 1:
        return Change(mean_change=None, ci95=None, n=0, unit=unit,
                      better=METRICS[metric].better)
    guided = [g for g, _ in pairs]
    base = [b for _, b in pairs]
    if len(pairs) == 1:
        return Change(mean_change=guided[0] - base[0], ci95=None, n=1, unit=unit,
                      better=METRICS[metric].better)
    interval = paired_difference_interval(guided, base)
    ci = (interval.lo, interval.hi) if interval.lo is not None and interval.hi is not None \
        else None
    return Change(mean_change=interval.mean, ci95=ci, n=interval.n, unit=unit,
                  better=METRICS[metric].better)


def study(region: Region, guidance: Guidance, registry: Registry, executor: Executor,
          cache: TaskCache | None = None, command: str = "",
          on_done: Callable[[int, int], None] | None = None) -> StudyResults:
    shops = generate(region, registry)
    variants = variants_of(guidance)
    disabled = sorted(registry.disabled)
    documents: dict[tuple[int, str], dict[str, Any]] = {}
    limits: dict[tuple[int, str], float | None] = {}
    for i, shop in enumerate(shops):
        follows = adopted(region, guidance, i)
        for variant in variants:
            document = {k: v for k, v in shop.items() if k != "size"}
            rules = _rules_for(variant, guidance, follows)
            for rule in rules:
                document = apply(rule, document, registry)
            document.pop("offer_filters", None)
            documents[(i, variant)] = document
            shares = [r.max_share for r in rules if isinstance(r, VendorShareRule)]
            limits[(i, variant)] = min(shares) if shares else None
    keys = [(i, v, a, r) for (i, v), doc in documents.items()
            for a in range(len(doc["architectures"])) for r in range(region.replications)]
    payloads = [{"scenario": documents[(i, v)], "architecture": a, "replication": r,
                 "disabled": disabled} for i, v, a, r in keys]
    results = run_tasks(shop_task, payloads, registry, executor, cache, on_done)

    runs: dict[tuple[int, str], dict[int, list[dict[str, Any]]]] = {}
    for (i, v, a, _), result in zip(keys, results, strict=True):
        runs.setdefault((i, v), {}).setdefault(a, []).append(result)
    choice = {key: _choose(per_arch, limits[key]) for key, per_arch in runs.items()}
    names = {key: [a["name"] for a in documents[key]["architectures"]] for key in documents}

    def figures(key: tuple[int, str]) -> list[dict[str, Any]] | None:
        chosen = choice[key]
        return None if chosen is None else [r["metrics"] for r in runs[key][chosen]]

    metrics = [m for m in METRICS if any(m in r["metrics"] for r in results)]
    report: dict[str, VariantResult] = {}
    for variant in variants[1:]:
        per_shop: dict[str, list[tuple[int, float, float]]] = {m: [] for m in metrics}
        worse: list[Worse] = []
        for i in range(len(shops)):
            guided, base = figures((i, variant)), figures((i, BASELINE))
            if guided is None or base is None:
                continue
            for metric in metrics:
                g = [r.get(metric) for r in guided]
                b = [r.get(metric) for r in base]
                if any(x is None or not math.isfinite(x) for x in g + b):
                    continue
                gm, bm = sum(g) / len(g), sum(b) / len(b)  # type: ignore[arg-type]
                per_shop[metric].append((i, gm, bm))
                direction = 1 if METRICS[metric].better == "lower" else -1
                if len(g) > 1 and (gm - bm) * direction > 0:
                    diff = paired_difference_interval(g, b)  # type: ignore[arg-type]
                    low = diff.lo if diff.lo is not None else 0.0
                    high = diff.hi if diff.hi is not None else 0.0
                    if (direction > 0 and low > 0) or (direction < 0 and high < 0):
                        worse.append(Worse(shop=shops[i]["name"], size=shops[i]["size"],
                                           metric=metric, change=gm - bm))
        by_size: dict[str, dict[str, Change]] = {}
        for size in sorted({s["size"] for s in shops}):
            by_size[size] = {m: _change([(g, b) for i, g, b in per_shop[m]
                                         if shops[i]["size"] == size], m) for m in metrics}
        adoption = [adopted(region, guidance, i) for i in range(len(shops))]
        rule_index = [r.name for r in guidance.rules]
        adopters = sum(1 for f in adoption if (any(f) if variant == ALL_RULES
                                               else f[rule_index.index(variant)]))
        report[variant] = VariantResult(
            changes={m: _change([(g, b) for _, g, b in per_shop[m]], m) for m in metrics},
            by_size=by_size, worse=worse, adopted_by=adopters,
            choices={shops[i]["name"]: (names[(i, variant)][choice[(i, variant)]]  # type: ignore[index]
                                        if choice[(i, variant)] is not None else None)
                     for i in range(len(shops))})
    baseline_choices = {shops[i]["name"]: (names[(i, BASELINE)][choice[(i, BASELINE)]]  # type: ignore[index]
                                           if choice[(i, BASELINE)] is not None else None)
                        for i in range(len(shops))}
    sizes = {s["name"]: s["size"] for s in shops}
    baseline_level: dict[str, float] = {}
    for metric in metrics:
        means = []
        for i in range(len(shops)):
            base = figures((i, BASELINE))
            values = [r.get(metric) for r in base] if base else []
            if values and all(v is not None and math.isfinite(v) for v in values):
                means.append(sum(values) / len(values))  # type: ignore[arg-type]
        if means:
            baseline_level[metric] = sum(means) / len(means)
    return StudyResults(
        tool_version=__version__, region=region.name, guidance=guidance.name,
        seed=region.seed, shops=len(shops), replications=region.replications,
        horizon_s=region.horizon, plugins=registry.versions(), command=command,
        rules=[r.model_dump() for r in guidance.rules], sizes=sizes,
        baseline_choices=baseline_choices, baseline_means=baseline_level, variants=report)
