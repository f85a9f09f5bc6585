"""What `run` and `compare` know before they start, as a user meets it: the engine fidelity
`auto` picks, the outages and breakdowns each replication can expect, and what the results say
when the runs met too few of them."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from conftest import TEST_SCENARIOS

from testbed.assemble import assemble
from testbed.cli import main
from testbed.experiments.planning import (
    MESSAGE_BUDGET,
    Preview,
    expected_events,
    resolve_fidelity,
)
from testbed.registry import Registry
from testbed.report.preview import lines
from testbed.results.run import Results
from testbed.scenario import load_scenario
from testbed.workflows.run import assemblies_of, run_scenario

SMALL = TEST_SCENARIOS / "small-shop.yaml"


def _shop(tmp_path: Path, **top: object) -> Path:
    document = yaml.safe_load(SMALL.read_text())
    document.update(copy.deepcopy(top))
    path = tmp_path / "shop.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_auto_runs_short_studies_at_message_level_and_long_ones_at_flow_level(
        registry: Registry, tmp_path: Path) -> None:
    short = load_scenario(_shop(tmp_path), registry)  # two hours, three replications
    assert short.fidelity == "auto"
    assemblies = assemblies_of(short, registry, "shop.yaml")
    assert resolve_fidelity(short, assemblies) == "message"
    year = short.model_copy(update={"horizon": 365.25 * 86400})
    assert resolve_fidelity(year, assemblies) == "flow"
    # a scenario that names its engine keeps it
    assert resolve_fidelity(year.model_copy(update={"fidelity": "message"}),
                            assemblies) == "message"
    results = run_scenario(short, registry, "shop.yaml")
    assert results.fidelity == "message"


def test_auto_switches_where_the_study_would_exceed_the_message_budget(
        registry: Registry, tmp_path: Path) -> None:
    scenario = load_scenario(_shop(tmp_path), registry)
    assemblies = assemblies_of(scenario, registry, "shop.yaml")
    from testbed.experiments.planning import emitted_per_second
    rate = sum(emitted_per_second(a) for a in assemblies)
    at_budget = MESSAGE_BUDGET / (rate * scenario.replications)
    below = scenario.model_copy(update={"horizon": at_budget * 0.99})
    above = scenario.model_copy(update={"horizon": at_budget * 1.01})
    assert resolve_fidelity(below, assemblies) == "message"
    assert resolve_fidelity(above, assemblies) == "flow"


def test_each_replication_expects_horizon_over_mtbf_plus_mttr_of_each_failure(
        registry: Registry, tmp_path: Path) -> None:
    scenario = load_scenario(_shop(tmp_path), registry)
    hub = assemble(scenario, 0, registry, "shop.yaml")
    expected = expected_events(scenario, hub)
    # broadband: up 1 h, down 5 min on average; the presses' Wi-Fi: up 30 min, down 1 min
    assert expected["broadband outages"] == pytest.approx(7200 / 3900)
    assert expected["other network outages"] == pytest.approx(7200 / 1860)


def test_the_runs_meet_about_as_many_outages_as_expected(
        registry: Registry, tmp_path: Path) -> None:
    path = _shop(tmp_path, horizon="30d", replications=3, max_replications=3)
    results = run_scenario(load_scenario(path, registry), registry, path)
    assert results.fidelity == "flow"
    for architecture in results.architectures.values():
        tally = architecture.events["broadband outages"]
        mean = tally.expected_per_replication * tally.replications  # about 1,990
        # an alternating renewal count varies less than a Poisson count of the same mean
        assert abs(tally.met - mean) < 4 * mean ** 0.5
        assert tally.replications == 3


def test_a_figure_that_met_no_outage_says_so_instead_of_zero(
        registry: Registry, tmp_path: Path) -> None:
    document = yaml.safe_load(SMALL.read_text())
    links = document["shop"]["links"]
    links[1]["outages"] = {"mtbf": "20y", "mttr": "1min"}  # Wi-Fi all but never drops
    links[2]["outages"] = {"mtbf": "20y", "mttr": "5min"}  # nor does the broadband
    path = _shop(tmp_path, shop=document["shop"])
    results = run_scenario(load_scenario(path, registry), registry, path)
    assert any(note.startswith("No broadband outages were simulated in 3 replications of 2h")
               and "read it as untested, not as zero" in note for note in results.notes)
    for architecture in results.architectures.values():
        assert architecture.events["broadband outages"].met == 0
        assert architecture.untested("loss_fraction")


def test_the_preview_names_the_engine_the_events_and_a_long_wait(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["run", str(_shop(tmp_path)), "--out", str(out), "--jobs", "1"]) == 0
    err = capsys.readouterr().err
    assert "engine: message level (fidelity auto" in err
    assert "each replication of 2h can expect 1.8 broadband outages" in err
    assert "estimated time" not in err  # seconds: nothing to warn of
    slow = Preview("message", False, 1e9, {"machine breakdowns": (0.1, 0.2)}, 50.0)
    said = lines(slow, 7200, 5, 20, 2)
    assert "estimated time: 2.08min to 8.33min on 2 processes" in " ".join(said)
    assert any(s.startswith("too few machine breakdowns to judge by") for s in said)
    assert Results.model_validate_json((out / "results.json").read_text()).fidelity == \
        "message"
