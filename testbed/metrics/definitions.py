"""The figures the tool reports: name (unit in the name), unit and which way is better.

``docs/metrics.md`` defines each with its formula; a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from testbed.sim.sketch import DEFAULT_ACCURACY


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    better: Literal["lower", "higher"]
    summary: str
    # The range a figure can take: confidence intervals are clipped to it.
    minimum: float | None = 0.0
    maximum: float | None = None
    # A figure estimated to within this relative error (the quantile sketch's accuracy):
    # its interval is widened by it, so replications landing in one bucket do not claim
    # a certainty the measurement does not have.
    resolution: float = 0.0

    def __post_init__(self) -> None:
        if self.unit == "fraction" and self.maximum is None:
            object.__setattr__(self, "maximum", 1.0)


METRICS: dict[str, Metric] = {m.name: m for m in [
    Metric("latency_mean_ms", "ms", "lower", "mean time from machine event to consumer"),
    Metric("latency_p50_ms", "ms", "lower", "median time from machine event to consumer",
           resolution=DEFAULT_ACCURACY),
    Metric("latency_p95_ms", "ms", "lower", "95th percentile of that time",
           resolution=DEFAULT_ACCURACY),
    Metric("latency_p99_ms", "ms", "lower", "99th percentile of that time",
           resolution=DEFAULT_ACCURACY),
    Metric("latency_max_ms", "ms", "lower", "longest time any delivered message took"),
    Metric("delivered_fraction", "fraction", "higher",
           "share of (message, consumer) deliveries that arrived, late or not"),
    Metric("late_fraction", "fraction", "lower",
           "share that arrived after the consumer's deadline"),
    Metric("loss_fraction", "fraction", "lower", "share that never arrived"),
    Metric("max_visibility_gap_s", "s", "lower",
           "longest time a consumer heard nothing from a machine"),
    Metric("production_lost_parts", "parts", "lower",
           "parts not made because critical software was unreachable"),
    Metric("effort_person_hours", "h", "lower", "person-hours to commission the architecture"),
    Metric("effort_staff_hours", "h", "lower",
           "of those, hours of the SME's own staff (time away from production)"),
    Metric("effort_cost_gbp", "GBP", "lower", "cost of those hours at each person's rate"),
    Metric("effort_calendar_weeks", "weeks", "lower",
           "weeks from start to the last data path tested, with the people available"),
    Metric("skills_to_absorb", "skills", "lower",
           "protocols and tools the architecture uses that no staff member knows"),
    Metric("interfaces", "interfaces", "lower",
           "connections between machines, software and shared integration components"),
    Metric("lock_in_score", "score 0-100", "lower", "weighted lock-in risk, parts shown"),
    Metric("switching_cost_hours", "h", "lower",
           "hours to redo what touches the dominant vendor after replacing it"),
    Metric("proprietary_path_share", "fraction", "lower",
           "share of data paths through a proprietary protocol or closed format"),
    Metric("vendor_hhi", "HHI", "lower", "Herfindahl index of vendors over data paths"),
    Metric("vendor_exit_exposure", "fraction", "lower",
           "worst vendor's chance of exit in two years times what stops with it"),
    Metric("capex_gbp", "GBP", "lower", "hardware, licences and integration labour"),
    Metric("opex_gbp_per_month", "GBP/month", "lower", "subscriptions and support"),
    Metric("benefit_gbp_per_month", "GBP/month", "higher",
           "what the simulated run shows the architecture gives back", minimum=None),
    Metric("benefit_detection_gbp_per_month", "GBP/month", "higher",
           "downtime saved by noticing breakdowns sooner"),
    Metric("benefit_rekeying_gbp_per_month", "GBP/month", "higher",
           "clerical time saved by records nobody re-keys"),
    Metric("production_loss_gbp_per_month", "GBP/month", "lower",
           "margin lost on parts not made because critical software was unreachable"),
    Metric("payback_months", "months", "lower", "capex / (benefit - opex), when positive"),
    Metric("meets_payback_target", "fraction", "higher",
           "share of replications paying back within the owner's target"),
]}
