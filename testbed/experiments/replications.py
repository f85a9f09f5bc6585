"""Run every candidate architecture of a scenario over its replications.

Replication ``r`` of every architecture uses the seed derived from (scenario seed, r), so the
same machines break down at the same moments under each architecture (common random numbers),
and the numbers do not depend on how many processes ran them or in what order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from testbed.assemble import Assembly, assemble
from testbed.experiments.executor import Executor, Payload, Result
from testbed.experiments.planning import resolved, simulated_events
from testbed.experiments.tasks import TaskCache, run_tasks, scenario_of
from testbed.metrics.connectivity import delivery_metrics, production_lost_parts
from testbed.metrics.effort import Person, commission, interfaces, plan, skills_to_absorb
from testbed.metrics.latency import latency_metrics
from testbed.metrics.lockin import lock_in
from testbed.metrics.money import BOM_METRICS, money, status_quo
from testbed.registry import Registry
from testbed.scenario import Scenario
from testbed.seeds import derive_seed, stream
from testbed.sim.calendar import WorkingTime
from testbed.sim.flow import FlowModel
from testbed.sim.flow.window import Window
from testbed.sim.model import FactoryModel
from testbed.sim.record import RunRecord
from testbed.sim.sketch import QuantileSketch

Figures = dict[str, float | None]


@dataclass
class Outcome:
    """The figures of one replication of one architecture."""

    architecture: int
    replication: int
    metrics: Figures
    per_consumer: dict[str, Figures]
    per_machine: dict[str, Figures]
    loss_reasons: dict[str, int]
    notes: list[str] = field(default_factory=list)
    effort_by_task: dict[str, float] = field(default_factory=dict)
    # every delivery's latency, pooled over consumers, for the distribution across replications
    latency: QuantileSketch = field(default_factory=QuantileSketch)
    # outages, crashes and breakdowns the run met, by kind (planning.EVENT_KINDS)
    events: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, for the on-disk cache that lets an interrupted run resume."""
        data = {name: getattr(self, name) for name in (
            "architecture", "replication", "metrics", "per_consumer", "per_machine",
            "loss_reasons", "notes", "effort_by_task", "events")}
        data["latency"] = self.latency.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        return cls(**{**data, "latency": QuantileSketch.from_dict(data["latency"])})


def replication_seed(seed: int, replication: int) -> int:
    return derive_seed(seed, "replication", replication)


def figures_of(record: RunRecord) -> tuple[Figures, dict[str, Figures], dict[str, Figures]]:
    consumers = record.consumers
    metrics: Figures = {**latency_metrics(consumers), **delivery_metrics(consumers),
                        "production_lost_parts": production_lost_parts(record)}
    per_consumer = {c.name: {**latency_metrics([c]), **delivery_metrics([c])}
                    for c in consumers}
    per_machine: dict[str, Figures] = {}
    for m, name in enumerate(record.machines):
        per_machine[name] = {
            **delivery_metrics(consumers, [m]),
            "parts_made": float(record.parts[m]),
            "production_lost_parts": production_lost_parts(record, [m]),
        }
    return metrics, per_consumer, per_machine


def people_of(scenario: Scenario) -> list[Person]:
    return [Person(p.name, p.role, p.hours_per_week, p.rate_gbp_per_hour, frozenset(p.skills))
            for p in scenario.shop.people]


def project_figures(scenario: Scenario, assembly: Assembly, record: RunRecord,
                    seed: int) -> tuple[Figures, dict[str, float], list[str]]:
    """Effort, lock-in and money of one replication, and the effort by task."""
    wiring, machines = assembly.wiring, assembly.machines
    tasks = plan(wiring, machines, scenario.effort)
    nominal = sum(t.hours for t in tasks)
    people = people_of(scenario)
    notes: list[str] = []
    risk = lock_in(wiring, machines, assembly.alternatives, scenario.effort, nominal)
    notes.extend(risk.notes)
    figures: Figures = {
        "interfaces": float(interfaces(wiring)),
        "skills_to_absorb": float(len(skills_to_absorb(wiring, people))),
        "lock_in_score": risk.score,
        "switching_cost_hours": risk.switching_cost_hours,
        "proprietary_path_share": risk.proprietary_path_share,
        "vendor_hhi": risk.vendor_hhi,
        "vendor_exit_exposure": risk.vendor_exit_exposure,
    }
    today = status_quo(record, scenario.economics)
    figures.update({
        "status_quo_rekeying_gbp_per_month": today.rekeying_gbp_per_month,
        "status_quo_breakdowns_gbp_per_month": today.late_breakdowns_gbp_per_month,
        "status_quo_cost_gbp_per_month": today.cost_gbp_per_month,
    })
    breakdown: dict[str, float] = {}
    if not people:
        notes.append("no people named under shop.people: effort and money are not estimated")
        return figures, breakdown, notes
    effort = commission(tasks, people, scenario.effort, stream(seed, "commissioning"))
    breakdown = {k: v for k, v in effort.hours_by_task.items() if v}
    cash = money(wiring, record, scenario.economics, effort.cost_gbp)
    figures.update({
        "effort_person_hours": effort.person_hours,
        "effort_staff_hours": effort.staff_hours,
        "effort_cost_gbp": effort.cost_gbp,
        "effort_calendar_weeks": effort.calendar_weeks,
        "capex_gbp": cash.capex_gbp,
        "opex_gbp_per_month": cash.opex_gbp_per_month,
        "benefit_gbp_per_month": cash.benefit_gbp_per_month,
        "benefit_detection_gbp_per_month": cash.detection_benefit_gbp_per_month,
        "benefit_rekeying_gbp_per_month": cash.rekeying_benefit_gbp_per_month,
        "production_loss_gbp_per_month": cash.production_loss_gbp_per_month,
        "payback_months": cash.payback_months,
        "meets_payback_target": float(cash.payback_months is not None and
                                      cash.payback_months <= scenario.economics
                                      .payback_target_months),
        "grant_gbp": cash.grant_gbp,
        "capex_net_gbp": cash.capex_net_gbp,
        "tco_gbp": cash.tco_gbp,
        "npv_gbp": cash.npv_gbp,
        **{BOM_METRICS[line]: gbp for line, gbp in cash.bill_of_materials.items()},
    })
    return figures, breakdown, notes


