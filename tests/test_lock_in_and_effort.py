"""Effort and lock-in, held to what integration theory and the merger guidelines say."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest
import yaml
from conftest import TEST_SCENARIOS, run

from testbed.metrics.effort import Person, Task, commission
from testbed.metrics.lockin import hhi
from testbed.params import EffortSettings
from testbed.registry import Registry

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
