"""`testbed sweep`: a grid over scenario parameters, checked against theory where it can be."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import TEST_SCENARIOS, load

from testbed.cli import main
from testbed.experiments.executor import DaskExecutor, LocalExecutor
from testbed.registry import Registry
from testbed.workflows.sweep import parse_param, sweep

MM1 = TEST_SCENARIOS / "mm1.yaml"


def test_a_sweep_of_arrival_rates_follows_the_mm1_formula(registry: Registry) -> None:
    # mu = 10/s: mean time in the translator W = 1 / (mu - lambda)
    scenario = load(registry, MM1, horizon=1800.0, replications=6)
    results = sweep(scenario, registry, {"shop.machines[source].state_changes": [4.0, 8.0]},
                    LocalExecutor(2))
    for row in results.rows:
        rate = row.parameters["shop.machines[source].state_changes"]
        low, high = row.metrics["latency_mean_ms"].ci95  # type: ignore[misc]
        assert low <= 1000.0 / (10.0 - rate) <= high, (rate, low, high)


def test_the_grid_is_every_combination_on_any_executor(registry: Registry) -> None:
    distributed = pytest.importorskip("distributed")
    scenario = load(registry, TEST_SCENARIOS / "small-shop.yaml", horizon=1800.0,
                    replications=2)
    grid = dict([parse_param("shop.links[broadband].outages.mttr=1min,10min"),
                 parse_param("shop.machines[press].count=1,3")])
    local = sweep(scenario, registry, grid, LocalExecutor(1))
    assert len(local.rows) == 2 * 2 * len(scenario.architectures)
    assert {tuple(r.parameters.values()) for r in local.rows} == {
        ("1min", 1), ("1min", 3), ("10min", 1), ("10min", 3)}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                  dashboard_address=None) as cluster:
        executor = DaskExecutor(cluster)
        try:
            on_dask = sweep(scenario, registry, grid, executor)
        finally:
            executor.close()
    assert on_dask.model_dump() == local.model_dump()


def test_the_command_writes_a_table_json_and_charts(tmp_path: Path) -> None:
    assert main(["sweep", str(TEST_SCENARIOS / "small-shop.yaml"), "--out", str(tmp_path),
                 "--param", "shop.links[wifi].outages.mttr=30s,5min", "--quiet",
                 "--jobs", "2"]) == 0
    rows = list(csv.DictReader((tmp_path / "sweep.csv").open()))
    assert len(rows) == 2 * 2
    assert {"shop.links[wifi].outages.mttr", "architecture", "loss_fraction",
            "loss_fraction_ci95_low"} <= set(rows[0])
    data = json.loads((tmp_path / "sweep.json").read_text())
    assert data["parameters"] == {"shop.links[wifi].outages.mttr": ["30s", "5min"]}
    html = (tmp_path / "sweep.html").read_text()
    assert html.count('<svg class="chart"') >= 9 and "<script" not in html


def test_a_parameter_that_is_not_there_is_named(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", str(TEST_SCENARIOS / "small-shop.yaml"), "--out", str(tmp_path),
                 "--param", "shop.links[dsl].outages.mttr=1h", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--param shop.links[dsl].outages.mttr" in err and "entries: lan, wifi" in err
    assert main(["sweep", str(TEST_SCENARIOS / "small-shop.yaml"), "--out", str(tmp_path),
                 "--param", "horizon", "--quiet"]) == 2
    assert "is not PATH=V1,V2" in capsys.readouterr().err
