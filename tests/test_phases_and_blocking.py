"""Latency is not biased by clocks in step, and the flow engine's blocking is not a formula
for the wrong queue.

Machines switched on at different moments publish out of step, and software started at its
own moment closes its batches on a clock of its own: each story runs a scenario from
tests/scenarios through the real engine over its replications and checks the reported figure
against the exact result for independent phases, and against the figure clocks in step gave.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TEST_SCENARIOS, model, run
from queueing_reference import md1k_blocking, mm1k_blocking, periodic_sources_mean_wait
from test_flow_fidelity import edited

from testbed.registry import Registry


def _ci(metrics: dict, name: str) -> tuple[float, float]:  # type: ignore[type-arg]
    lo, hi = metrics[name]["ci95"]
    return lo, hi


def test_ten_machines_publishing_every_second_queue_as_independent_arrivals(
        registry: Registry) -> None:
    results = run(registry, TEST_SCENARIOS / "periodic-publishers.yaml").model_dump()
    metrics = results["architectures"]["one translator"]["metrics"]
    service_ms = 50.0
    independent = service_ms + 1000 * periodic_sources_mean_wait(10, 1.0, 0.050)
    lo, hi = _ci(metrics, "latency_mean_ms")
    assert lo <= independent <= hi, (lo, hi, independent)
    # in one burst the k-th of ten waits k services: a mean of 4.5
    in_step = service_ms * (1 + 4.5)
    assert hi < in_step / 3, (lo, hi, in_step)


def test_each_machine_publishes_on_a_phase_of_its_own_reproducible_from_the_seed(
        registry: Registry) -> None:
    def first_deliveries(seed: int) -> list[float]:
        # within the first interval each machine publishes once
        factory = model(registry, TEST_SCENARIOS / "periodic-publishers.yaml", seed=seed)
        factory.run(1.0)
        return factory.consumers["historian"].last

    once, again, other = first_deliveries(1), first_deliveries(1), first_deliveries(2)
    assert once == again
    assert once != other
    # ten different moments in the second, not one burst served one after another
    assert len(set(once)) == 10
    assert max(once) - min(once) > 0.5


@pytest.mark.parametrize("fidelity", ["message", "flow"])
def test_a_sample_into_batches_of_its_own_interval_waits_half_a_batch(
        registry: Registry, fidelity: str) -> None:
    results = run(registry, TEST_SCENARIOS / "batched-samples.yaml",
                  fidelity=fidelity).model_dump()
    metrics = results["architectures"]["one translator"]["metrics"]
    lo, hi = _ci(metrics, "latency_mean_ms")
    # the wait for the batch is uniform on [0, 10 s): 5 s on average, after 10 ms of service
    assert lo <= 5010.0 <= hi, (lo, hi)
    # with every clock at zero each sample waited the whole interval less the service: 10 s
    assert hi < 10_000.0 - 1000.0, (lo, hi)


def test_flow_level_blocking_of_a_constant_service_translator_is_the_md1k_share(
        registry: Registry, tmp_path: Path) -> None:
    # lambda = 8/s, D = 100 ms: rho = 0.8; room for 4 waiting and 1 in service, K = 5
    path = edited(TEST_SCENARIOS / "md1.yaml", tmp_path,
                  {"architectures.0.translators.0.queue_capacity": 4})
    results = run(registry, path, fidelity="flow", horizon=4 * 3600.0, replications=10,
                  flow_window=1800.0).model_dump()
    architecture = results["architectures"]["one translator"]
    lo, hi = _ci(architecture["metrics"], "loss_fraction")
    assert hi > lo, "the interval carries the window's sampling error"
    assert lo <= md1k_blocking(0.8, 5) <= hi, (lo, hi, md1k_blocking(0.8, 5))
    # the M/M/1/K formula the flow engine used to apply to every service distribution
    assert hi < mm1k_blocking(0.8, 5), (lo, hi)
    assert set(architecture["loss_reasons"]) == {"queue full"}
