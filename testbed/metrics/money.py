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
"""

from __future__ import annotations

from dataclasses import dataclass

from testbed.params import Economics, TranslatorParams
from testbed.sim.record import RunRecord
from testbed.wiring import Wiring

MONTH_S = 365.25 / 12 * 86_400.0
# The span over which the rankings weigh up-front cost against running cost (docs/compare.md).
COST_HORIZON_MONTHS = 24


def two_year_cost(capex_gbp: float, opex_gbp_per_month: float) -> float:
    """What an architecture costs over ``COST_HORIZON_MONTHS``: capex plus that many months of
    opex. The one formula behind the cost criterion of `testbed compare` and of the guidance
    study's choice."""
    return capex_gbp + COST_HORIZON_MONTHS * opex_gbp_per_month


@dataclass(frozen=True)
class Money:
    capex_gbp: float
    opex_gbp_per_month: float
    benefit_gbp_per_month: float
    payback_months: float | None
    detection_benefit_gbp_per_month: float
    rekeying_benefit_gbp_per_month: float
    production_loss_gbp_per_month: float


def equipment(wiring: Wiring) -> tuple[float, float]:
    """Capex and opex per month of every component on a data path."""
    used = {hop for path in wiring.paths for hop in path.hops}
    capex = sum(wiring.components[c].params.capex_gbp for c in used)
    opex = sum(wiring.components[c].params.opex_gbp_per_month for c in used)
    return capex, opex


def manual_machines(wiring: Wiring) -> set[str]:
    """Machines whose data reaches software only through a person."""
    manual = set()
    for path in wiring.paths:
        first = wiring.components[path.hops[0]].params
        if isinstance(first, TranslatorParams) and first.role == "manual":
            manual.add(path.machine)
    return manual


def money(wiring: Wiring, record: RunRecord, economics: Economics,
          labour_gbp: float) -> Money:
    months = record.horizon / MONTH_S
    capex, opex = equipment(wiring)
    capex += labour_gbp

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
    payback = capex / net if net > 0 else None
    return Money(capex, opex, benefit, payback, detection / months, rekeying / months,
                 production / months)
