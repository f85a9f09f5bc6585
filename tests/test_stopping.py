"""`run` and `compare` add replications until the owner's ranking settles: the rule judged on
hand-made scores, then through the real engine on a small shop."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from conftest import TEST_SCENARIOS

from testbed.registry import Registry
from testbed.scenario import load_scenario
from testbed.workflows.run import run_scenario
from testbed.workflows.stopping import TIE_MARGIN, separation

SMALL = TEST_SCENARIOS / "small-shop.yaml"
PEOPLE = [
    {"name": "technician", "role": "staff", "hours_per_week": 6, "rate_gbp_per_hour": 32,
     "skills": ["modbus", "networking"]},
    {"name": "integrator", "role": "integrator", "hours_per_week": 30, "rate_gbp_per_hour": 85,
     "skills": ["opcua", "mqtt", "programming"]},
]


def test_a_pair_is_separated_only_when_its_paired_interval_lies_above_zero() -> None:
    # B is worse than A by 0.3 +/- a little in every replication: separated.
    clear = {r: {"A": 0.1, "B": 0.4 + 0.01 * (-1) ** r} for r in range(4)}
    assert separation(["A", "B"], clear).unseparated == []
    # The difference swings either side of zero: more runs are needed.
    swinging = {r: {"A": 0.5, "B": 0.5 + 0.3 * (-1) ** r} for r in range(4)}
    verdict = separation(["A", "B"], swinging)
    assert verdict.undecided == [("A", "B")] and not verdict.settled
    # One replication says nothing about its own spread.
    assert separation(["A", "B"], {0: {"A": 0.0, "B": 1.0}}).undecided == [("A", "B")]


def test_pairs_more_runs_cannot_part_are_tied_and_settle_the_ranking() -> None:
    identical = {r: {"A": 0.2 * r, "B": 0.2 * r} for r in range(3)}
    verdict = separation(["A", "B"], identical)
    assert verdict.unseparated == [("A", "B")] and verdict.settled
    # within the margin either way, with the spread measured: tied, not undecided
    close = {r: {"A": 0.3, "B": 0.3 + TIE_MARGIN / 4 * (-1) ** r} for r in range(20)}
    verdict = separation(["A", "B"], close)
    assert verdict.unseparated == [("A", "B")] and verdict.settled
    # a constant difference is exact, whatever the number of runs
    assert separation(["A", "B"], {r: {"A": 0.0, "B": 0.01} for r in range(2)}).unseparated \
        == []


def _shop(tmp_path: Path, **top: object) -> Path:
    document = yaml.safe_load(SMALL.read_text())
    document["shop"]["people"] = copy.deepcopy(PEOPLE)
    document.update(top)
    path = tmp_path / "shop.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_replications_double_until_the_ranking_settles_or_the_cap(
        registry: Registry, tmp_path: Path) -> None:
    path = _shop(tmp_path, replications=2, max_replications=16)
    results = run_scenario(load_scenario(path, registry), registry, path)
    stopping = results.stopping
    assert stopping is not None
    assert results.replications in (2, 4, 8, 16) and stopping.started == 2 and stopping.cap == 16
    assert stopping.criteria == ["cost", "payback", "independence"]  # run has no outages
    assert set(stopping.order) == {"hub", "vendor cloud"}
    if stopping.settled:
        assert all(pair in stopping.tied for pair in stopping.unseparated)
    else:
        assert results.replications == 16 and stopping.unseparated
    for architecture in results.architectures.values():
        assert architecture.metrics["capex_gbp"].n == results.replications


def test_an_adaptive_run_gives_the_figures_of_a_run_of_that_many_from_the_start(
        registry: Registry, tmp_path: Path) -> None:
    path = _shop(tmp_path, replications=2, max_replications=8)
    adaptive = run_scenario(load_scenario(path, registry), registry, path)
    fixed_scenario = load_scenario(path, registry).model_copy(
        update={"replications": adaptive.replications})
    fixed = run_scenario(fixed_scenario, registry, path, adaptive=False)
    assert fixed.replications == adaptive.replications
    assert fixed.model_dump(exclude={"stopping"}) == adaptive.model_dump(exclude={"stopping"})


def test_two_identical_candidates_are_tied_without_adding_runs(
        registry: Registry, tmp_path: Path) -> None:
    document = yaml.safe_load(SMALL.read_text())
    twin = {**document["architectures"][0], "name": "hub again"}
    path = _shop(tmp_path, replications=3, max_replications=12,
                 architectures=[copy.deepcopy(document["architectures"][0]), twin])
    results = run_scenario(load_scenario(path, registry), registry, path)
    assert results.stopping is not None and results.stopping.settled
    assert results.replications == 3
    assert results.stopping.tied == [("hub", "hub again")]


def test_a_cap_below_the_start_is_refused_naming_both(registry: Registry,
                                                       tmp_path: Path) -> None:
    from testbed.errors import InputError
    path = _shop(tmp_path, replications=5, max_replications=3)
    with pytest.raises(InputError) as caught:
        load_scenario(path, registry)
    assert "max_replications (3) is below replications (5)" in str(caught.value)


def test_a_ranking_with_no_figures_settles_nothing_and_adds_no_runs(
        registry: Registry, tmp_path: Path) -> None:
    from testbed.report.summary import settling
    # Only cost weighs, and nobody is named to do the work: no option has a cost.
    document = yaml.safe_load(SMALL.read_text())
    document["compare"] = {"priorities": {"cost": 1, "payback": 0, "resilience": 0,
                                          "independence": 0}}
    document["max_replications"] = 12
    path = tmp_path / "shop.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    results = run_scenario(load_scenario(path, registry), registry, path)
    stopping = results.stopping
    assert stopping is not None and stopping.criteria == []
    assert not stopping.settled and stopping.tied == []
    assert results.replications == 3  # nothing to settle: no runs added
    assert settling(results)[0].startswith("No ranking: none of your priorities has figures")
