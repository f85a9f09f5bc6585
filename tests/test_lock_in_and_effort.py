"""Effort and lock-in, held to what integration theory and the merger guidelines say."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest
import yaml
from conftest import TEST_SCENARIOS, load, run

from testbed.assemble import assemble
from testbed.errors import InputError
from testbed.metrics.effort import Person, Task, commission, plan
from testbed.metrics.lockin import hhi
from testbed.params import EffortSettings
from testbed.registry import Registry
from testbed.scenario import load_scenario

INTERFACES = TEST_SCENARIOS / "interfaces.yaml"


@pytest.fixture(scope="module")
def wired(registry: Registry) -> dict:  # type: ignore[type-arg]
    return run(registry, INTERFACES).model_dump()["architectures"]


def test_point_to_point_needs_an_interface_per_pair_and_a_hub_one_per_party(wired: dict) -> None:  # type: ignore[type-arg]
    machines, systems = 5, 3
    assert wired["point to point"]["metrics"]["interfaces"]["mean"] == machines * systems
    assert wired["hub"]["metrics"]["interfaces"]["mean"] == machines + systems


def test_point_to_point_costs_more_effort_than_a_hub(wired: dict) -> None:  # type: ignore[type-arg]
    p2p = wired["point to point"]["metrics"]["effort_person_hours"]
    hub = wired["hub"]["metrics"]["effort_person_hours"]
    assert p2p["ci95"][0] > hub["ci95"][1]
    # fifteen custom drivers: one written per machine kind and system at the COCOMO-derived
    # 35 h (2 kinds x 3 systems), the other nine adapted from those at 10 % of that
    assert wired["point to point"]["effort_by_task"]["driver"]["mean"] == pytest.approx(
        6 * 35 + 9 * 3.5)


def test_each_system_is_mapped_only_the_tags_it_subscribes_to(registry: Registry) -> None:
    """A PLC's 60 tags are 10 % counters, 20 % states, 30 % alarms and 40 % process values
    (the default shares). Point to point, its driver for the ERP (counts and states) maps 18
    of them, for the CMMS (counts, states, alarms) 36, for the MES (everything) all 60, at the
    driver's minute a tag; a hub feeding all three maps all 60 once."""
    scenario = load(registry, INTERFACES)
    hours = {}
    for architecture in (0, 1):
        assembly = assemble(scenario, architecture, registry)
        hours.update({t.id: t.hours for t in plan(assembly.wiring, assembly.machines,
                                                  scenario.effort) if "plc-1@" in t.id})
    driver = "mapping:plc-1@custom-driver@plc-1>"
    assert hours[driver + "erp"] == pytest.approx(18 / 60)
    assert hours[driver + "cmms"] == pytest.approx(36 / 60)
    assert hours[driver + "mes"] == pytest.approx(60 / 60)
    assert hours["mapping:plc-1@edge-hub"] == pytest.approx(60 * 0.5 / 60)


def test_tag_shares_that_do_not_add_up_are_refused(registry: Registry, tmp_path: Path) -> None:
    text = INTERFACES.read_text().replace(
        "{name: plc, kind: plc-modbus-tcp,",
        "{name: plc, kind: plc-modbus-tcp, tag_shares: {count: 0.5, alarm: 0.2},")
    path = tmp_path / "shop.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=r"shop\.machines\[0\].*tag_shares.*sum to 1"):
        load_scenario(path, registry)


def test_hhi_of_a_30_30_20_20_split_is_2600() -> None:
    assert hhi({"a": 30, "b": 30, "c": 20, "d": 20}) == pytest.approx(2600)
    assert hhi({"only": 7}) == pytest.approx(10_000)


def test_vendor_hhi_weights_vendors_by_the_data_paths_they_carry(wired: dict) -> None:  # type: ignore[type-arg]
    # The hub build has 15 paths (5 machines x 3 systems). Every path crosses the hub
    # (HubSys, 15); each system's vendor carries its own 5 (MesWorks, MaintainIt, ErpCo); the
    # ERP's 5 also cross an in-house connector: shares 15/35 and four of 5/35, so
    # HHI = (300/7)^2 + 4 (100/7)^2 = 130,000 / 49 = 2653.06.
    assert wired["hub"]["metrics"]["vendor_hhi"]["mean"] == pytest.approx(130_000 / 49)


def _people(*specs: tuple[str, str, float, set[str]]) -> list[Person]:
    return [Person(name, role, hours, 50.0, frozenset(skills))
            for name, role, hours, skills in specs]


def test_the_calendar_follows_the_hours_people_can_give() -> None:
    exact = EffortSettings(effort_cv=0, learning_hours_per_skill=8)
    tasks = [Task("setup:gw", "setup", 10.0, ("modbus",)),
             Task("mapping:m@gw", "mapping", 5.0, ("modbus",), ("setup:gw",))]
    # one technician at 5 h a week who knows Modbus: 15 hours take 3 weeks
    alone = commission(tasks, _people(("tech", "staff", 5, {"modbus"})), exact,
                       random.Random(1))
    assert alone.person_hours == pytest.approx(15)
    assert alone.calendar_weeks == pytest.approx(3)
    # an integrator at 20 h a week sets up the gateway first (half a week), then the technician
    # maps at 5 h a week (one week): 1.5 weeks in all
    both = commission(tasks, _people(("tech", "staff", 5, {"modbus"}),
                                     ("pro", "integrator", 20, {"modbus"})), exact,
                      random.Random(1))
    assert both.calendar_weeks == pytest.approx(1.5)
    assert both.cost_gbp == pytest.approx(15 * 50)


def test_someone_who_lacks_a_skill_learns_it_first() -> None:
    exact = EffortSettings(effort_cv=0, learning_hours_per_skill=8)
    tasks = [Task("setup:bridge", "setup", 4.0, ("mqtt",))]
    outcome = commission(tasks, _people(("tech", "staff", 4, set())), exact, random.Random(1))
    assert outcome.hours_by_task["learning"] == pytest.approx(8)
    assert outcome.calendar_weeks == pytest.approx(3)


def test_the_run_says_which_architectures_it_cannot_tell_apart(registry: Registry,
                                                                tmp_path: Path) -> None:
    document = yaml.safe_load(INTERFACES.read_text())
    twin = {**copy.deepcopy(document["architectures"][1]), "name": "hub again"}
    document["architectures"].append(twin)
    path = tmp_path / "twins.yaml"
    path.write_text(yaml.safe_dump(document))
    results = run(registry, path)
    undecided = results.indistinguishable
    # the same architecture twice, on the same random numbers: nothing separates them
    for metric in ("latency_p95_ms", "effort_person_hours", "lock_in_score"):
        assert ("hub", "hub again") in undecided[metric]
    # fifteen interfaces against eight is no matter of luck
    assert ("point to point", "hub") not in undecided.get("interfaces", [])
    assert ("point to point", "hub") not in undecided.get("effort_person_hours", [])
