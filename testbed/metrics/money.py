"""Money: what an architecture costs, what the simulation says it gives back, and payback.

Benefits come from what the simulated run shows, scaled to a month:

* breakdowns noticed sooner: without monitoring a breakdown is found on the next round, on
  average half the rounds interval after it happens; with it, when the alarm reaches the
  fastest consumer that takes alarms. Each hour sooner saves ``downtime_cost_gbp_per_hour``.
* records not re-keyed: without a feed, the operator writes a production record per lot of
  ``parts_per_record`` parts the run made (in working time, on the shop's calendar), and each
  is typed into every system that needs it. Where part counts reach a system automatically
  (in the share of parts whose count arrived), that typing of ``rekey_seconds_per_record`` is
  saved.
* less production lost: parts not made because critical software was unreachable cost
  ``margin_gbp_per_part`` each (a negative benefit).

What the owner pays: capex as a bill of materials (connection hardware, licences, integration
labour, other software), less the share a grant pays; then payback, total cost of ownership
and net present value over the owner's appraisal horizon. What the shop pays today, with no
connection, is :func:`status_quo`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from testbed.params import Economics, TranslatorParams
from testbed.sim.record import RunRecord
from testbed.wiring import Wiring

MONTH_S = 365.25 / 12 * 86_400.0
INTEGRATION_LABOUR = "integration labour"
# The lines of the bill of materials, in the order the page shows them, and the figure each
# is reported as; components' capex goes on the line of their ``capex_category``.
BOM_METRICS: dict[str, str] = {
    "connection hardware": "bom_connection_hardware_gbp", "licence": "bom_licences_gbp",
    INTEGRATION_LABOUR: "bom_integration_labour_gbp", "other software": "bom_other_software_gbp"}


@dataclass(frozen=True)
class Money:
    capex_gbp: float
    opex_gbp_per_month: float
    benefit_gbp_per_month: float
    payback_months: float | None  # on capex net of grant; None when it never pays back
    detection_benefit_gbp_per_month: float
    rekeying_benefit_gbp_per_month: float
    production_loss_gbp_per_month: float
    grant_gbp: float
    tco_gbp: float
    npv_gbp: float
    bill_of_materials: dict[str, float]  # line (BOM_METRICS) -> GBP; sums to capex_gbp

    @property
    def capex_net_gbp(self) -> float:
        return self.capex_gbp - self.grant_gbp


def equipment(wiring: Wiring) -> tuple[dict[str, float], float]:
    """Capex by line of the bill of materials, and opex per month, of every component on a
    data path."""
    used = sorted({hop for path in wiring.paths for hop in path.hops})
    capex = dict.fromkeys(BOM_METRICS, 0.0)
    for c in used:
        params = wiring.components[c].params
        capex[params.capex_category] += params.capex_gbp
    opex = sum(wiring.components[c].params.opex_gbp_per_month for c in used)
    return capex, opex


def median_payback(paybacks: Sequence[float | None]) -> float:
    """The median over every run, a run that never pays back (None) counting as infinitely
    long, so the median is itself infinite when half the runs or more never pay back."""
    ordered = sorted(math.inf if p is None else p for p in paybacks)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def appraisal_months(economics: Economics) -> float:
    return economics.appraisal_years * 12.0


def total_cost_of_ownership(capex_net_gbp: float, opex_gbp_per_month: float,
                            economics: Economics) -> float:
    """Capex net of grant plus opex over the appraisal horizon, undiscounted."""
    return capex_net_gbp + opex_gbp_per_month * appraisal_months(economics)


def annuity_factor(economics: Economics) -> float:
    """The present value of £1 at the end of each month of the appraisal horizon, at the
    monthly rate equivalent to the yearly ``discount_rate``: sum of (1 + i)^-m, m = 1..n."""
    months = appraisal_months(economics)
    monthly = math.pow(1.0 + economics.discount_rate, 1.0 / 12.0) - 1.0
    if monthly == 0.0:
        return months
    return (1.0 - math.pow(1.0 + monthly, -months)) / monthly


def net_present_value(capex_net_gbp: float, net_gbp_per_month: float,
                      economics: Economics) -> float:
    """-capex net of grant, paid now, plus (benefit - opex) at the end of each month of the
    horizon, discounted."""
    return -capex_net_gbp + net_gbp_per_month * annuity_factor(economics)


def manual_machines(wiring: Wiring) -> set[str]:
    """Machines whose data reaches software only through a person."""
    manual = set()
    for path in wiring.paths:
        first = wiring.components[path.hops[0]].params
        if isinstance(first, TranslatorParams) and first.role == "manual":
            manual.add(path.machine)
    return manual


@dataclass(frozen=True)
class StatusQuo:
    """What the shop pays each month today, with no new connection, for what a candidate's
    run would automate."""

    rekeying_gbp_per_month: float
    late_breakdowns_gbp_per_month: float

    @property
    def cost_gbp_per_month(self) -> float:
        return self.rekeying_gbp_per_month + self.late_breakdowns_gbp_per_month


def status_quo(record: RunRecord, economics: Economics) -> StatusQuo:
    """Today's cost, from the same run: every production record the run made typed into every
    software the candidate feeds, and every breakdown found on the next round (half the rounds
    interval late). A candidate's detection and re-keying benefits are the parts of these it
    saves."""
    months = record.horizon / MONTH_S
    typed = len(record.consumers) * sum(record.records)
    rekeying = typed * economics.rekey_seconds_per_record / 3600.0 \
        * economics.clerical_rate_gbp_per_hour
    late_h = economics.rounds_interval / 2 / 3600.0
    late = sum(record.breakdowns) * late_h * economics.downtime_cost_gbp_per_hour
    return StatusQuo(rekeying / months, late / months)


def money(wiring: Wiring, record: RunRecord, economics: Economics,
          labour_gbp: float) -> Money:
    months = record.horizon / MONTH_S
    bom, opex = equipment(wiring)
    bom[INTEGRATION_LABOUR] += labour_gbp
    capex = sum(bom.values())
    grant = capex * economics.grant_share_of_capex

    baseline_h = economics.rounds_interval / 2 / 3600.0
    detection = 0.0
    for m, breakdowns in enumerate(record.breakdowns):
        # Machine by machine: its breakdowns are noticed by the software that hears of them
        # soonest on average, for the share whose alarm got through.
        heard = [(c.alarm_sum[m] / c.alarm_count[m], c.alarm_count[m])
                 for c in record.consumers if c.alarm_count[m] > 0]
        if not breakdowns or not heard:
            continue
        mean_delay, count = min(heard)
        reached = min(1.0, count / breakdowns)
        sooner_h = max(0.0, baseline_h - mean_delay / 3600.0)
        detection += breakdowns * reached * sooner_h * economics.downtime_cost_gbp_per_hour
    manual = manual_machines(wiring)
    # The records the run made, each saved once for every system its counts reached.
    fed = sum(min(1.0, c.counts_delivered[m] / record.parts[m]) * record.records[m]
              for c in record.consumers for m, name in enumerate(record.machines)
              if name not in manual and record.parts[m] > 0)
    rekeying = fed * economics.rekey_seconds_per_record / 3600.0 \
        * economics.clerical_rate_gbp_per_hour
    lost_parts = sum(b / c for b, c in zip(record.blocked_time, record.mean_cycle, strict=True))
    production = lost_parts * economics.margin_gbp_per_part

    benefit = (detection + rekeying - production) / months
    net = benefit - opex
    payback = (capex - grant) / net if net > 0 else None
    return Money(capex, opex, benefit, payback, detection / months, rekeying / months,
                 production / months, grant,
                 total_cost_of_ownership(capex - grant, opex, economics),
                 net_present_value(capex - grant, net, economics), bom)
