"""`testbed calibrate` reproduces published measurements through the real engine.

Each bundled calibration runs through the CLI at its quick size (the slow suite runs them at
full size) and must agree with its publication, or differ only where its document says why.
A calibration whose publication the engine does not match must FAIL, and a bad document must
be refused with a clear error.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import BUNDLED, ROOT

from testbed.calibration import json_schema
from testbed.cli import main

CALIBRATIONS = BUNDLED / "calibration"


def calibrate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["calibrate", "--format", "json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out) if out else {}


def rows_of(capsys: pytest.CaptureFixture[str], name: str) -> list[dict[str, Any]]:
    code, report = calibrate(capsys, "--quick", str(CALIBRATIONS / name))
    assert code == 0, report
    return report["rows"]  # type: ignore[no-any-return]


def test_a_modbus_rtu_read_takes_the_standards_line_time(
        capsys: pytest.CaptureFixture[str]) -> None:
    # 33 bytes and two 3.5-character silences at 11 bits a character and 9600 baud
    (row,) = rows_of(capsys, "modbus-rtu-line-time.yaml")
    assert row["verdict"] == "PASS"
    assert math.isclose(row["measured"], (33 + 7) * 11 / 9600 * 1000, rel_tol=1e-6)


def test_a_polled_change_waits_half_the_default_poll_interval(
        capsys: pytest.CaptureFixture[str]) -> None:
    (row,) = rows_of(capsys, "polling-wait.yaml")
    assert row["verdict"] == "PASS"
    low, high = row["ci95"]
    assert low <= 500.0 <= high


@pytest.mark.parametrize("size", ["micro", "small", "medium"])
def test_broadband_outages_and_downtime_agree_with_the_survey(
        capsys: pytest.CaptureFixture[str], size: str) -> None:
    rows = rows_of(capsys, f"beaming-outages-{size}.yaml")
    assert [r["figure"] for r in rows] == ["outages a year", "downtime a year"]
    assert all(r["verdict"] == "PASS" for r in rows), rows
    # a year of a renewal process: some outages in some years, never a day of them in all
    outages, downtime = rows
    assert 0 < outages["measured"] < 10 and 0 < downtime["measured"] < 100


def test_commissioning_a_device_takes_koziolek_s_hour_or_so(
        capsys: pytest.CaptureFixture[str]) -> None:
    (row,) = rows_of(capsys, "koziolek-commissioning.yaml")
    assert row["verdict"] == "PASS"
    assert row["published_spread"] == [60.0, 90.0]
    # the nominal per-device work (30 min of mapping, 30 of testing) with the effort's spread
    assert 45.0 < row["measured"] < 75.0


@pytest.mark.parametrize("protocol", ["mqtt", "opcua", "modbus"])
def test_plc_to_cloud_round_trips_are_a_known_difference(
        capsys: pytest.CaptureFixture[str], protocol: str) -> None:
    (row,) = rows_of(capsys, f"hlayel-rtt-{protocol}.yaml")
    assert row["verdict"] == "KNOWN DIFFERENCE", row
    assert "does not model" in row["reason"]
    # twice the one-way trip: the WAN's 15-50 ms (mean 32.5 ms) twice, plus the LAN and service
    assert 65.0 < row["measured"] < 90.0


def test_a_calibration_the_engine_does_not_match_fails(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # a publication claiming a polled change waits the whole interval, not half of it
    document = yaml.safe_load((CALIBRATIONS / "polling-wait.yaml").read_text())
    document["scenario"] = str(CALIBRATIONS / document["scenario"])
    document["figures"][0]["published"] = {"value": 1000}
    path = tmp_path / "whole-interval.yaml"
    path.write_text(yaml.safe_dump(document))
    code, report = calibrate(capsys, "--quick", str(path))
    assert code == 1
    (row,) = report["rows"]
    assert row["verdict"] == "FAIL"
    assert "below" in row["reason"]


def test_a_bad_calibration_document_is_refused_clearly(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    document = yaml.safe_load((CALIBRATIONS / "polling-wait.yaml").read_text())
    document["scenario"] = str(CALIBRATIONS / document["scenario"])
    document["figures"][0]["measure"]["figures"] = ["latency_avg_ms"]
    document["figures"][0]["spread"] = 3
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(document))
    assert main(["calibrate", "--quick", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "figures[0].spread" in err and "Traceback" not in err
    del document["figures"][0]["spread"]
    path.write_text(yaml.safe_dump(document))
    assert main(["calibrate", "--quick", str(path)]) == 2
    err = capsys.readouterr().err
    assert "figures[0].measure.figures[0]: no figure 'latency_avg_ms'" in err
    assert "latency_mean_ms" in err


def test_a_calibration_naming_what_its_scenario_lacks_is_refused(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    document = yaml.safe_load((CALIBRATIONS / "beaming-outages-small.yaml").read_text())
    document["scenario"] = str(CALIBRATIONS / document["scenario"])
    document["figures"][0]["measure"]["element"] = "wifi"
    document["figures"][1]["measure"]["architecture"] = "edge hub"
    path = tmp_path / "lacking.yaml"
    path.write_text(yaml.safe_dump(document))
    assert main(["calibrate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "figures[0].measure.element: the scenario has no link or software 'wifi'" in err
    assert "figures[1].measure.architecture" in err and "agent to the cloud" in err


def test_the_table_puts_published_beside_measured(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate", "--quick", str(CALIBRATIONS / "koziolek-commissioning.yaml")]) == 0
    out = capsys.readouterr().out
    assert "75 min/device (60-90)" in out and "PASS" in out and "n=10" in out


def test_the_published_calibration_schema_is_current() -> None:
    published = json.loads((ROOT / "docs" / "schema" / "calibration.schema.json").read_text())
    assert published == json.loads(json.dumps(json_schema())), \
        "run `testbed schema --kind calibration --out docs/schema/calibration.schema.json`"


@pytest.mark.slow
def test_every_calibration_holds_at_full_size(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = calibrate(capsys)
    assert code == 0
    assert report["size"] == "full"
    assert {r["verdict"] for r in report["rows"]} <= {"PASS", "KNOWN DIFFERENCE"}
    assert len(report["rows"]) == len(list(CALIBRATIONS.glob("*.yaml"))) + 3  # Beaming: 2 each
