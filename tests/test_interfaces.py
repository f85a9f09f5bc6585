"""The machines SMEs own: for each interface, a scenario with that machine validates, wires under
every architecture that reads it out of the box, and makes traffic at the kind's own rates."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import TEST_SCENARIOS, load, model

from testbed import ArchitectureKind, ArchitectureParams, hookimpl
from testbed.assemble import assemble
from testbed.params import MachineParams, TranslatorParams
from testbed.registry import PluginError, Registry, load_registry
from testbed.report.interfaces import interface_table
from testbed.sim.network import SAMPLE
from testbed.workflows.reference import reference_document

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
    for (_, reader), origin in factory.origins.items():
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


def test_the_interface_table_shows_what_each_architecture_places_to_read_a_protocol(
        own_registry: Registry) -> None:
    rows = {line.split(" | ")[0].strip("| `"): line
            for line in interface_table(own_registry)[2:]}
    assert set(rows) >= {"euromap63", "opcua", "s7comm", "ethernet-ip", "file-csv",
                         "rs232-ascii"}
    s7 = rows["s7comm"]
    assert "`plc-s7`" in s7 and "`plc-opcua-gateway`" in s7
    assert "`opcua-aggregation` (plc-opcua-gateway > opcua-aggregation-server)" in s7
    assert "`edge-gateway-hub` (edge-hub)" in s7
    assert "`injection-moulder-euromap77`, `opcua-machine`, `packaging-packml`" in rows["opcua"]
    # files reach the hub through the collector: the hub has no driver for a CSV drop
    assert "`edge-gateway-hub` (file-collector > edge-hub)" in rows["file-csv"]


@pytest.mark.parametrize(("kind", "link"), [("weighing-scale-serial", "serial"),
                                            ("label-printer-serial", "serial"),
                                            ("plc-s7", "field"),
                                            ("injection-moulder-euromap63", "field")])
def test_a_reference_shop_puts_the_machine_on_the_line_its_medium_says(
        registry: Registry, kind: str, link: str) -> None:
    document = reference_document(registry, "edge-hub", kind, 1, "edge-gateway-hub", seed=1)
    (machine,) = document["shop"]["machines"]
    assert machine["link"] == link


class _Exploding:
    @hookimpl
    def testbed_register_architectures(self, register: Callable[[ArchitectureKind[Any]], None]
                                       ) -> None:
        def wire(ctx: Any) -> Any:
            raise RuntimeError("licence check failed")
        register(ArchitectureKind("exploding", "raises while wiring",
                                  params=ArchitectureParams, wire=wire))


def test_an_architecture_that_raises_is_named_not_listed_as_unable() -> None:
    registry = load_registry(extra_plugins=[("exploding", _Exploding())])
    with pytest.raises(PluginError, match=r"'exploding' from plugin 'exploding'.*licence check"):
        interface_table(registry)
