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
    Metric("capex_gbp", "GBP", "lower",
           "connection hardware, licences, integration labour and other software"),
    Metric("bom_connection_hardware_gbp", "GBP", "lower",
           "of capex: gateways, retrofit kits, agents, servers that connect the machines"),
    Metric("bom_licences_gbp", "GBP", "lower", "of capex: software licences for connecting"),
    Metric("bom_integration_labour_gbp", "GBP", "lower",
           "of capex: the commissioning project's hours at each person's rate"),
    Metric("bom_other_software_gbp", "GBP", "lower",
           "of capex: software bought for what it does, not to connect (MES, ERP)"),
    Metric("grant_gbp", "GBP", "higher", "capex paid by a grant or match funding"),
    Metric("capex_net_gbp", "GBP", "lower", "capex less the grant: what the owner pays"),
    Metric("opex_gbp_per_month", "GBP/month", "lower", "subscriptions and support"),
    Metric("benefit_gbp_per_month", "GBP/month", "higher",
           "what the simulated run shows the architecture gives back", minimum=None),
    Metric("benefit_detection_gbp_per_month", "GBP/month", "higher",
           "downtime saved by noticing breakdowns sooner"),
    Metric("benefit_rekeying_gbp_per_month", "GBP/month", "higher",
           "clerical time saved by records nobody re-keys"),
    Metric("production_loss_gbp_per_month", "GBP/month", "lower",
           "margin lost on parts not made because critical software was unreachable"),
    Metric("payback_months", "months", "lower",
           "capex net of grant / (benefit - opex), mean over only the runs that pay back "
           "(flattering: not a headline; the headline is payback.median_months)"),
    Metric("meets_payback_target", "fraction", "higher",
           "share of replications paying back within the owner's target"),
    Metric("tco_gbp", "GBP", "lower",
           "total cost of ownership: capex net of grant + opex over the appraisal horizon, "
           "undiscounted"),
    Metric("npv_gbp", "GBP", "higher",
           "net present value against today: -capex net of grant + discounted monthly "
           "(benefit - opex) over the appraisal horizon", minimum=None),
    Metric("status_quo_rekeying_gbp_per_month", "GBP/month", "lower",
           "today, with no connection: clerical time re-keying records into this option's "
           "software"),
    Metric("status_quo_breakdowns_gbp_per_month", "GBP/month", "lower",
           "today, with no connection: downtime of breakdowns found on the next round"),
    Metric("status_quo_cost_gbp_per_month", "GBP/month", "lower",
           "today, with no connection: re-keying plus late-found breakdowns"),
]}
