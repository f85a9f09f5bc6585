"""A translator is a queue, and the engine must give the answers queueing theory gives exactly.

Each test loads a scenario from tests/scenarios, runs it through the real engine over its
replications, and checks the reported figure against the closed form.
"""

from __future__ import annotations

import math
from pathlib import Path

import yaml
from conftest import TEST_SCENARIOS, model, run

from testbed.registry import Registry


def _contains(summary: dict, value: float) -> bool:  # type: ignore[type-arg]
    lo, hi = summary["ci95"]
    return lo <= value <= hi


def test_mm1_translator_mean_latency_is_half_a_second(registry: Registry) -> None:
    # lambda = 8/s, mu = 10/s: W = 1 / (mu - lambda) = 0.5 s
    results = run(registry, TEST_SCENARIOS / "mm1.yaml").model_dump()
    metrics = results["architectures"]["one translator"]["metrics"]
    assert _contains(metrics["latency_mean_ms"], 500.0), metrics["latency_mean_ms"]
    # P(W > t) = exp(-2t): median ln(2)/2 s, 95th percentile ln(20)/2 s
    assert _contains(metrics["latency_p50_ms"], 1000 * math.log(2) / 2)
    assert _contains(metrics["latency_p95_ms"], 1000 * math.log(20) / 2)
    assert metrics["loss_fraction"]["mean"] == 0.0


def test_md1_translator_follows_pollaczek_khinchine(registry: Registry) -> None:
    # lambda = 8/s, D = 0.1 s, rho = 0.8: Wq = rho D / (2 (1 - rho)) = 0.2 s, W = 0.3 s
    results = run(registry, TEST_SCENARIOS / "md1.yaml").model_dump()
    metrics = results["architectures"]["one translator"]["metrics"]
    assert _contains(metrics["latency_mean_ms"], 300.0), metrics["latency_mean_ms"]


def test_littles_law_holds_on_the_translator(registry: Registry) -> None:
    factory = model(registry, TEST_SCENARIOS / "mm1.yaml", seed=3)
    record = factory.run(3600.0)
    (server,) = record.servers
    arrival_rate = server.arrivals / server.period_s
    # L = lambda W, sample path by sample path, up to what is in the system at the ends.
    assert math.isclose(server.time_average_in_system, arrival_rate * server.mean_sojourn,
                        rel_tol=0.02)
    # and both agree with M/M/1: L = rho / (1 - rho) = 4
    assert 3.0 < server.time_average_in_system < 5.0


def test_polled_machine_waits_half_the_poll_interval(registry: Registry) -> None:
    results = run(registry, TEST_SCENARIOS / "polled.yaml").model_dump()
    metrics = results["architectures"]["polled through a gateway"]["metrics"]
    assert _contains(metrics["latency_mean_ms"], 5000.0), metrics["latency_mean_ms"]
    # and never more than one interval
    assert metrics["latency_max_ms"]["mean"] <= 10_000.0 * 1.01


def test_a_full_waiting_room_turns_away_the_mm1k_share(registry: Registry,
                                                       tmp_path: Path) -> None:
    # Room for 4 waiting plus 1 in service: K = 5, rho = 0.8.
    # Blocking probability P_K = (1 - rho) rho^K / (1 - rho^(K+1)) = 0.0888
    document = yaml.safe_load((TEST_SCENARIOS / "mm1.yaml").read_text())
    document["architectures"][0]["translators"][0]["queue_capacity"] = 4
    path = tmp_path / "mm1k.yaml"
    path.write_text(yaml.safe_dump(document))
    results = run(registry, path).model_dump()
    loss = results["architectures"]["one translator"]["metrics"]["loss_fraction"]
    rho, k = 0.8, 5
    assert _contains(loss, (1 - rho) * rho**k / (1 - rho ** (k + 1))), loss
    reasons = results["architectures"]["one translator"]["loss_reasons"]
    assert set(reasons) == {"queue full"}
