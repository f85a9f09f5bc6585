"""The plugin API a vendor sees: one module to import from, and wirings checked hop by hop."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, TEST_SCENARIOS, pip_target

import testbed
from testbed import ArchitectureKind, ArchitectureParams, Wiring, WiringContext
from testbed.assemble import assemble
from testbed.registry import PluginError, load_registry
from testbed.scenario import load_scenario

PLUGIN_SOURCES = [ROOT / "plugins", ROOT / "tests" / "fixtures"]
DEMO = ROOT / "tests" / "fixtures" / "testbed-demo-plugin"


def _plugin_modules() -> Iterator[Path]:
    for top in PLUGIN_SOURCES:
        for path in sorted(top.rglob("*.py")):
            if "tests" not in path.relative_to(top).parts[1:]:
                yield path


def _testbed_imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        for module in modules:
            if module == "testbed" or module.startswith("testbed."):
                yield node.lineno, module


def test_every_plugin_imports_from_testbed_only() -> None:
    """The built-in catalogue, ACME's gateway and the demo plugin use the public API and
    nothing else, so it is proven to be enough."""
    modules = list(_plugin_modules())
    assert any(p.name == "architectures.py" for p in modules)
    assert any("testbed_acme_gateway" in p.parts for p in modules)
    assert any("testbed_demo_plugin" in p.parts for p in modules)
    private = [f"{path.relative_to(ROOT)}:{line}: {module}"
               for path in modules
               for line, module in _testbed_imports(ast.parse(path.read_text()))
               if module != "testbed"]
    assert not private, "plugins importing private modules:\n" + "\n".join(private)


def test_the_public_api_exports_what_it_lists() -> None:
    assert testbed.__all__ == sorted(testbed.__all__, key=lambda n: (n[0].islower(), n))
    for name in testbed.__all__:
        assert hasattr(testbed, name), name


def test_an_architecture_must_name_its_params_model() -> None:
    """The params model is what ties a kind to the context its wire function receives, so it
    has no default to fall back on."""
    def wire(ctx: WiringContext[ArchitectureParams]) -> Wiring:
        return ctx.wiring

    with pytest.raises(TypeError, match="params"):
        ArchitectureKind("no-params", "x", wire=wire)  # type: ignore[call-arg]
    assert ArchitectureKind("ok", "x", params=ArchitectureParams, wire=wire).params \
        is ArchitectureParams


# --- a hop whose protocol the next component does not read is refused at assembly ---------

_WRONG_HOP = '''
"""An architecture that feeds an edge hub's OPC UA straight into every consumer, with no
connector for software that cannot read OPC UA."""

from collections.abc import Callable

from testbed import ArchitectureKind, ArchitectureParams, Wiring, WiringContext, hookimpl


def hub_straight(ctx: WiringContext[ArchitectureParams]) -> Wiring:
    hub = ctx.place("edge-hub")
    for machine in ctx.machines:
        for consumer in ctx.consumers():
            ctx.connect(machine, [hub, ctx.add_software(consumer)])
    return ctx.wiring


def machine_straight(ctx: WiringContext[ArchitectureParams]) -> Wiring:
    """Reads every machine with the Sparkplug bridge, whatever it speaks."""
    bridge = ctx.place("sparkplug-edge-bridge")
    for machine in ctx.machines:
        for consumer in ctx.consumers():
            ctx.connect(machine, [bridge, ctx.add_software(consumer)])
    return ctx.wiring


@hookimpl
def testbed_register_architectures(register: Callable[[ArchitectureKind], None]) -> None:
    register(ArchitectureKind("hub-straight", "hub into every consumer, no connectors",
                              params=ArchitectureParams, wire=hub_straight))
    register(ArchitectureKind("bridge-everything", "the Sparkplug bridge on every machine",
                              params=ArchitectureParams, wire=machine_straight))
'''

_PYPROJECT = '''
[build-system]
requires = ["hatchling>=1.24"]
build-backend = "hatchling.build"

[project]
name = "testbed-wrong-hop"
version = "0.0.1"
dependencies = ["interop-testbed"]

[project.entry-points.testbed]
wrong = "testbed_wrong_hop"
'''


@pytest.fixture(scope="module")
def wrong_hop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package source, importable (for in-process use) from the returned directory."""
    source = tmp_path_factory.mktemp("wrong-hop")
    (source / "testbed_wrong_hop").mkdir()
    (source / "testbed_wrong_hop" / "__init__.py").write_text(textwrap.dedent(_WRONG_HOP))
    (source / "pyproject.toml").write_text(textwrap.dedent(_PYPROJECT))
    return source


