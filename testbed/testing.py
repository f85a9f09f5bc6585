"""A pytest plugin for testbed plugin authors (loaded automatically where testbed is installed,
like tox's own ``tox.pytest``).

Fixtures:

* ``testbed_registry``: every installed plugin, loaded as the ``testbed`` command loads them.
* ``reference_shop``: a factory ``(product, machine, machines=4, architecture=...,
  horizon="30min") -> Scenario`` building the reference shop `testbed verify` uses.
* ``run_reference``: a factory ``(scenario, replication=0) -> Outcome`` running one replication
  and returning its figures (``outcome.metrics["latency_p95_ms"]`` and so on).
* ``verify_claims``: a factory ``(path, only=None) -> VerificationReport`` running `testbed
  verify` in-process on a claims file.

Functions, for trying a plugin in-process before it is packaged:

* ``load_registry(extra_plugins=[(name, module)])``: the installed plugins plus in-process ones.
* ``load_scenario(path, registry)``: a scenario file, validated against that registry.
* ``run_scenario(scenario, registry, path)``: every architecture over every replication, as the
  results of ``testbed run`` (in this process; in-process plugins are not seen by workers).

Like ``testbed`` itself, this module is part of the plugin API; see docs/plugin-authoring.md
for a worked example.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from testbed.claims import load_claims
from testbed.experiments.replications import Outcome, run_replication
from testbed.loader import validate_document
from testbed.registry import Registry, load_registry
from testbed.results.verify import VerificationReport
from testbed.scenario import Scenario, load_scenario, scenario_model
from testbed.workflows.reference import reference_document
from testbed.workflows.run import run_scenario
from testbed.workflows.verify import verify

__all__ = [
    "load_registry",
    "load_scenario",
    "reference_shop",
    "run_reference",
    "run_scenario",
    "testbed_registry",
    "verify_claims",
]

ReferenceShop = Callable[..., Scenario]


@pytest.fixture(scope="session")
def testbed_registry() -> Registry:
    """The installed plugins, loaded through the ``testbed`` entry-point group."""
    return load_registry()


@pytest.fixture
def reference_shop(testbed_registry: Registry) -> ReferenceShop:
    def build(product: str, machine: str, machines: int = 4,
              architecture: str = "edge-gateway-hub", horizon: str = "30min",
              seed: int = 1) -> Scenario:
        document = reference_document(testbed_registry, product, machine, machines,
                                      architecture, seed, horizon)
        return validate_document(scenario_model(testbed_registry), document, "reference shop",
                                 None)
    return build


@pytest.fixture
def run_reference(testbed_registry: Registry) -> Callable[..., Outcome]:
    def run(scenario: Scenario, replication: int = 0) -> Outcome:
        return run_replication(scenario, testbed_registry, 0, replication, "reference shop")
    return run


@pytest.fixture
def verify_claims(testbed_registry: Registry) -> Callable[..., VerificationReport]:
    def run(path: str | os.PathLike[str], only: set[str] | None = None) -> VerificationReport:
        document = load_claims(path, testbed_registry)
        return verify(document, testbed_registry, path, f"pytest {os.fspath(path)}", only)
    return run
