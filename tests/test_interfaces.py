"""The machines SMEs own: for each interface, a scenario with that machine validates, wires under
every architecture that reads it out of the box, and makes traffic at the kind's own rates."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import TEST_SCENARIOS, load, model

from testbed.assemble import assemble
from testbed.params import MachineParams, TranslatorParams
from testbed.registry import Registry
from testbed.sim.network import SAMPLE

INTERFACES = TEST_SCENARIOS / "interfaces"
# Ten simulated minutes: enough cycles and reads to compare with the kind's rates, quick to run.
HORIZON = 600.0
KINDS = [
    "injection-moulder-euromap63",
    "injection-moulder-euromap77",
    "packaging-packml",
    "plc-s7",
    "plc-ethernet-ip",
    "csv-export-machine",
    "weighing-scale-serial",
    "label-printer-serial",
]
ARCHITECTURES = range(5)


def _scenario(kind: str) -> Path:
    return INTERFACES / f"{kind}.yaml"


@pytest.mark.parametrize("kind", KINDS)
def test_a_scenario_with_the_machine_validates_and_wires_under_every_architecture(
        registry: Registry, kind: str) -> None:
    path = _scenario(kind)
    scenario = load(registry, path)
    protocol = registry.machines[kind].defaults().protocol
    assert [m.kind for m in scenario.shop.machines] == [kind]
    assert {a.kind for a in scenario.architectures} == set(registry.architectures)
    for index in range(len(scenario.architectures)):
        wiring = assemble(scenario, index, registry, str(path)).wiring
        assert wiring.paths, scenario.architectures[index].name
        for data_path in wiring.paths:
            # the first hop reads the machine's own protocol
            first = wiring.components[data_path.hops[0]].params
            assert isinstance(first, TranslatorParams)
            assert protocol in first.inputs


def _expected_parts(params: MachineParams) -> tuple[float, float]:
    """Parts one machine makes in the horizon, and the spread: a renewal process's count has
    mean H/mu and variance H cv^2 / mu."""
    cycle = params.cycle_time
    mean = cycle.mean
    cv = getattr(cycle, "cv", 0.0)
    return HORIZON / mean, math.sqrt(HORIZON * cv ** 2 / mean)


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("kind", KINDS)
def test_the_machine_makes_traffic_at_its_kinds_rates(registry: Registry, kind: str,
                                                      architecture: int) -> None:
    params = registry.machines[kind].defaults()
    factory = model(registry, _scenario(kind), architecture, seed=3)
    assert factory.sizes == [params.message_bytes] * len(factory.instances)
    factory.run(HORIZON)
    parts, spread = _expected_parts(params)
    for machine in factory.machines:
        # four standard deviations, and one part for the cycle under way at the end
        assert abs(machine.parts - parts) <= 4 * spread + 1, (machine.name, machine.parts)
    for (m, reader), origin in factory.origins.items():
        if params.interface == "push":
            assert origin.poll_interval is None
            interval = params.sample_interval
        else:
            # a reader polls at its own interval, never faster than the machine allows
            offered = factory.topology.wiring.components[reader].params
            assert isinstance(offered, TranslatorParams)
            interval = max(offered.poll_interval, params.min_poll_interval)
            assert origin.poll_interval == interval
        # one sample per interval from a random phase on: H/T of them, give or take one
        samples = origin.counts[SAMPLE]
        assert abs(samples - HORIZON / interval) <= 1, (kind, reader, samples, interval)
