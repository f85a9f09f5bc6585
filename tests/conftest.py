"""Shared fixtures: the installed registry and helpers that run scenarios the way users do."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from testbed.assemble import assemble
from testbed.registry import OWN_DISTRIBUTION, Registry, load_registry
from testbed.results.run import Results
from testbed.scenario import Scenario, load_scenario
from testbed.sim.model import FactoryModel
from testbed.workflows.run import run_scenario

ROOT = Path(__file__).resolve().parent.parent
TEST_SCENARIOS = ROOT / "tests" / "scenarios"
BUNDLED = ROOT / "scenarios"


@pytest.fixture(scope="session", autouse=True)
def _no_runner_terminal_size() -> Iterator[None]:
    """The commands the tests start see no COLUMNS or LINES of the runner's own (pytest-xdist's
    workers set 80 x 24): a test that cares about the width says so itself."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("COLUMNS", raising=False)
        patch.delenv("LINES", raising=False)
        yield


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="session")
def own_registry() -> Registry:
    """The testbed's own catalogue only, whatever else is installed."""
    return load_registry(only_distribution=OWN_DISTRIBUTION)


def load(registry: Registry, path: Path, **overrides: object) -> Scenario:
    scenario = load_scenario(path, registry)
    return scenario.model_copy(update=overrides) if overrides else scenario


def run(registry: Registry, path: Path, **overrides: object) -> Results:
    return run_scenario(load(registry, path, **overrides), registry, path)


def model(registry: Registry, path: Path, architecture: int = 0, seed: int = 1,
          **overrides: object) -> FactoryModel:
    scenario = load(registry, path, **overrides)
    assembly = assemble(scenario, architecture, registry, str(path))
    return FactoryModel(assembly.machines, assembly.network, assembly.wiring, seed)


def pip_target(target: Path, *packages: Path) -> Path:
    """``packages`` installed with pip into their own site directory, as a vendor's user would
    install them; add ``target`` to PYTHONPATH to see them."""
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--target", str(target), *map(str, packages)],
                   check=True, capture_output=True)
    return target
