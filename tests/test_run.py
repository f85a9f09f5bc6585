"""`testbed run` as a user meets it: results.json follows the contract and is reproducible."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import BUNDLED, ROOT, TEST_SCENARIOS

from testbed.cli import main
from testbed.registry import Registry
from testbed.results.run import SCHEMA_VERSION, Results, results_schema
from testbed.scenario import json_schema, load_scenario

SMALL = TEST_SCENARIOS / "small-shop.yaml"
LATENCY_AND_CONNECTIVITY = {
    "latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "latency_max_ms",
    "delivered_fraction", "late_fraction", "loss_fraction", "max_visibility_gap_s",
    "production_lost_parts"}
LOCK_IN = {"lock_in_score", "switching_cost_hours", "proprietary_path_share", "vendor_hhi",
           "skills_to_absorb"}
NEEDS_PEOPLE = {"effort_person_hours", "effort_cost_gbp", "effort_calendar_weeks", "capex_gbp",
                "opex_gbp_per_month", "benefit_gbp_per_month", "payback_months"}


def run_to(out: Path, *extra: str) -> bytes:
    assert main(["run", str(SMALL), "--out", str(out), "--quiet", *extra]) == 0
    return (out / "results.json").read_bytes()


def test_results_follow_the_contract(tmp_path: Path) -> None:
    results = Results.model_validate_json(run_to(tmp_path, "--jobs", "1"))
    assert results.schema_version == SCHEMA_VERSION
    assert results.seed == 42 and results.replications == 3
    assert set(results.architectures) == {"hub", "vendor cloud"}
    for architecture in results.architectures.values():
        assert set(architecture.metrics) >= LATENCY_AND_CONNECTIVITY | LOCK_IN
        # with nobody named to do the work, effort and money are not made up
        assert not NEEDS_PEOPLE & set(architecture.metrics)
        assert any("no people named" in note for note in architecture.notes)
        for summary in architecture.metrics.values():
            assert summary.n == 3 and summary.unit
        fractions = architecture.metrics
        total = fractions["delivered_fraction"].mean + fractions["loss_fraction"].mean
        assert total == pytest.approx(1.0)
        assert {"mes", "cloud"} <= set(architecture.per_consumer) or \
            {"cloud-mes", "cloud"} <= set(architecture.per_consumer)
        assert {"bench", "press-1", "press-2", "laser"} == set(architecture.per_machine)


def test_same_seed_gives_byte_identical_results_on_any_number_of_processes(
        tmp_path: Path) -> None:
    one = run_to(tmp_path / "a", "--jobs", "1")
    two = run_to(tmp_path / "b", "--jobs", "2")
    assert one == two
    other = run_to(tmp_path / "c", "--jobs", "1", "--seed", "43")
    assert json.loads(other)["architectures"] != json.loads(one)["architectures"]


def test_every_bundled_scenario_is_valid(registry: Registry) -> None:
    paths = sorted(BUNDLED.glob("*.yaml"))
    assert paths
    for path in paths:
        assert main(["validate", str(path)]) == 0, path


def test_published_schemas_are_current(own_registry: Registry) -> None:
    published = json.loads((ROOT / "docs" / "schema" / "scenario.schema.json").read_text())
    assert published == json.loads(json.dumps(json_schema(own_registry))), \
        "run `testbed schema --builtin --out docs/schema/scenario.schema.json`"
    published = json.loads((ROOT / "docs" / "schema" / "results.schema.json").read_text())
    assert published == json.loads(json.dumps(results_schema())), \
        "run `testbed schema --kind results --out docs/schema/results.schema.json`"


def test_the_scenario_schema_accepts_the_bundled_scenario(registry: Registry) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    document = yaml.safe_load((BUNDLED / "sme-legacy-shop.yaml").read_text())
    jsonschema.validate(document, json_schema(registry))
    load_scenario(BUNDLED / "sme-legacy-shop.yaml", registry)


@pytest.mark.slow  # a year at flow level, twice: about 50 s here
def test_a_year_at_flow_level_from_the_command_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An adviser looks a year ahead without editing the file: the command line overrides the
    fidelity and the horizon, and the results say so."""
    out = tmp_path / "year"
    code = main(["run", str(TEST_SCENARIOS / "small-shop.yaml"), "--fidelity", "flow",
                 "--horizon", "1y", "--replications", "2", "--out", str(out), "--quiet"])
    assert code == 0
    results = Results.model_validate_json((out / "results.json").read_text())
    assert results.horizon_s == pytest.approx(365.25 * 86_400, rel=0.01)
    assert main(["run", str(TEST_SCENARIOS / "small-shop.yaml"), "--horizon", "200y",
                 "--out", str(tmp_path / "no"), "--quiet"]) == 2
    assert "horizon" in capsys.readouterr().err