def simulate(scenario: Scenario, assembly: Assembly, seed: int,
             windows: list[Window] | None = None) -> RunRecord:
    """One run of the assembled shop at the scenario's fidelity (``windows``: see
    :class:`FlowModel`)."""
    calendar = WorkingTime(scenario.shop.calendar)
    if scenario.fidelity == "flow":
        return FlowModel(assembly.machines, assembly.network, assembly.wiring, seed,
                         scenario.flow_window, windows, calendar).run(scenario.horizon)
    return FactoryModel(assembly.machines, assembly.network, assembly.wiring,
                        seed, calendar=calendar).run(scenario.horizon)


def run_replication(scenario: Scenario, registry: Registry, architecture: int,
                    replication: int, file: str | None = None,
                    assembly: Assembly | None = None,
                    windows: list[Window] | None = None) -> Outcome:
    """One replication of one architecture; pass ``assembly`` when the caller has wired it,
    and ``windows`` when it shares a flow-level up-state measurement across replications."""
    scenario = resolved(scenario, registry, file)
    assembly = assembly or assemble(scenario, architecture, registry, file)
    seed = replication_seed(scenario.seed, replication)
    record = simulate(scenario, assembly, seed, windows)
    metrics, per_consumer, per_machine = figures_of(record)
    project, breakdown, project_notes = project_figures(scenario, assembly, record, seed)
    metrics.update(project)
    notes = [*assembly.wiring.notes, *project_notes]
    if record.in_flight_at_end:
        notes.append(f"{record.in_flight_at_end} deliveries still in flight after the drain "
                     f"period were counted as lost")
    pooled = QuantileSketch()
    for consumer in record.consumers:
        pooled.merge(consumer.latency)
    return Outcome(architecture, replication, metrics, per_consumer, per_machine,
                   dict(record.loss_reasons), notes, breakdown, pooled,
                   simulated_events(scenario, assembly, record.outages))


def replication_task(payload: Payload, registry: Registry) -> Result:
    """One replication of one architecture, on any worker."""
    scenario = scenario_of(payload, registry)
    return run_replication(scenario, registry, payload["architecture"], payload["replication"],
                           payload["path"]).to_dict()


def tasks_of(scenario: Scenario, replications: range | None = None) -> list[tuple[int, int]]:
    """Every (architecture, replication) of the scenario (or of ``replications``), in the order
    results come back."""
    chosen = range(scenario.replications) if replications is None else replications
    return [(a, r) for a in range(len(scenario.architectures)) for r in chosen]


def run_all(scenario: Scenario, registry: Registry, path: str,
            executor: Executor | None = None,
            on_done: Callable[[int, int], None] | None = None,
            cache: TaskCache | None = None,
            replications: range | None = None) -> list[Outcome]:
    """Every (architecture, replication) task (replications ``0 .. scenario.replications - 1``
    unless ``replications`` says which); outcomes come back in task order.

    With a cache, replications already finished (by an earlier, interrupted run of the same
    scenario and seed) are read back instead of run again, and new ones are kept as they end.
    ``on_done(done, total)`` reports progress.
    """
    document = scenario.model_dump(mode="json", by_alias=True)
    disabled = sorted(registry.disabled)
    payloads = [{"scenario": document, "path": path,
                 "architecture": a, "replication": r, "disabled": disabled}
                for a, r in tasks_of(scenario, replications)]
    results = run_tasks(replication_task, payloads, registry, executor, cache, on_done)
    return [Outcome.from_dict(result) for result in results]
