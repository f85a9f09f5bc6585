"""A person writes a scenario by hand and gets it wrong: `testbed validate` says what to fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BUNDLED

from testbed.cli import main

SHOP = (BUNDLED / "sme-legacy-shop.yaml").read_text()


def validate(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    path = tmp_path / "shop.yaml"
    path.write_text(text)
    code = main(["validate", str(path)])
    captured = capsys.readouterr()
    return code, captured.err


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_bundled_scenario_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(BUNDLED / "sme-legacy-shop.yaml")]) == 0
    assert "13 machines, 5 architectures" in capsys.readouterr().out


def test_a_misspelt_field_names_the_line_and_the_fields_allowed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = SHOP.replace("sample_interval: 5s}", "sample_intervl: 5s}", 1)
    code, err = validate(tmp_path, text, capsys)
    assert code == 2
    where = line_of(text, "sample_intervl")
    assert f"shop.yaml:{where}: shop.machines[4].sample_intervl: unknown field" in err
    assert "did you mean sample_interval?" in err
    assert "Traceback" not in err


def test_a_duration_in_unknown_units_lists_the_units(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = validate(tmp_path, SHOP.replace("horizon: 1y", "horizon: 2 fortnights"), capsys)
    assert code == 2
    assert "horizon: \"2 fortnights\" is not a duration" in err
    assert "units: us, ms, s, min, h, d, w, y" in err


def test_an_unknown_machine_kind_lists_the_kinds_installed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = validate(tmp_path, SHOP.replace("kind: cnc-rs232-1990s", "kind: cnc-lathe"),
                         capsys)
    assert code == 2
    assert "shop.machines[1].kind: unknown value 'cnc-lathe'; allowed values:" in err
    assert "'cnc-rs232-1990s'" in err and "'paper-station'" in err


def test_a_link_nobody_defined_is_named_with_those_that_exist(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = SHOP.replace("link: rs485-bus", "link: rs485")
    code, err = validate(tmp_path, text, capsys)
    assert code == 2
    assert f"shop.yaml:{line_of(text, 'link: rs485}')}: shop.machines[2].link: no link is " \
           "named 'rs485'; links defined under shop.links: shop-lan, shop-wifi" in err


def test_impossible_numbers_are_refused_with_their_limits(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = validate(tmp_path, SHOP.replace("horizon: 1y", "horizon: 1000000000000y")
                         .replace("count: 3, link: rs232", "count: 1000000000, link: rs232"),
                         capsys)
    assert code == 2
    assert "horizon:" in err and "shop.machines[1].count:" in err
    assert "less than or equal to 10000" in err


def test_software_an_architecture_names_must_exist(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = validate(tmp_path, SHOP.replace("consumers: [mes, cmms, erp]",
                                                "consumers: [mes, cmms, sap]", 1), capsys)
    assert code == 2
    assert "architectures[0].consumers[2]: no software is named 'sap'" in err


def test_a_missing_file_and_a_directory_are_explained(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert main(["validate", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip()
