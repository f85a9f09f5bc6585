"""The plugin contract, proven the way a vendor would meet it: a real installed package."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import pytest
import yaml
from conftest import ROOT, TEST_SCENARIOS, pip_target
from testbed_catalogue.machines import PlcModbusTcp

from testbed import (
    Constant,
    DistributionSpec,
    MachineKind,
    TranslatorKind,
    TranslatorParams,
    hookimpl,
)
from testbed.errors import InputError
from testbed.registry import PluginError, Registry, load_registry
from testbed.scenario import load_scenario

DEMO = ROOT / "tests" / "fixtures" / "testbed-demo-plugin"


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo plugin installed with pip into its own site directory."""
    target = tmp_path_factory.mktemp("site")
    return pip_target(target, DEMO)


def run_cli(*args: str, site: Path | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, **(env or {})}
    if site is not None:
        environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site),
                                                              environ.get("PYTHONPATH")]))
    return subprocess.run([sys.executable, "-m", "testbed.cli", *args], capture_output=True,
                          text=True, env=environ, timeout=300)


def test_an_installed_plugin_appears_in_testbed_plugins(demo_site: Path) -> None:
    listing = run_cli("plugins", site=demo_site)
    assert listing.returncode == 0, listing.stderr
    assert "demo-robot-cell" in listing.stdout
    assert "demo-gateway" in listing.stdout
    assert "testbed-demo-plugin 0.3.0" in listing.stdout.replace("\n", " ")


def test_an_installed_plugin_can_be_used_in_a_scenario(demo_site: Path,
                                                        tmp_path: Path) -> None:
    scenario = str(TEST_SCENARIOS / "robot-cell.yaml")
    assert run_cli("validate", scenario, site=demo_site).returncode == 0
    run = run_cli("run", scenario, "--out", str(tmp_path), "--quiet", "--jobs", "1",
                  site=demo_site)
    assert run.returncode == 0, run.stderr
    results = (tmp_path / "results.json").read_text()
    assert '"demo-gateway"' in results  # the architecture picked the vendor's gateway
    assert '"demo": "testbed-demo-plugin 0.3.0"' in results


def test_a_blocked_plugin_is_not_loaded(demo_site: Path) -> None:
    blocked = {"TESTBED_DISABLED_PLUGINS": "demo"}
    assert "demo-robot-cell" not in run_cli("plugins", site=demo_site, env=blocked).stdout
    refused = run_cli("validate", str(TEST_SCENARIOS / "robot-cell.yaml"), site=demo_site,
                      env=blocked)
    assert refused.returncode == 2
    assert "unknown value 'demo-robot-cell'" in refused.stderr
    also = run_cli("--disable-plugin", "demo", "plugins", site=demo_site)
    assert "demo-robot-cell" not in also.stdout


class _Duplicate:
    @hookimpl
    def testbed_register_machine_kinds(self, register: Callable[[MachineKind], None]) -> None:
        register(MachineKind("plc-modbus-tcp", "an impostor", params=PlcModbusTcp))


def test_a_duplicate_name_is_an_error_naming_both_plugins() -> None:
    with pytest.raises(PluginError) as caught:
        load_registry(extra_plugins=[("impostor", _Duplicate())])
    message = str(caught.value)
    assert "'plc-modbus-tcp' is registered twice" in message
    assert "'machines'" in message and "'impostor'" in message


class _Raises:
    @hookimpl
    def testbed_register_translators(self, register: Callable[[TranslatorKind], None]) -> None:
        raise RuntimeError("licence server unreachable")


class _Misspelt:
    @hookimpl
    def testbed_register_machines(self, register: Callable[[MachineKind], None]) -> None:
        """Not a hook: the spec is testbed_register_machine_kinds."""


class _WrongType:
    @hookimpl
    def testbed_register_machine_kinds(self, register: Callable[[object], None]) -> None:
        register({"name": "dict-machine"})


class _ImpossibleDefault:
    @hookimpl
    def testbed_register_translators(self, register: Callable[[TranslatorKind], None]) -> None:
        class Loose(TranslatorParams):
            role: Literal["gateway"] = "gateway"
            location: Literal["edge"] = "edge"
            inputs: list[str] = ["modbus-tcp"]
            output: str = "opcua"
            open_output: bool = True
            service_time: DistributionSpec = Constant(dist="constant", value=0.01)
            servers: int = -3  # redeclared for its default, which pydantic lets drop ge=1

        register(TranslatorKind(name="loose-gateway", description="x", params=Loose))


@pytest.mark.parametrize(("plugin", "expected"), [
    (_Raises(), "plugin 'broken' raised in testbed_register_translators: RuntimeError: "
                "licence server unreachable"),
    (_Misspelt(), "plugin 'broken' implements a hook the testbed does not have"),
    (_WrongType(), "plugin 'broken' registered {'name': 'dict-machine'} where a MachineKind "
                   "was expected"),
    (_ImpossibleDefault(), "plugin 'broken': the defaults of translator 'loose-gateway' are "
                           "invalid"),
])
def test_a_broken_plugin_is_named_in_a_clear_error(plugin: object, expected: str) -> None:
    with pytest.raises(PluginError, match="broken") as caught:
        load_registry(extra_plugins=[("broken", plugin)])
    assert expected in str(caught.value)


def test_testbed_plugins_lists_every_builtin_with_its_plugin() -> None:
    listing = run_cli("plugins", env={"COLUMNS": "200"})
    assert listing.returncode == 0
    for name in ("paper-station", "cnc-rs232-1990s", "serial-retrofit-kit", "cmms",
                 "vendor-cloud"):
        assert name in listing.stdout
    assert "interop-testbed" in listing.stdout


def test_a_redeclared_default_keeps_the_testbeds_limits_for_the_user_too(
        registry: Registry, tmp_path: Path) -> None:
    """The catalogue's paper station redeclares tag_count only to give it another default;
    a scenario still cannot give it a negative number of tags."""
    document = yaml.safe_load((TEST_SCENARIOS / "small-shop.yaml").read_text())
    for machine in document["shop"]["machines"]:
        if machine["kind"] == "paper-station":
            machine["tag_count"] = -5
    path = tmp_path / "negative-tags.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    with pytest.raises(InputError) as caught:
        load_scenario(path, registry)
    message = str(caught.value)
    assert "tag_count" in message and "greater than or equal to 0" in message
