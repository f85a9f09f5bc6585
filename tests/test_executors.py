"""Every command runs its tasks on one executor: in this process, in local worker processes or
on a Dask cluster, with the same figures on each. The cluster here is a real Dask LocalCluster
with worker processes, reached by its address as a user's would be."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import TEST_SCENARIOS

from testbed.cli import main

SHOP = str(TEST_SCENARIOS / "small-shop.yaml")
QUICK = ["--horizon", "30min", "--replications", "2"]


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def _outputs(folder: Path, names: list[str]) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in names}


def _without_commands(value: Any) -> Any:
    """A JSON document less the command lines it records (they name the folder and the
    executor, which differ on purpose), so what remains are the figures and verdicts."""
    if isinstance(value, dict):
        return {k: _without_commands(v) for k, v in value.items() if k != "command"}
    if isinstance(value, list):
        return [_without_commands(v) for v in value]
    return value


def _figures(folder: Path, name: str) -> Any:
    return _without_commands(json.loads((folder / name).read_text()))


def test_run_gives_the_same_results_in_one_process_and_on_dask(tmp_path: Path,
                                                               scheduler: str) -> None:
    assert main(["run", SHOP, "--out", str(tmp_path / "one"), "--jobs", "1", "--quiet",
                 *QUICK]) == 0
    assert main(["run", SHOP, "--out", str(tmp_path / "dask"), "--executor", "dask",
                 "--scheduler", scheduler, "--quiet", *QUICK]) == 0
    assert _outputs(tmp_path / "one", ["results.json"]) == \
        _outputs(tmp_path / "dask", ["results.json"])


# Two compares of the small shop with their outage what-ifs: a minute or two on two cores.
@pytest.mark.slow
def test_compare_with_its_outage_what_ifs_runs_on_dask(tmp_path: Path, scheduler: str) -> None:
    assert main(["compare", SHOP, "--out", str(tmp_path / "one"), "--jobs", "1", "--quiet",
                 *QUICK]) == 0
    assert main(["compare", SHOP, "--out", str(tmp_path / "dask"), "--executor", "dask",
                 "--scheduler", scheduler, "--quiet", *QUICK]) == 0
    assert _figures(tmp_path / "one", "results.json") == \
        _figures(tmp_path / "dask", "results.json")
    assert _figures(tmp_path / "one", "results.json")["compare"]["outages"]


# The product is a built-in gateway, so every Dask worker has it (a vendor's plugin must be
# installed on every worker, as docs/verify.md says).
GATEWAY_CLAIMS = """
product: {name: Catalogue gateway, vendor: Generic, translator: modbus-opcua-gateway}
seed: 7
claims:
  - {id: G-COMPAT, level: MUST, type: compatibility, statement: Reads Modbus TCP PLCs,
     machines: [plc-modbus-tcp], architectures: [edge-gateway-hub, opcua-aggregation]}
  - {id: G-OPEN, level: MAY, type: openness, statement: Open output,
     machine: plc-modbus-tcp, architecture: opcua-aggregation, max_lock_in_score: 60}
"""


def test_verify_judges_the_same_cases_on_dask(tmp_path: Path, scheduler: str) -> None:
    claims = tmp_path / "claims.yaml"
    claims.write_text(GATEWAY_CLAIMS)
    one = main(["verify", str(claims), "--out", str(tmp_path / "one"), "--jobs", "1",
                "--quiet"])
    on_dask = main(["verify", str(claims), "--out", str(tmp_path / "dask"), "--executor",
                    "dask", "--scheduler", scheduler, "--quiet"])
    assert one == on_dask
    verdicts = _figures(tmp_path / "one", "verdicts.json")
    assert [len(c["cases"]) for c in verdicts["claims"]] == [2, 1]
    assert verdicts == _figures(tmp_path / "dask", "verdicts.json")
    assert _outputs(tmp_path / "one", ["junit.xml"]) == _outputs(tmp_path / "dask", ["junit.xml"])


def test_dask_without_a_scheduler_is_a_clear_input_error(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    assert main(["run", SHOP, "--out", str(tmp_path), "--executor", "dask"]) == 2
    assert "--scheduler" in capsys.readouterr().err
