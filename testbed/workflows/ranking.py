"""Rank candidate architectures by criteria given as data, with no hidden weighting.

One function, :func:`rank`, ranks for both `testbed compare` (by the owner's
``compare.priorities``) and the guidance study (a shop takes the first of an equal-weight
ranking). A criterion is data: its name, what it measures (for the page), the figures it is
taken from and which way is better. Each figure is scaled across the candidates (0 for the
best, 1 for the worst; 0 for all when they are equal; a figure that is not finite, like a
payback that never comes, is the worst); a criterion is the mean of its scaled figures; the
score is the weighted mean of the criteria; the lowest score ranks first, ties by the
candidate's key. How a missing figure counts is a parameter: compare leaves the figure out for
every candidate (and says so), the guidance study counts it as the worst (docs/compare.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from testbed.params import Priorities
from testbed.results.run import ArchitectureResult, OutagePoint, RankEntry

F = TypeVar("F")  # what a criterion's figures are taken from: one candidate's results
K = TypeVar("K", bound=Hashable)  # how a candidate is named; ties are broken by it

Better = Literal["lower", "higher"]
# "leave out": a figure some candidate lacks is left out for all of them;
# "worst": a candidate without the figure scores 1 on it, like a figure that is not finite.
Missing = Literal["leave out", "worst"]


@dataclass(frozen=True)
class Figure(Generic[F]):
    """One figure a criterion is taken from: its name in the ranking's values, and how it is
    read from a candidate's results (None when the candidate has none)."""

    name: str
    value: Callable[[F], float | None]


@dataclass(frozen=True)
class Criterion(Generic[F]):
    """What a ranking weighs: ``measures`` says what, for the page; ``figures`` are each scaled
    across the candidates and averaged; ``better`` is the direction of every figure."""

    name: str
    measures: str
    figures: tuple[Figure[F], ...]
    better: Better = "lower"

    @classmethod
    def of(cls, name: str, measures: str, value: Callable[[F], float | None],
           better: Better = "lower") -> Criterion[F]:
        """A criterion taken from one figure of the same name."""
        return cls(name, measures, (Figure(name, value),), better)


@dataclass(frozen=True)
class Ranked(Generic[K]):
    key: K
    rank: int
    score: float  # the weighted mean of ``normalised``; lower is better
    values: dict[str, float | None]  # each figure as read, by figure name
    normalised: dict[str, float]  # each criterion ranked on, 0 best to 1 worst


@dataclass(frozen=True)
class Ranking(Generic[K]):
    entries: list[Ranked[K]]  # best first
    left_out: list[str]  # criteria no candidate could be ranked on, in the criteria's order


def _scale(values: Mapping[K, float | None], better: Better,
           missing: Missing) -> dict[K, float] | None:
    """Each candidate's figure scaled 0 (best) to 1 (worst); None when it is left out."""
    if missing == "leave out" and (not values or any(v is None for v in values.values())):
        return None
    finite = [v for v in values.values() if v is not None and math.isfinite(v)]
    low = min(finite) if finite else 0.0
    high = max(finite) if finite else 0.0
    result = {}
    for key, value in values.items():
        if value is None or not math.isfinite(value):
            result[key] = 1.0
        elif high > low:
            result[key] = ((value - low) if better == "lower" else (high - value)) / (high - low)
        else:
            result[key] = 0.0
    return result


def rank(candidates: Mapping[K, F], criteria: Sequence[Criterion[F]],
         weights: Mapping[str, float] | None = None,
         missing: Missing = "leave out") -> Ranking[K]:
    """The candidates best first by the criteria, each weighted by ``weights[name]`` (equal
    weights when None); a criterion of weight 0 is shown but does not count."""
    values = {key: {f.name: f.value(figures) for c in criteria for f in c.figures}
              for key, figures in candidates.items()}
    scaled: dict[str, dict[K, float]] = {}
    for criterion in criteria:
        for figure in criterion.figures:
            column = _scale({key: v[figure.name] for key, v in values.items()},
                            criterion.better, missing)
            if column is not None:
                scaled[figure.name] = column
    entries = []
    for key in candidates:
        normalised: dict[str, float] = {}
        for criterion in criteria:
            parts = [scaled[f.name][key] for f in criterion.figures if f.name in scaled]
            if parts:
                normalised[criterion.name] = sum(parts) / len(parts)
        used = [(c.name, 1.0 if weights is None else weights[c.name]) for c in criteria
                if c.name in normalised]
        used = [(name, w) for name, w in used if w > 0]
        total = sum(w for _, w in used)
        score = sum(w * normalised[name] for name, w in used) / total if total else 0.0
        entries.append((score, key, normalised))
    entries.sort(key=lambda e: (e[0], e[1]))
    left_out = [c.name for c in criteria if not any(c.name in e[2] for e in entries)]
    return Ranking([Ranked(key, i + 1, score, values[key], normalised)
                    for i, (score, key, normalised) in enumerate(entries)], left_out)


# `testbed compare`: the owner's four criteria, from an architecture's summarised results and
# what the afternoon broadband outage cost it.

@dataclass(frozen=True)
class Evidence:
    architecture: ArchitectureResult
    afternoon: OutagePoint | None


def _payback(e: Evidence) -> float | None:
    """The median payback over every replication; infinite (the worst) when the median run
    never pays back."""
    payback = e.architecture.payback
    if payback is None:
        return None
    return math.inf if payback.median_months is None else payback.median_months


# Both money criteria are described the same way by the guidance study's choice.
COST_MEASURES = ("total cost of ownership: capex net of any grant plus opex over the owner's "
                 "appraisal horizon (economics.appraisal_years), undiscounted (£)")
PAYBACK_MEASURES = ("median months to pay back over every replication, a run that never pays "
                    "back counting as endless; a median that never comes is worst")

OWNER_CRITERIA: tuple[Criterion[Evidence], ...] = (
    Criterion.of("cost", COST_MEASURES, lambda e: e.architecture.mean("tco_gbp")),
    Criterion.of("payback", PAYBACK_MEASURES, _payback),
    Criterion("resilience", "data (minutes) and parts lost when the broadband is down for the "
                            "afternoon outage, each normalised, averaged",
              (Figure("resilience_data_minutes",
                      lambda e: e.afternoon.data_lost_minutes if e.afternoon else None),
               Figure("resilience_parts",
                      lambda e: e.afternoon.production_lost_parts if e.afternoon else None))),
    Criterion.of("independence", "lock-in score (0-100), lower is more independent",
                 lambda e: e.architecture.mean("lock_in_score")),
)
CRITERIA = {c.name: c.measures for c in OWNER_CRITERIA}


def rank_by_priorities(architectures: Mapping[str, ArchitectureResult],
                       afternoon: Mapping[str, OutagePoint | None],
                       priorities: Priorities) -> tuple[list[RankEntry], list[str]]:
    """Compare's ranking, by the owner's priorities, as the results hold it, and its notes."""
    ranking = rank({name: Evidence(arch, afternoon.get(name))
                    for name, arch in architectures.items()},
                   OWNER_CRITERIA, priorities.model_dump())
    notes = []
    if ranking.left_out:
        notes.append(f"not ranked on {', '.join(ranking.left_out)}: no figures (for cost and "
                     f"payback, name the people who will do the work under shop.people)")
    return [RankEntry(architecture=e.key, rank=e.rank, score=e.score,
                      values={k: (None if v is not None and not math.isfinite(v) else v)
                              for k, v in e.values.items()},
                      normalised=e.normalised)
            for e in ranking.entries], notes
