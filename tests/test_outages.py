"""Connectivity: what a link outage does to data with and without a store-and-forward buffer."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from conftest import TEST_SCENARIOS, model

from testbed.metrics.stats import confidence_interval
from testbed.registry import Registry

OUTAGE = TEST_SCENARIOS / "outage.yaml"


def test_an_outage_loses_data_when_nothing_buffers_it(registry: Registry) -> None:
    factory = model(registry, OUTAGE, architecture=0)
    factory.schedule_outage(["wan"], start=1000.0, length=300.0)
    record = factory.run(3600.0)
    (cloud,) = record.consumers
    # one sample a second for five minutes: 300 lost, give or take the sample at the edge
    assert 299 <= sum(cloud.lost) <= 301
    assert record.loss_reasons["outage"] == sum(cloud.lost)
    assert cloud.max_gap[0] >= 300.0
    assert sum(cloud.delivered) + sum(cloud.lost) == sum(cloud.generated)


def test_a_buffer_turns_the_same_outage_into_delay(registry: Registry) -> None:
    factory = model(registry, OUTAGE, architecture=1)
    factory.schedule_outage(["wan"], start=1000.0, length=300.0)
    record = factory.run(3600.0)
    (cloud,) = record.consumers
    assert sum(cloud.lost) == 0
    assert sum(cloud.delivered) == sum(cloud.generated)
    # the first sample held back waited the whole outage, less how far into it the machine's
    # own phase put its first sample (under a second), plus its trip
    assert 299.0 <= cloud.latency.max <= 301.0
    # 300 of about 3600 samples were late against the platform's 60 s deadline... only those
    # that waited more than 60 s: the first 240 of the outage
    assert 239 <= sum(cloud.late) <= 241
    assert record.peak_buffer["vendor-cloud-agent@laser->cloud"] >= 299


def test_link_availability_matches_mtbf_over_mtbf_plus_mttr(registry: Registry,
                                                            tmp_path: Path) -> None:
    document = yaml.safe_load(OUTAGE.read_text())
    document["shop"]["links"][0]["outages"] = {"mtbf": "1h", "mttr": "15min"}
    path = tmp_path / "flaky.yaml"
    path.write_text(yaml.safe_dump(document))
    horizon = 2000 * 3600.0
    fractions = []
    for seed in range(5):
        factory = model(registry, path, architecture=1, seed=seed)
        factory.machines[0].running = False  # only the link's renewal process matters here
        factory.env.run(until=horizon)
        link = factory.links["wan"]
        fractions.append(1 - link.downtime_until(horizon) / horizon)
    # A = 1 / (1 + 0.25) = 0.8; about 2000 cycles per run, so each run is within a few %
    mean = sum(fractions) / len(fractions)
    assert abs(mean - 0.8) < 0.01, fractions


# 800 simulated hours at message level (about 90 s): the slow env. By default the same formula
# is checked against the flow engine (test_flow_fidelity), which is held to the message-level
# engine on the test and bundled shops there.
@pytest.mark.slow
def test_a_buffer_loses_what_the_renewal_formula_says(registry: Registry,
                                                      tmp_path: Path) -> None:
    # One sample a second (r = 1/s) into a 60-message buffer: horizon b = 60 s. Exponential
    # outages of mean m = 60 s lose r * m * exp(-b/m) = 60/e = 22.07 samples each on average.
    document = yaml.safe_load(OUTAGE.read_text())
    document["shop"]["links"][0]["outages"] = {"mtbf": "1h", "mttr": "60s"}
    document["architectures"][1]["translators"][0]["buffer_messages"] = 60
    path = tmp_path / "buffered.yaml"
    path.write_text(yaml.safe_dump(document))
    per_outage = []
    for seed in range(8):
        factory = model(registry, path, architecture=1, seed=seed)
        record = factory.run(100 * 3600.0)
        (cloud,) = record.consumers
        per_outage.append(sum(cloud.lost) / record.outages["wan"])
        # Little's law on the store-and-forward buffer: L = lambda W
        (buffer,) = record.buffers
        arrival_rate = buffer.arrivals / buffer.period_s
        assert math.isclose(buffer.time_average_in_system, arrival_rate * buffer.mean_sojourn,
                            rel_tol=0.02)
    interval = confidence_interval(per_outage)
    assert interval.contains(60 / math.e), (interval, per_outage)
    assert record.loss_reasons.keys() == {"buffer full"}
