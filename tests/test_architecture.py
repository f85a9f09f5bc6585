"""The layers of docs/architecture.md hold, and a wrong import breaks the lint env.

import-linter reads the contract from pyproject.toml; these tests run it as `tox -e lint` does,
on this tree and on a copy with one import that runs the wrong way.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LINT_IMPORTS, "--config", str(root / "pyproject.toml")], cwd=root,
                          capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)})


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "testbed", tmp_path / "testbed",
                    ignore=shutil.ignore_patterns("__pycache__"))
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    contracts = config.pop("contracts")
    lines = ["[tool.importlinter]"]
    lines += [f"{key} = {_toml(value)}" for key, value in config.items()]
    for contract in contracts:
        lines.append("[[tool.importlinter.contracts]]")
        lines += [f"{key} = {_toml(value)}" for key, value in contract.items()]
    (tmp_path / "pyproject.toml").write_text("\n".join(lines) + "\n")
    return tmp_path


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value).replace('"', '\\"') + '"'


def test_the_tree_keeps_its_layers() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Layers run one way KEPT" in result.stdout


@pytest.mark.parametrize(("module", "wrong"), [
    ("params.py", "testbed.sim.sketch"),            # a document reaching into the engine
    ("sim/model.py", "testbed.metrics.latency"),    # the engine reaching up to a metric
    ("report/table.py", "testbed.workflows.run"),   # rendering running a workflow
    ("results/run.py", "testbed.experiments.summary"),  # the contract computing statistics
    ("sim/flow/buffer.py", "testbed.sim.flow.plan"),  # a flow module reaching below its order
])
def test_an_import_that_runs_the_wrong_way_breaks_the_lint(tmp_path: Path, module: str,
                                                          wrong: str) -> None:
    root = _copy(tmp_path)
    target = root / "testbed" / module
    target.write_text(target.read_text() + f"\nimport {wrong}  # noqa: E402\n")
    result = _lint(root)
    assert result.returncode != 0
    source = "testbed." + module.removesuffix(".py").replace("/", ".")
    assert f"{source} -> {wrong}" in result.stdout, result.stdout
