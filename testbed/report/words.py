"""Each figure's name in an owner's words, for the pages: results.json and the tables for
analysts keep the metric ids, which a reader finds defined in docs/metrics.md."""

from __future__ import annotations

from testbed.metrics.definitions import METRICS
from testbed.results.run import WhatIfResult

# Short enough for a table's first column or a chart's title; the definition's summary (which
# may lean on the row before it, "that time") stays as the explanation beneath.
FIGURE_NAMES: dict[str, str] = {
    "latency_mean_ms": "Time for data to arrive, on average",
    "latency_p50_ms": "Time within which half the data arrives",
    "latency_p95_ms": "Time within which 95 % of the data arrives",
    "latency_p99_ms": "Time within which 99 % of the data arrives",
    "latency_max_ms": "Longest time any data took",
    "delivered_fraction": "Share of the data that arrived",
    "late_fraction": "Share that arrived too late",
    "loss_fraction": "Share that never arrived",
    "max_visibility_gap_s": "Longest time software heard nothing from a machine",
    "production_lost_parts": "Parts not made because software was out of reach",
    "effort_person_hours": "Hours of work to put it in",
    "effort_staff_hours": "Hours of your own staff's time",
    "effort_cost_gbp": "Cost of those hours",
    "effort_calendar_weeks": "Weeks to put it in",
    "skills_to_absorb": "New skills your staff must learn",
    "interfaces": "Connections to look after",
    "lock_in_score": "Lock-in (0 none, 100 locked in)",
    "switching_cost_hours": "Hours to move away from the main vendor",
    "proprietary_path_share": "Share of data paths in a vendor's own format",
    "vendor_hhi": "How concentrated on one vendor (0 to 10,000)",
    "vendor_exit_exposure": "What stops if the main vendor leaves the market",
    "capex_gbp": "Cost up front",
    "opex_gbp_per_month": "Cost per month",
    "benefit_gbp_per_month": "Money it gives back per month",
    "benefit_detection_gbp_per_month": "of which: breakdowns noticed sooner",
    "benefit_rekeying_gbp_per_month": "of which: records nobody types in again",
    "production_loss_gbp_per_month": "Margin lost per month on parts not made",
    "payback_months": "Months to pay back",
    "meets_payback_target": "Share of runs paying back within your target",
}


def figure_name(metric: str) -> str:
    """The figure's name in words; a figure added without one is named by its definition."""
    if metric in FIGURE_NAMES:
        return FIGURE_NAMES[metric]
    summary = METRICS[metric].summary if metric in METRICS else metric.replace("_", " ")
    return summary[:1].upper() + summary[1:]



def untested(metric: str) -> str:
    """What a table says instead of a figure whose runs met none of the events it rests on."""
    if metric == "benefit_detection_gbp_per_month":
        return "no breakdown simulated"
    return "no outage simulated"


def what_if_ranking(what_if: WhatIfResult) -> str:
    """A what-if's ranking, best first, or that it is the headline's for want of any change."""
    if not what_if.moves_ranking_figures:
        return "as above: no figure the ranking weighs moved"
    return " > ".join(r.architecture for r in what_if.ranking)


def still_words(what_ifs: list[WhatIfResult]) -> str | None:
    """One sentence for a parameter none of whose values moved any figure the ranking weighs,
    instead of a table of rankings identical to the headline's."""
    if not what_ifs or any(w.moves_ranking_figures for w in what_ifs):
        return None
    values = " or ".join(w.value for w in what_ifs)
    return (f"Setting it to {values} moves none of the figures the ranking weighs, for any "
            f"configuration (same runs, same seeds): the ranking stays as above.")
