"""Rank candidate architectures by what this owner says matters, with no hidden weighting.

Each criterion's figure is normalised across the candidates (0 for the best, 1 for the worst;
0 for all when they are equal), and the score is the weighted mean of the normalised figures
with the scenario's ``compare.priorities`` as weights. A criterion no candidate has a figure for
(e.g. cost when nobody is named to do the work) is left out, and the ranking says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from testbed.params import Priorities
from testbed.results.run import ArchitectureResult, OutagePoint, RankEntry

CRITERIA = {
    "cost": "two-year cost: capex + 24 months of opex (£)",
    "payback": "months to pay back; an architecture that never pays back is worst",
    "resilience": "data (minutes) and parts lost when the broadband is down for the afternoon "
                  "outage, each normalised, averaged",
    "independence": "lock-in score (0-100), lower is more independent",
}


def criteria_values(arch: ArchitectureResult,
                    afternoon: OutagePoint | None) -> dict[str, float | None]:
    capex, opex = arch.mean("capex_gbp"), arch.mean("opex_gbp_per_month")
    payback = arch.mean("payback_months")
    meets = arch.mean("meets_payback_target")
    if capex is not None and payback is None and meets is not None:
        payback = math.inf  # costed, but no replication paid back
    return {
        "cost": capex + 24 * opex if capex is not None and opex is not None else None,
        "payback": payback,
        "resilience_data": afternoon.data_lost_minutes if afternoon else None,
        "resilience_parts": afternoon.production_lost_parts if afternoon else None,
        "independence": arch.mean("lock_in_score"),
    }


def _normalise(values: Mapping[str, float | None]) -> dict[str, float] | None:
    present = {k: v for k, v in values.items() if v is not None}
    if len(present) < len(values) or not present:
        return None
    finite = [v for v in present.values() if math.isfinite(v)]
    low = min(finite) if finite else 0.0
    high = max(finite) if finite else 0.0
    result = {}
    for name, value in present.items():
        if not math.isfinite(value):
            result[name] = 1.0
        elif high > low:
            result[name] = (value - low) / (high - low)
        else:
            result[name] = 0.0
    return result


def rank(architectures: Mapping[str, ArchitectureResult],
         afternoon: Mapping[str, OutagePoint | None],
         priorities: Priorities) -> tuple[list[RankEntry], list[str]]:
    raw = {name: criteria_values(arch, afternoon.get(name))
           for name, arch in architectures.items()}
    normalised: dict[str, dict[str, float]] = {name: {} for name in raw}
    notes = []
    for part in ("cost", "payback", "resilience_data", "resilience_parts", "independence"):
        scaled = _normalise({name: values[part] for name, values in raw.items()})
        if scaled is None:
            continue
        for name, value in scaled.items():
            normalised[name][part] = value
    weights = priorities.model_dump()
    entries = []
    for name in raw:
        parts = normalised[name]
        criteria: dict[str, float] = {}
        for criterion in ("cost", "payback", "independence"):
            if criterion in parts:
                criteria[criterion] = parts[criterion]
        resilience = [parts[p] for p in ("resilience_data", "resilience_parts") if p in parts]
        if resilience:
            criteria["resilience"] = sum(resilience) / len(resilience)
        used = {c: w for c, w in weights.items() if c in criteria and w > 0}
        total = sum(used.values())
        score = sum(w * criteria[c] for c, w in used.items()) / total if total else 0.0
        values = {c: raw[name][c] for c in ("cost", "payback", "independence")}
        values["resilience_data_minutes"] = raw[name]["resilience_data"]
        values["resilience_parts"] = raw[name]["resilience_parts"]
        entries.append((score, name, values, criteria))
    missing = [c for c in CRITERIA if not any(c in e[3] for e in entries)]
    if missing:
        notes.append(f"not ranked on {', '.join(missing)}: no figures (for cost and payback, "
                     f"name the people who will do the work under shop.people)")
    entries.sort(key=lambda e: (e[0], e[1]))
    ranking = [RankEntry(architecture=name, rank=i + 1, score=score,
                         values={k: (None if v is not None and not math.isfinite(v) else v)
                                 for k, v in values.items()},
                         normalised=criteria)
               for i, (score, name, values, criteria) in enumerate(entries)]
    return ranking, notes
