"""The results contract of `run` and `compare`: ``results.json``, its pydantic model and its
published JSON Schema.

Bump ``SCHEMA_VERSION`` whenever a field or metric is renamed or removed; adding is allowed.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION: Literal["1"] = "1"


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


class PaybackSummary(_Model):
    """Payback over every replication, the runs that never pay back counted as infinitely long:
    the headline figure, where a mean over the runs that pay back would flatter."""

    median_months: float | None = Field(
        description="median payback over every replication; null when the median run never "
                    "pays back")
    within_target_share: float = Field(
        ge=0, le=1, description="share of replications paying back within target_months")
    never_share: float = Field(ge=0, le=1, description="share that never pay back")
    target_months: float = Field(gt=0, description="the owner's target")
    n: int = Field(ge=1, description="replications")


class Baseline(_Model):
    """How the shop runs today, with no new connection: nothing to buy, and what re-keying and
    late-found breakdowns cost it each month. Shown beside the candidates; never ranked."""

    metrics: dict[str, MetricSummary] = Field(
        description="capex_gbp, opex_gbp_per_month, tco_gbp and npv_gbp (0: the reference the "
                    "candidates' NPV is measured against) and the status_quo_* costs, over "
                    "the replications, each from the candidate that would automate the most")
    appraisal_years: float = Field(gt=0, description="the horizon of tco_gbp and npv_gbp")
    discount_rate: float = Field(ge=0, description="the yearly rate npv_gbp discounts by")
    grant_share_of_capex: float = Field(ge=0, le=1, description="the share grant_gbp pays")


class ComponentInfo(_Model):
    id: str
    kind: str
    category: str
    vendor: str
    location: str
    rami_layer: str
    iira_tier: str
    open_output: bool | None = None


# The outages, crashes and breakdowns a run can meet, by what fails, in the page's words.
EVENT_KINDS = ("broadband outages", "other network outages", "software outages",
               "translator crashes", "machine breakdowns")
FAILURES = EVENT_KINDS[:4]
# The figures that only move when a run meets events of these kinds: with none met, such a
# figure is not "zero with certainty" but untested, and the page says so.
RESTS_ON: dict[str, tuple[str, ...]] = {
    "loss_fraction": FAILURES,
    "delivered_fraction": FAILURES,
    "production_lost_parts": FAILURES,
    "production_loss_gbp_per_month": FAILURES,
    "benefit_detection_gbp_per_month": ("machine breakdowns",),
}


class EventTally(_Model):
    """Outages, crashes or breakdowns of one kind: how many a replication could expect before
    the runs, and how many all the runs met."""

    expected_per_replication: float = Field(ge=0)
    met: int = Field(ge=0, description="over all replications")
    replications: int = Field(ge=0)


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
    events: dict[str, EventTally] = Field(
        default_factory=dict,
        description="by kind (broadband outages, other network outages, software outages, "
                    "translator crashes, machine breakdowns): expected and met")

    def met(self, kinds: tuple[str, ...]) -> int | None:
        """How many events of these kinds the runs met; None when not recorded."""
        tallies = [self.events[k] for k in kinds if k in self.events]
        return sum(t.met for t in tallies) if tallies else None

    def untested(self, metric: str) -> bool:
        """Whether ``metric`` rests on events of which the runs met none."""
        kinds = RESTS_ON.get(metric)
        return kinds is not None and self.met(kinds) == 0
    payback: PaybackSummary | None = Field(
        default=None, description="the headline payback; null when money is not estimated")

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
    moves_ranking_figures: bool = Field(
        default=True, description="false: no figure the ranking weighs changed from the "
                                  "headline's, for any architecture (same seeds)")


class Stopping(_Model):
    """How many replications ran and why: from ``started``, doubling, until every pair of
    neighbours in the owner's ranking was separated or ``cap`` was reached (docs/compare.md)."""

    started: int = Field(ge=1)
    cap: int = Field(ge=1)
    settled: bool = Field(description="every neighbouring pair in the ranking is separated")
    criteria: list[str] = Field(description="the criteria the ranking weighed")
    order: list[str] = Field(description="the ranking the rule judged, best first")
    unseparated: list[tuple[str, str]] = Field(
        description="neighbours in that ranking whose paired 95 % interval of the difference "
                    "in score does not lie above zero: the runs cannot say which is better")
    tied: list[tuple[str, str]] = Field(
        default_factory=list,
        description="of those, the pairs whose difference lies within the tie margin (or is "
                    "zero in every replication): more runs would not part them")


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
    fidelity: Literal["message", "flow"] | None = Field(
        default=None, description="the engine the runs used (auto resolved)")
    plugins: dict[str, str]
    architectures: dict[str, ArchitectureResult]
    compare: CompareSection | None = Field(
        default=None, description="present when written by `testbed compare`")
    baseline: Baseline | None = Field(
        default=None, description="the shop today, with no new connection: not a candidate")
    indistinguishable: dict[str, list[tuple[str, str]]] = Field(
        default_factory=dict,
        description="per metric, pairs of architectures whose paired 95 % interval of the "
                    "difference contains zero: the run cannot tell them apart on that figure")
    stopping: Stopping | None = Field(
        default=None, description="how many replications ran and whether the ranking settled")
    notes: list[str] = Field(
        default_factory=list,
        description="what the figures rest on: events too few to judge by, engine chosen")


def to_json(results: Results) -> str:
    # Sorted keys and no timestamps: the same scenario and seed give byte-identical files.
    return json.dumps(results.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"


def results_schema() -> dict[str, Any]:
    schema = Results.model_json_schema()
    schema["required"] = sorted({*schema.get("required", []), "schema_version"})
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"interop-testbed results, schema version {SCHEMA_VERSION}"
    return schema
