"""The results contract: ``results.json``, its pydantic model and its published JSON Schema.

Bump ``SCHEMA_VERSION`` whenever a field or metric is renamed or removed; adding is allowed.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from testbed import __version__
from testbed.assemble import Assembly
from testbed.experiments.replications import Outcome
from testbed.metrics.definitions import METRICS
from testbed.metrics.stats import confidence_interval, paired_difference_interval, widened
from testbed.scenario import Scenario
from testbed.sim.sketch import QuantileSketch

SCHEMA_VERSION: Literal["1"] = "1"
_EXTRA_UNITS = {"parts_made": "parts"}


class _Model(BaseModel):
    # Readers must accept fields added later (allowed without a version bump), so the
    # published schema does not forbid unknown properties.
    model_config = ConfigDict(extra="ignore")


class MetricSummary(_Model):
    """A figure over the replications: mean, 95 % confidence interval and n.

    ``ci95`` is null when fewer than two replications gave a value: an interval from one run
    is undefined. ``mean`` is null when no replication gave a value (e.g. nothing delivered).
    """

    mean: float | None
    ci95: tuple[float, float] | None
    n: int = Field(ge=0)
    unit: str


class ComponentInfo(_Model):
    id: str
    kind: str
    category: str
    vendor: str
    location: str
    rami_layer: str
    iira_tier: str
    open_output: bool | None = None


class ArchitectureResult(_Model):
    kind: str
    metrics: dict[str, MetricSummary]
    per_consumer: dict[str, dict[str, MetricSummary]]
    per_machine: dict[str, dict[str, MetricSummary]]
    effort_by_task: dict[str, MetricSummary] = Field(
        default_factory=dict, description="person-hours by kind of integration task")
    latency_quantiles_ms: dict[str, float] = Field(
        default_factory=dict,
        description="latency distribution over every delivery of every replication: quantile "
                    "(as a string, e.g. \"0.95\") -> milliseconds")
    loss_reasons: dict[str, int] = Field(description="lost deliveries by cause, all replications")
    components: list[ComponentInfo]
    edges: list[tuple[str, str]] = Field(
        default_factory=list,
        description="data-path connections between components; \"machines\" stands for the "
                    "machines where data starts")
    notes: list[str]

    def mean(self, metric: str) -> float | None:
        """The metric's mean over the replications; None when it was not measured."""
        summary = self.metrics.get(metric)
        return None if summary is None else summary.mean


class OutagePoint(_Model):
    """What one broadband outage of a given length cost, against the same run without it."""

    outage_s: float
    lost_deliveries: float
    data_lost_minutes: float = Field(description="lost deliveries / deliveries per minute")
    production_lost_parts: float


class RankEntry(_Model):
    architecture: str
    rank: int = Field(ge=1)
    score: float = Field(description="weighted mean of the normalised criteria; lower is better")
    values: dict[str, float | None] = Field(description="each criterion's figure")
    normalised: dict[str, float] = Field(description="0 best to 1 worst among the candidates")


class WhatIfResult(_Model):
    parameter: str
    value: str
    replications: int
    ranking: list[RankEntry]


class CompareSection(_Model):
    """What `testbed compare` adds: the outage what-if, the ranking and parameter what-ifs."""

    command: str
    priorities: dict[str, float]
    criteria: dict[str, str] = Field(description="what each criterion measures")
    afternoon_s: float = Field(description="the outage length the summary speaks of")
    outages: dict[str, list[OutagePoint]]
    ranking: list[RankEntry]
    what_if: list[WhatIfResult]
    notes: list[str]


class Results(_Model):
    schema_version: Literal["1"] = SCHEMA_VERSION
    tool_version: str
    scenario: str
    seed: int
    replications: int
    horizon_s: float
    plugins: dict[str, str]
    architectures: dict[str, ArchitectureResult]
    compare: CompareSection | None = Field(
        default=None, description="present when written by `testbed compare`")
    indistinguishable: dict[str, list[tuple[str, str]]] = Field(
        default_factory=dict,
        description="per metric, pairs of architectures whose paired 95 % interval of the "
                    "difference contains zero: the run cannot tell them apart on that figure")


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
        )
    return Results(tool_version=__version__, scenario=scenario.name, seed=scenario.seed,
                   replications=scenario.replications, horizon_s=scenario.horizon,
                   plugins=plugins, architectures=architectures,
                   indistinguishable=indistinguishable(
                       [a.name for a in assemblies], outcomes))


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


def to_json(results: Results) -> str:
    # Sorted keys and no timestamps: the same scenario and seed give byte-identical files.
    return json.dumps(results.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a killed run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private; a result is as readable as any file the user writes.
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def results_schema() -> dict[str, Any]:
    schema = Results.model_json_schema()
    schema["required"] = sorted({*schema.get("required", []), "schema_version"})
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"interop-testbed results, schema version {SCHEMA_VERSION}"
    return schema
