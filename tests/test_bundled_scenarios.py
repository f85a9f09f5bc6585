"""The scenarios shipped in `scenarios/` work as a new user would first try them.

An adviser picks a bundled shop, checks it with `testbed validate`, and runs it, shortened to
six hours so the story stays quick, with two replications on one process. Each run must finish
cleanly and give every figure the documentation promises for every candidate architecture.
The food producer has a story of its own: its paper records arrive late, and wiring every
machine to every system by hand multiplies the interfaces.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import BUNDLED

from testbed.cli import main
from testbed.metrics.definitions import METRICS, Metric
from testbed.results.run import Results

SCENARIOS = sorted(BUNDLED.glob("*.yaml"))
SHORT_HORIZON = "6h"
FOOD_PRODUCER = BUNDLED / "food-producer.yaml"


def needs_people(metric: Metric) -> bool:
    """Effort and money are estimated only when the scenario names who does the work."""
    return (metric.name.startswith(("effort_", "meets_payback"))
            or "GBP" in metric.unit or metric.unit == "months")


def machine_ids(document: dict[str, Any], kind: str | None = None,
                exclude_kind: str | None = None) -> list[str]:
    """Machine ids as results.json names them: `name-1`, `name-2`... when `count` > 1."""
    ids = []
    for entry in document["shop"]["machines"]:
        if (kind and entry["kind"] != kind) or (exclude_kind and entry["kind"] == exclude_kind):
            continue
        count = entry.get("count", 1)
        ids += [entry["name"]] if count == 1 else [f"{entry['name']}-{i}"
                                                   for i in range(1, count + 1)]
    return ids


Run = tuple[dict[str, Any], Results]


@pytest.fixture(scope="module")
def shortened(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Run]:
    """Validate a bundled scenario as shipped, then run it end to end over a short horizon.

    Each scenario runs once for the whole module; every story below reads the same results.
    """
    runs: dict[Path, Run] = {}

    def run(path: Path) -> Run:
        if path in runs:
            return runs[path]
        assert main(["validate", str(path)]) == 0, f"{path.name} does not validate as shipped"
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        document["horizon"] = SHORT_HORIZON
        work = tmp_path_factory.mktemp(path.stem)
        short = work / path.name
        short.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        out = work / "out"
        code = main(["run", str(short), "--out", str(out), "--quiet", "--replications", "2",
                     "--jobs", "1"])
        assert code == 0, f"`testbed run` on {path.name} exited with {code}"
        text = (out / "results.json").read_text(encoding="utf-8")
        runs[path] = (document, Results.model_validate_json(text))
        return runs[path]

    return run


each_scenario = pytest.mark.parametrize("path", SCENARIOS, ids=lambda path: path.stem)


def test_there_are_bundled_scenarios_to_try() -> None:
    assert FOOD_PRODUCER in SCENARIOS
    assert len(SCENARIOS) >= 2


@each_scenario
def test_every_architecture_reports_every_promised_figure(
        path: Path, shortened: Callable[[Path], Run]) -> None:
    document, results = shortened(path)
    assert set(results.architectures) == {a["name"] for a in document["architectures"]}
    assert results.replications == 2
    has_people = bool(document["shop"].get("people"))
    promised = {name for name, metric in METRICS.items()
                if has_people or not needs_people(metric)}
    for name, architecture in results.architectures.items():
        missing = promised - set(architecture.metrics)
        assert not missing, f"{name} lacks {sorted(missing)}"
        if not has_people:
            assert not {m for m in architecture.metrics if needs_people(METRICS[m])}


@each_scenario
def test_what_was_not_delivered_was_lost(path: Path, shortened: Callable[[Path], Run]) -> None:
    _, results = shortened(path)
    for name, architecture in results.architectures.items():
        figures = [architecture.metrics, *architecture.per_consumer.values()]
        for figure in figures:
            delivered, lost = figure["delivered_fraction"].mean, figure["loss_fraction"].mean
            assert delivered is not None and lost is not None, name
            assert delivered + lost == pytest.approx(1.0), name


def test_food_producer_paper_records_arrive_late_where_networked_data_does_not(
        shortened: Callable[[Path], Run]) -> None:
    # Paper records reach software only when the operator collects the sheets (every two
    # hours) and keys them in, far beyond the MES's, CMMS's and monitoring's five-minute
    # deadlines; networked machines are polled every two minutes.
    document, results = shortened(FOOD_PRODUCER)
    paper = machine_ids(document, kind="paper-station")
    networked = machine_ids(document, exclude_kind="paper-station")
    assert paper and networked
    for name, architecture in results.architectures.items():
        late: dict[str, float] = {}
        for machine in paper + networked:
            share = architecture.per_machine[machine]["late_fraction"].mean
            assert share is not None, f"{name}: nothing generated by {machine}"
            late[machine] = share
        least_late_paper = min(late[m] for m in paper)
        assert least_late_paper > 0.5, f"{name}: {late}"
        assert least_late_paper > max(late[m] for m in networked), f"{name}: {late}"


def test_food_producer_point_to_point_needs_an_interface_per_machine_and_system(
        shortened: Callable[[Path], Run]) -> None:
    document, results = shortened(FOOD_PRODUCER)
    machines = len(machine_ids(document))
    wired = [a for a in document["architectures"] if a["kind"] == "point-to-point"]
    assert wired
    for entry in wired:
        interfaces = results.architectures[entry["name"]].metrics["interfaces"].mean
        assert interfaces == machines * len(entry["consumers"])
