"""The scenarios shipped in `scenarios/` work as a new user would first try them.

An adviser picks a bundled shop, checks it with `testbed validate`, and runs it, shortened to
a few hours so the story stays quick, with two replications on one process. Each run must
finish cleanly and give every figure the documentation promises for every candidate
architecture. The food producer has a story of its own: its paper records arrive late, and
wiring every machine to every system by hand multiplies the interfaces. Each sector starter
reads its machines the way its header says each candidate would. In the slow env, each
scenario runs its year at the default fidelity.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import BUNDLED

from testbed.assemble import assemble
from testbed.cli import main
from testbed.metrics.definitions import METRICS, Metric
from testbed.registry import Registry
from testbed.results.run import Results
from testbed.scenario import load_scenario

SCENARIOS = sorted(BUNDLED.glob("*.yaml"))
FOOD_PRODUCER = BUNDLED / "food-producer.yaml"
MOULDER = BUNDLED / "plastics-moulder.yaml"
MACHINING = BUNDLED / "precision-machining.yaml"
# Each shop's short run from the simulation's start, Monday 00:00: long enough for the food
# producer's two-hourly paper rounds, for the moulder (running since Sunday 22:00, a shot every
# 30 s) two hours, for the machining shop two hours after it opens at 06:00. Short runs keep
# the default suite's budget.
SHORT_HORIZONS = {"food-producer": "6h", "plastics-moulder": "2h", "precision-machining": "8h"}
SHORT_HORIZON = "6h"


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
        document["horizon"] = SHORT_HORIZONS.get(path.stem, SHORT_HORIZON)
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
    assert {FOOD_PRODUCER, MOULDER, MACHINING} <= set(SCENARIOS)
    assert len(SCENARIOS) >= 4


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


def first_readers(registry: Registry, path: Path) -> dict[str, dict[str, set[str]]]:
    """For each architecture, by name, and each machine entry, the translator kinds that read
    its machines first."""
    scenario = load_scenario(path, registry)
    found: dict[str, dict[str, set[str]]] = {}
    for index, architecture in enumerate(scenario.architectures):
        assembly = assemble(scenario, index, registry, str(path))
        entries = {m.id: m.entry for m in assembly.machines}
        readers = found[architecture.name] = {}
        for data in assembly.wiring.paths:
            readers.setdefault(entries[data.machine], set()).add(
                assembly.wiring.components[data.hops[0]].kind)
    return found


def test_moulder_presses_are_read_as_each_candidate_promises(registry: Registry) -> None:
    # The moulding MES vendor's hub reads the EUROMAP 63 session folders, the S7 and the
    # serial scales itself; only the CMM's files need the collector.
    readers = first_readers(registry, MOULDER)
    hub = readers["MES vendor's hub"]
    assert {entry: hub[entry] for entry in ("press", "material-system", "count-scale")} == {
        "press": {"edge-hub"}, "material-system": {"edge-hub"}, "count-scale": {"edge-hub"}}
    assert hub["vision-cmm"] == {"file-collector"}
    # On the OPC UA route the EUROMAP 77 machines need no adapter; every other interface does.
    opcua = readers["OPC UA (EUROMAP 77)"]
    assert opcua["e-press"] == {"opcua-aggregation-server"}
    assert opcua["press"] == opcua["vision-cmm"] == {"file-collector"}
    assert opcua["material-system"] == {"plc-opcua-gateway"}
    assert opcua["count-scale"] == opcua["box-labeller"] == {"serial-retrofit-kit"}


def test_food_producer_reads_its_packml_line_natively_and_its_serial_devices_by_retrofit(
        registry: Registry) -> None:
    readers = first_readers(registry, FOOD_PRODUCER)
    assert readers["OPC UA aggregation"]["pack-line"] == {"opcua-aggregation-server"}
    uns = readers["Unified namespace (MQTT)"]
    assert uns["weigh-up-scale"] == uns["pallet-labeller"] == {"serial-retrofit-kit"}


def test_machining_shop_result_files_are_collected_unless_a_driver_is_written(
        registry: Registry) -> None:
    for name, readers in first_readers(registry, MACHINING).items():
        expected = {"custom-driver"} if name == "Custom drivers" else {"file-collector"}
        assert readers["cmm"] == readers["tool-presetter"] == expected, name


# A year of each at the default fidelity, replicated until its ranking settles (3 to 30 s
# each here, about 75 s in all): the slow env runs it.
@pytest.mark.slow
@each_scenario
def test_a_year_at_the_default_fidelity_runs_at_flow_level_and_ranks_everyone(
        path: Path, tmp_path: Path) -> None:
    assert main(["run", str(path), "--out", str(tmp_path), "--quiet"]) == 0
    results = Results.model_validate_json((tmp_path / "results.json").read_text())
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert results.fidelity == "flow"
    assert results.stopping is not None
    assert sorted(results.stopping.order) == sorted(a["name"] for a in document["architectures"])