@pytest.fixture(scope="module")
def wrong_hop_site(wrong_hop: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("wrong-hop-site")
    return pip_target(target, wrong_hop)


def _scenario(tmp_path: Path, architecture: str, consumer: str,
              machine: str = "plc-modbus-tcp") -> Path:
    document = {
        "name": "wrong hop", "seed": 1, "horizon": "10min", "replications": 1,
        "shop": {"backbone": "lan",
                 "links": [{"name": "lan", "kind": "lan", "latency": "1ms",
                            "bandwidth": "100Mbps"}],
                 "machines": [{"name": "press", "kind": machine, "link": "lan"}]},
        "software": [{"name": consumer, "kind": consumer}],
        "architectures": [{"name": "straight in", "kind": architecture,
                           "consumers": [consumer]}],
    }
    path = tmp_path / "wrong-hop.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_a_hop_the_consumer_cannot_read_is_refused_by_testbed_run(
        wrong_hop_site: Path, tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, "hub-straight", "erp")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [str(wrong_hop_site), os.environ.get("PYTHONPATH")]))}
    run = subprocess.run([sys.executable, "-m", "testbed.cli", "run", str(scenario), "--out",
                          str(tmp_path / "out"), "--quiet", "--jobs", "1"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert run.stderr.strip() == (
        "plugin error: architecture 'hub-straight' from plugin 'wrong' wired 'straight in' "
        "wrongly: on the data path of press, hop 1, translator 'edge-hub' (kind 'edge-hub'), "
        "emits 'opcua', which hop 2, software 'erp' (kind 'erp'), does not accept: it accepts "
        "custom, manual-entry")
    assert not (tmp_path / "out" / "results.json").exists()


@pytest.fixture
def wrong_hop_module(wrong_hop: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.syspath_prepend(str(wrong_hop))
    return importlib.import_module("testbed_wrong_hop")


def test_a_first_hop_that_cannot_read_the_machine_is_refused(
        wrong_hop_module: object, tmp_path: Path) -> None:
    registry = load_registry(disabled={"wrong"}, extra_plugins=[("wrong-here",
                                                                 wrong_hop_module)])
    path = _scenario(tmp_path, "bridge-everything", "onprem-mes", machine="cnc-rs232-1990s")
    with pytest.raises(PluginError) as caught:
        assemble(load_scenario(path, registry), 0, registry, str(path))
    assert str(caught.value) == (
        "architecture 'bridge-everything' from plugin 'wrong-here' wired 'straight in' "
        "wrongly: on the data path of press, machine press (cnc-rs232-1990s) speaks "
        "'rs232-proprietary', which hop 1, translator 'sparkplug-edge-bridge' (kind "
        "'sparkplug-edge-bridge'), does not read: it reads opcua, modbus-rtu, modbus-tcp, "
        "s7comm, ethernet-ip")


def test_a_wiring_whose_every_hop_fits_is_accepted(wrong_hop_module: object,
                                                    tmp_path: Path) -> None:
    registry = load_registry(disabled={"wrong"}, extra_plugins=[("wrong-here",
                                                                 wrong_hop_module)])
    path = _scenario(tmp_path, "hub-straight", "onprem-mes")
    assembly = assemble(load_scenario(path, registry), 0, registry, str(path))
    assert [p.hops for p in assembly.wiring.paths] == [("edge-hub", "onprem-mes")]


@pytest.fixture
def demo_module(monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.syspath_prepend(str(DEMO))
    return importlib.import_module("testbed_demo_plugin")


def test_point_to_point_reads_a_plugins_fieldbus_through_its_gateway(
        demo_module: object, tmp_path: Path) -> None:
    """The hop check's finding: point-to-point put a custom driver straight onto the demo robot
    cell, though no driver reads its demo-bus. The plugin's gateway now turns it into OPC UA
    first, and the driver reads that."""
    registry = load_registry(disabled={"demo"}, extra_plugins=[("demo-here", demo_module)])
    document = yaml.safe_load((TEST_SCENARIOS / "robot-cell.yaml").read_text())
    document["architectures"] = [{"name": "p2p", "kind": "point-to-point",
                                  "consumers": ["mes"]}]
    path = tmp_path / "robot-p2p.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    assembly = assemble(load_scenario(path, registry), 0, registry, str(path))
    assert [p.hops for p in assembly.wiring.paths] == [
        ("demo-gateway", "custom-driver@cell>mes", "mes")]
