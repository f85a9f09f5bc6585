"""Statistics over replications: each figure's mean and interval, the pooled latency
distribution, and which architectures the runs cannot tell apart, as the results contract."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence

from testbed import __version__
from testbed.assemble import Assembly
from testbed.experiments.planning import evidence_notes, expected_events
from testbed.experiments.replications import Outcome
from testbed.metrics.definitions import METRICS
from testbed.metrics.money import median_payback
from testbed.metrics.stats import confidence_interval, paired_difference_interval, widened
from testbed.results.run import (
    EVENT_KINDS,
    ArchitectureResult,
    Baseline,
    ComponentInfo,
    EventTally,
    MetricSummary,
    PaybackSummary,
    Results,
)
from testbed.scenario import Scenario
from testbed.sim.sketch import QuantileSketch
from testbed.units import format_duration

_EXTRA_UNITS = {"parts_made": "parts"}


def _range(name: str) -> tuple[float, float]:
    metric = METRICS.get(name)
    if metric is None:
        return (0.0, math.inf)  # counts and figures per machine are never negative
    low = -math.inf if metric.minimum is None else metric.minimum
    high = math.inf if metric.maximum is None else metric.maximum
    return low, high


def summarise(values: Sequence[float | None], unit: str, name: str = "") -> MetricSummary:
    present = [v for v in values if v is not None and math.isfinite(v)]
    if not present:
        return MetricSummary(mean=None, ci95=None, n=0, unit=unit)
    resolution = METRICS[name].resolution if name in METRICS else 0.0
    interval = widened(confidence_interval(present), resolution)
    ci = None
    if interval.lo is not None and interval.hi is not None:
        low, high = _range(name)
        # A fraction's interval cannot leave [0, 1], nor a latency go below zero.
        ci = (max(low, interval.lo), min(high, interval.hi))
    return MetricSummary(mean=interval.mean, ci95=ci, n=interval.n, unit=unit)


def _unit(name: str) -> str:
    return METRICS[name].unit if name in METRICS else _EXTRA_UNITS.get(name, "")


def _summaries(rows: Sequence[dict[str, float | None]]) -> dict[str, MetricSummary]:
    names = list(dict.fromkeys(name for row in rows for name in row))
    return {name: summarise([row.get(name) for row in rows], _unit(name), name)
            for name in names}


def payback_summary(outcomes: Sequence[Outcome], target_months: float) -> PaybackSummary | None:
    """The headline payback of one architecture; None when money was not estimated."""
    costed = [o.metrics for o in outcomes if "payback_months" in o.metrics]
    if not costed:
        return None
    paybacks = [m["payback_months"] for m in costed]
    median = median_payback(paybacks)
    within = sum(1 for p in paybacks if p is not None and p <= target_months)
    return PaybackSummary(
        median_months=median if math.isfinite(median) else None,
        within_target_share=within / len(paybacks),
        never_share=sum(1 for p in paybacks if p is None) / len(paybacks),
        target_months=target_months, n=len(paybacks))


# What the shop buys today: nothing, so no cost and no net present value against itself.
_NOTHING_BOUGHT = ("capex_gbp", "opex_gbp_per_month", "tco_gbp", "npv_gbp")
_STATUS_QUO = ("status_quo_rekeying_gbp_per_month", "status_quo_breakdowns_gbp_per_month",
               "status_quo_cost_gbp_per_month")


def baseline(scenario: Scenario, outcomes: Sequence[Outcome]) -> Baseline | None:
    """The "today" row: nothing bought, and today's monthly costs. Each run measures them for
    the software its candidate feeds; replication by replication the row takes the candidate
    that would automate the most (the widest set of software fed), so every candidate's
    savings are part of what today costs."""
    widest: dict[int, dict[str, float | None]] = {}
    for o in outcomes:
        if not all(k in o.metrics for k in _STATUS_QUO):
            continue
        row = {k: o.metrics[k] for k in _STATUS_QUO}
        kept = widest.get(o.replication)
        if kept is None or (row["status_quo_cost_gbp_per_month"] or 0.0) > \
                (kept["status_quo_cost_gbp_per_month"] or 0.0):
            widest[o.replication] = row
    if not widest:
        return None
    rows = [widest[r] for r in sorted(widest)]
    metrics = {name: MetricSummary(mean=0.0, ci95=(0.0, 0.0), n=len(rows), unit=_unit(name))
               for name in _NOTHING_BOUGHT}
    metrics.update(_summaries(rows))
    economics = scenario.economics
    return Baseline(metrics=metrics, appraisal_years=economics.appraisal_years,
                    discount_rate=economics.discount_rate,
                    grant_share_of_capex=economics.grant_share_of_capex)


def _components(assembly: Assembly) -> list[ComponentInfo]:
    infos = []
    for placed in assembly.wiring.components.values():
        params = placed.params
        infos.append(ComponentInfo(
            id=placed.id, kind=placed.kind, category=placed.category, vendor=params.vendor,
            location=params.location, rami_layer=placed.rami_layer, iira_tier=placed.iira_tier,
            open_output=getattr(params, "open_output", None)))
    return sorted(infos, key=lambda c: c.id)


def _edges(assembly: Assembly) -> list[tuple[str, str]]:
    edges: set[tuple[str, str]] = set()
    for path in assembly.wiring.paths:
        hops = ("machines", *path.hops)
        edges.update(itertools.pairwise(hops))
    return sorted(edges)


def build_results(scenario: Scenario, assemblies: Sequence[Assembly],
                  outcomes: Sequence[Outcome], plugins: dict[str, str]) -> Results:
    architectures: dict[str, ArchitectureResult] = {}
    for index, assembly in enumerate(assemblies):
        mine = [o for o in outcomes if o.architecture == index]
        consumers = list(dict.fromkeys(c for o in mine for c in o.per_consumer))
        machines = list(dict.fromkeys(m for o in mine for m in o.per_machine))
        reasons: Counter[str] = Counter()
        for o in mine:
            reasons.update(o.loss_reasons)
        notes = list(dict.fromkeys(n for o in mine for n in o.notes))
        architectures[assembly.name] = ArchitectureResult(
            kind=assembly.kind,
            metrics=_summaries([o.metrics for o in mine]),
            per_consumer={c: _summaries([o.per_consumer[c] for o in mine]) for c in consumers},
            per_machine={m: _summaries([o.per_machine[m] for o in mine]) for m in machines},
            latency_quantiles_ms=_pooled_quantiles(mine),
            effort_by_task={
                task: summarise([o.effort_by_task.get(task, 0.0) for o in mine], "h")
                for task in sorted({t for o in mine for t in o.effort_by_task})},
            loss_reasons=dict(sorted(reasons.items())),
            components=_components(assembly),
            edges=_edges(assembly),
            notes=notes,
            events=_events(scenario, assembly, mine),
            payback=payback_summary(mine, scenario.economics.payback_target_months),
        )
    replications = len({o.replication for o in outcomes}) or scenario.replications
    notes = evidence_notes({name: a.events for name, a in architectures.items()},
                           format_duration(scenario.horizon))
    return Results(tool_version=__version__, scenario=scenario.name, seed=scenario.seed,
                   replications=replications, horizon_s=scenario.horizon,
                   fidelity=None if scenario.fidelity == "auto" else scenario.fidelity,
                   plugins=plugins, architectures=architectures,
                   baseline=baseline(scenario, outcomes),
                   indistinguishable=indistinguishable(
                       [a.name for a in assemblies], outcomes), notes=notes)


def _events(scenario: Scenario, assembly: Assembly,
            outcomes: Sequence[Outcome]) -> dict[str, EventTally]:
    expected = expected_events(scenario, assembly)
    return {kind: EventTally(expected_per_replication=expected[kind],
                             met=sum(o.events.get(kind, 0) for o in outcomes),
                             replications=len(outcomes))
            for kind in EVENT_KINDS}


def figures_only(outcomes: Sequence[Outcome], kind: str,
                 payback_target_months: float) -> ArchitectureResult:
    """An architecture's summarised figures and payback and nothing else (no latency
    distribution, components or events): what a ranking reads, cheaply enough to rank each
    replication."""
    return ArchitectureResult(kind=kind, metrics=_summaries([o.metrics for o in outcomes]),
                              per_consumer={}, per_machine={}, loss_reasons={},
                              components=[], notes=[],
                              payback=payback_summary(outcomes, payback_target_months))


DISTRIBUTION_QUANTILES = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999)


def _pooled_quantiles(outcomes: Sequence[Outcome]) -> dict[str, float]:
    pooled = QuantileSketch()
    for outcome in outcomes:
        pooled.merge(outcome.latency)
    if pooled.count == 0:
        return {}
    return {f"{q:g}": pooled.quantile(q) * 1000.0 for q in DISTRIBUTION_QUANTILES}


def indistinguishable(names: Sequence[str],
                      outcomes: Sequence[Outcome]) -> dict[str, list[tuple[str, str]]]:
    """Pairs the replications cannot separate, metric by metric.

    Replication r of every architecture shares its random numbers, so the paired difference
    is the sharp test; with fewer than two paired values a pair is not judged.
    """
    values: dict[tuple[int, int], dict[str, float | None]] = {
        (o.architecture, o.replication): o.metrics for o in outcomes}
    replications = sorted({o.replication for o in outcomes})
    metrics = [m for m in METRICS if any(m in o.metrics for o in outcomes)]
    found: dict[str, list[tuple[str, str]]] = {}
    for metric in metrics:
        for i, j in itertools.combinations(range(len(names)), 2):
            pairs = [(values[(i, r)].get(metric), values[(j, r)].get(metric))
                     for r in replications if (i, r) in values and (j, r) in values]
            usable = [(a, b) for a, b in pairs if a is not None and b is not None
                      and math.isfinite(a) and math.isfinite(b)]
            if len(usable) < 2:
                continue
            diff = paired_difference_interval([a for a, _ in usable], [b for _, b in usable])
            if diff.contains(0.0):
                found.setdefault(metric, []).append((names[i], names[j]))
    return found
