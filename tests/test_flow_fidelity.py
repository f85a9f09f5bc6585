"""The flow-level fidelity: closed-form theory checked directly, and agreement with the
message-level engine (the reference) on every bundled scenario and the exact-result ones.

Each agreement story loads a scenario, runs the same replications (same seeds, so the same
outages and breakdowns) at both fidelities over a short horizon, and checks that each figure
of the flow-level runs falls within the message-level runs' 95% confidence interval.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import BUNDLED, TEST_SCENARIOS, load
from queueing_reference import mm1k_blocking
from stats_reference import half_width

import testbed.sim.flow.run
from testbed.assemble import assemble
from testbed.experiments.replications import run_replication
from testbed.metrics.stats import confidence_interval, t_quantile
from testbed.registry import Registry
from testbed.scenario import Scenario
from testbed.sim.flow import FlowModel
from testbed.sim.model import FactoryModel
from testbed.sim.sketch import DEFAULT_ACCURACY

OUTAGE = TEST_SCENARIOS / "outage.yaml"
MM1 = TEST_SCENARIOS / "mm1.yaml"


def flow_model(registry: Registry, path: Path, architecture: int = 0, seed: int = 1,
               window: float = 600.0) -> FlowModel:
    scenario = load(registry, path)
    assembly = assemble(scenario, architecture, registry, str(path))
    return FlowModel(assembly.machines, assembly.network, assembly.wiring, seed, window)


def edited(path: Path, tmp_path: Path, edit: dict[str, Any]) -> Path:
    """A copy of a scenario with some keys changed, the way a user edits one."""
    document = yaml.safe_load(path.read_text())
    for dotted, value in edit.items():
        node = document
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[leaf] = value
    out = tmp_path / path.name
    out.write_text(yaml.safe_dump(document))
    return out


# --- theory, straight against the flow engine ----------------------------------------------


def test_an_outage_with_no_buffer_loses_exactly_its_length_of_data(registry: Registry) -> None:
    factory = flow_model(registry, OUTAGE, architecture=0)
    factory.schedule_outage(["wan"], start=1000.0, length=300.0)
    record = factory.run(3600.0)
    (cloud,) = record.consumers
    # one sample a second for five minutes
    assert sum(cloud.lost) == 300
    assert record.loss_reasons == {"outage": 300}
    assert 300.0 <= cloud.max_gap[0] <= 302.0
    assert sum(cloud.delivered) + sum(cloud.lost) == sum(cloud.generated) == 3600


def test_a_buffer_turns_the_outage_into_a_wait_as_long_as_the_outage(
        registry: Registry) -> None:
    factory = flow_model(registry, OUTAGE, architecture=1)
    factory.schedule_outage(["wan"], start=1000.0, length=300.0)
    record = factory.run(3600.0)
    (cloud,) = record.consumers
    assert sum(cloud.lost) == 0
    assert sum(cloud.delivered) == sum(cloud.generated)
    # the first sample held back waited the whole outage, plus its normal trip
    assert 300.0 <= cloud.latency.max <= 301.0
    # late against the 60 s deadline: those that waited more than 60 s, the first 240
    assert 239 <= sum(cloud.late) <= 241
    assert record.peak_buffer["vendor-cloud-agent@laser->cloud"] == 300


def test_a_link_is_up_mtbf_over_mtbf_plus_mttr_of_the_time(registry: Registry,
                                                           tmp_path: Path) -> None:
    path = edited(OUTAGE, tmp_path, {"shop.links.0.outages": {"mtbf": "1h", "mttr": "15min"}})
    horizon = 2000 * 3600.0
    up = [1 - flow_model(registry, path, 1, seed).run(horizon).downtime["wan"] / horizon
          for seed in range(5)]
    # A = 1 / (1 + 0.25) = 0.8; about 2000 cycles per run
    assert abs(sum(up) / len(up) - 0.8) < 0.01, up


def test_a_buffer_loses_what_the_renewal_formula_says(registry: Registry,
                                                      tmp_path: Path) -> None:
    # One sample a second into a 60-message buffer (b = 60 s); exponential outages of mean
    # m = 60 s lose r * m * exp(-b/m) = 60/e = 22.07 samples each on average.
    path = edited(OUTAGE, tmp_path, {"shop.links.0.outages": {"mtbf": "1h", "mttr": "60s"},
                                     "architectures.1.translators.0.buffer_messages": 60})
    per_outage = []
    for seed in range(8):
        record = flow_model(registry, path, 1, seed).run(200 * 3600.0)
        (cloud,) = record.consumers
        per_outage.append(sum(cloud.lost) / record.outages["wan"])
        assert record.loss_reasons.keys() == {"buffer full"}
    interval = confidence_interval(per_outage)
    assert interval.contains(60 / math.e), (interval, per_outage)


def test_a_full_waiting_room_turns_away_the_mm1k_share(registry: Registry,
                                                       tmp_path: Path) -> None:
    # The share is what each replication's window measured, so it is a sample: over
    # replications its interval holds M/M/1/K, exact here (Poisson arrivals, exponential
    # service). tests/test_phases_and_blocking.py does the same for constant service.
    path = edited(MM1, tmp_path, {"architectures.0.translators.0.queue_capacity": 4})
    shares = []
    for seed in range(8):
        record = flow_model(registry, path, seed=seed, window=1800.0).run(3 * 3600.0)
        (sink,) = record.consumers
        shares.append(sum(sink.lost) / sum(sink.generated))
        assert set(record.loss_reasons) == {"queue full"}
    interval = confidence_interval(shares)
    assert interval.contains(mm1k_blocking(0.8, 5)), (interval, shares)


def test_both_fidelities_see_the_same_outages_and_breakdowns(registry: Registry) -> None:
    # Common random numbers: the flow engine draws each fault from the message engine's
    # stream, so the same replication has the same state changes at both fidelities.
    path = BUNDLED / "sme-legacy-shop.yaml"
    scenario = load(registry, path)
    assembly = assemble(scenario, 3, registry, str(path))
    horizon = 7 * 86_400.0
    message = FactoryModel(assembly.machines, assembly.network, assembly.wiring, 9)
    for machine in message.machines:
        machine.running = False
    message.env.run(until=horizon)
    flow = FlowModel(assembly.machines, assembly.network, assembly.wiring, 9).run(horizon)
    for name, element in [*message.links.items(), *message.servers.items(),
                          *message.consumers.items()]:
        assert flow.outages[name] == element.outages, name
        assert flow.downtime[name] == pytest.approx(element.downtime_until(horizon)), name


def test_forgetting_plans_changes_no_figure(registry: Registry,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # A big shop's plans are forgotten once they hold too many rates, their time settled into
    # the counters as they go: remembering one plan at a time must give the same figures.
    path = BUNDLED / "sme-legacy-shop.yaml"
    horizon = 30 * 86_400.0
    remembered = flow_model(registry, path, architecture=0, seed=5).run(horizon)
    monkeypatch.setattr(testbed.sim.flow.run, "PLAN_CELLS_KEPT", 1)
    forgetful = flow_model(registry, path, architecture=0, seed=5).run(horizon)
    assert forgetful.parts == remembered.parts
    assert forgetful.loss_reasons == remembered.loss_reasons
    for ours, theirs in zip(forgetful.consumers, remembered.consumers, strict=True):
        assert (ours.generated, ours.delivered, ours.lost, ours.late) == (
            theirs.generated, theirs.delivered, theirs.lost, theirs.late)
        assert sum(ours.delivered) > 0
    for ours, theirs in zip(forgetful.servers, remembered.servers, strict=True):
        assert ours.arrivals == theirs.arrivals


# --- agreement with the message level -----------------------------------------------------

FIGURES = ("latency_mean_ms", "latency_p50_ms", "latency_p95_ms", "delivered_fraction",
           "loss_fraction", "late_fraction", "max_visibility_gap_s", "production_lost_parts")

# (scenario, horizon, replications, flow window), in seconds: horizons several windows long,
# so the flow runs are not message-level runs in disguise.
HOUR = 3600.0
CASES = [pytest.param(*case, id=case[0].stem) for case in [
    (MM1, HOUR, 20, HOUR / 4),
    (TEST_SCENARIOS / "md1.yaml", HOUR, 20, HOUR / 4),
    (TEST_SCENARIOS / "polled.yaml", 8 * HOUR, 6, HOUR),
    (TEST_SCENARIOS / "small-shop.yaml", 6 * HOUR, 4, HOUR),
    (BUNDLED / "food-producer.yaml", 12 * HOUR, 4, HOUR),
]] + [
    # the largest (about a minute here): the slow env; the other two shops run by default
    pytest.param(BUNDLED / "sme-legacy-shop.yaml", 12 * HOUR, 4, HOUR, marks=pytest.mark.slow,
                 id="sme-legacy-shop"),
]


def figures(scenario: Scenario, registry: Registry, path: Path,
            fidelity: str) -> list[dict[str, list[float]]]:
    """Per architecture, each figure's value in each replication."""
    runs = scenario.model_copy(update={"fidelity": fidelity})
    out = []
    for a in range(len(runs.architectures)):
        assembly = assemble(runs, a, registry, str(path))
        values: dict[str, list[float]] = {name: [] for name in FIGURES}
        for r in range(runs.replications):
            metrics = run_replication(runs, registry, a, r, str(path), assembly).metrics
            for name in FIGURES:
                value = metrics[name]
                if value is not None:
                    values[name].append(value)
        out.append(values)
    return out


def agrees(message: list[float], flow: list[float], name: str) -> bool:
    """Flow's mean within the message-level 95% interval, widened where it must be:

    * by flow's own standard error, because its latencies come from a window that is itself a
      sample: the interval is the two-sample one of the difference of the means;
    * by the latency sketch's relative accuracy for latency figures, and by 0.0005 for
      fractions, the rounding of the flow engine's expected counts: a message-level interval
      of zero width (nothing lost in any replication) would otherwise fail on any rounding.
    """
    if not message or not flow:
        return not message and not flow
    m, f = confidence_interval(message), confidence_interval(flow)
    se_m = half_width(m) / t_quantile(0.975, len(message) - 1)
    se_f = half_width(f) / t_quantile(0.975, len(flow) - 1)
    slack = t_quantile(0.975, min(len(message), len(flow)) - 1) * math.hypot(se_m, se_f)
    if name.startswith("latency"):
        slack += DEFAULT_ACCURACY * abs(m.mean)
    elif name.endswith("fraction"):
        slack += 5e-4
    return abs(f.mean - m.mean) <= slack


@pytest.mark.parametrize(("path", "horizon", "replications", "window"), CASES)
def test_flow_figures_fall_within_the_message_level_confidence_intervals(
        registry: Registry, path: Path, horizon: float, replications: int,
        window: float) -> None:
    scenario = load(registry, path, horizon=horizon, replications=replications,
                    flow_window=window)
    message = figures(scenario, registry, path, "message")
    flow = figures(scenario, registry, path, "flow")
    misses = [(scenario.architectures[a].name, name, message[a][name], flow[a][name])
              for a in range(len(message)) for name in FIGURES
              if not agrees(message[a][name], flow[a][name], name)]
    assert not misses, misses
