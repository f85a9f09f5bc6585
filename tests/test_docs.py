"""The docs stay true: every figure and every default is documented with its source."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT, pip_target

import testbed
from testbed import (
    ArchitectureParams,
    MachineParams,
    SoftwareParams,
    TranslatorParams,
    hookspecs,
)
from testbed.metrics.definitions import METRICS
from testbed.params import source_of
from testbed.registry import Registry
from testbed.report.catalogue import defaults_of, render_catalogue

DOCS = ROOT / "docs"


def test_every_default_of_every_builtin_item_has_a_source(registry: Registry) -> None:
    missing = [f"{item.category} {item.name}: {field}"
               for item in registry.items() if item.plugin in {"machines", "translators",
                                                               "software", "architectures"}
               for field in defaults_of(item)
               if not source_of(item.params_model, field, item.sources)]
    assert not missing, "defaults without a source:\n" + "\n".join(missing)


def test_the_catalogue_page_is_current(own_registry: Registry) -> None:
    assert (DOCS / "catalogue.md").read_text() == render_catalogue(own_registry), \
        "run `testbed plugins --builtin --format markdown > docs/catalogue.md`"


def test_every_reported_metric_is_defined_in_the_metrics_page() -> None:
    page = (DOCS / "metrics.md").read_text()
    for name in METRICS:
        assert f"### `{name}`" in page, f"docs/metrics.md does not define {name}"


# --- the plugin guide: its code runs, and it documents every hook, field and public name ----
#
# Like SimPy's docs, the guide's examples are run by the test suite. Each ```python, ```yaml and
# ```toml block of docs/plugin-authoring.md carries one HTML comment just before it:
#   <!-- file: PATH -->      the block is that file of the repository, verbatim (the file itself
#                            is installed and run by test_plugins.py and test_verify.py);
#   <!-- save: NAME -->      the block is saved as NAME in the example's directory; Python is
#                            run and scenarios are validated below, and the outputs the guide
#                            shows for `testbed validate` and try_direct.py are compared;
#   <!-- not-run: WHY -->    a sketch: Python is only compiled.
# A block without a comment fails, so an example cannot quietly stop being checked.

GUIDE = DOCS / "plugin-authoring.md"
_MARK = re.compile(r"^[ \t]*<!-- (file|save|not-run): ?(.*?) -->\n", re.MULTILINE)
_FENCE = re.compile(r"^([ \t]*)```(\w*)\n(.*?)^\1```$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Block:
    language: str
    text: str
    mark: str | None
    argument: str
    line: int


def blocks(page: Path) -> list[Block]:
    source = page.read_text()
    found = []
    for fence in _FENCE.finditer(source):
        indent, language, body = fence.groups()
        text = textwrap.dedent("".join(line.removeprefix(indent) + "\n"
                                       for line in body.splitlines()))
        before = source[:fence.start()]
        mark = None
        argument = ""
        last = list(_MARK.finditer(before))
        if last and last[-1].end() == len(before):
            mark, argument = last[-1].group(1), last[-1].group(2).strip()
        found.append(Block(language, text, mark, argument, before.count("\n") + 1))
    return found


def _checked(page: Path) -> list[Block]:
    return [b for b in blocks(page) if b.language in {"python", "yaml", "toml"}]


def test_every_code_block_of_the_guide_says_how_it_is_checked() -> None:
    loose = [f"line {b.line} ({b.language})" for b in _checked(GUIDE) if b.mark is None]
    assert not loose, ("blocks with no <!-- file/save/not-run --> comment: "
                       + ", ".join(loose))


def test_the_guide_shows_real_files_verbatim() -> None:
    for block in _checked(GUIDE):
        if block.mark == "file":
            actual = (ROOT / block.argument).read_text()
            assert block.text == actual, f"line {block.line}: differs from {block.argument}"


def test_every_python_block_of_the_guide_compiles() -> None:
    for block in _checked(GUIDE):
        if block.language == "python":
            compile(block.text, f"{GUIDE.name}:{block.line}", "exec")


@pytest.fixture(scope="module")
def guide_example(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The guide's saved blocks in a directory, ACME's gateway installed into one site
    directory, and the guide's acme-direct package (its module and pyproject.toml, as the
    guide gives them) into another."""
    work = tmp_path_factory.mktemp("guide")
    for block in _checked(GUIDE):
        if block.mark == "save":
            path = work / block.argument
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(block.text)
    gateway = tmp_path_factory.mktemp("gateway-site")
    pip_target(gateway, ROOT / "plugins" / "testbed-acme-gateway")
    direct = tmp_path_factory.mktemp("direct-site")
    pip_target(direct, work / "acme-direct")
    return {"work": work, "gateway": gateway, "direct": direct}


def _shown(page: Path, command: str) -> list[str]:
    """The lines the guide shows after ``$ command`` (up to the next prompt or block end)."""
    for block in blocks(page):
        lines = block.text.splitlines()
        if block.language == "text" and f"$ {command}" in lines:
            after = lines[lines.index(f"$ {command}") + 1:]
            return list(itertools.takewhile(lambda line: not line.startswith("$ "), after))
    raise AssertionError(f"the guide shows no `$ {command}`")


def _python(work: Path, *args: str, path: list[Path]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [*map(str, path), *filter(None, [os.environ.get("PYTHONPATH")])]),
           "COLUMNS": "200"}
    return subprocess.run([sys.executable, *args], cwd=work, capture_output=True, text=True,
                          env=env, timeout=600)


def test_the_guides_scenarios_validate_as_it_shows(guide_example: dict[str, Path]) -> None:
    work = guide_example["work"]
    scenarios = [b.argument for b in _checked(GUIDE) if b.mark == "save"
                 and b.language == "yaml"]
    assert scenarios == ["edgelink-trial.yaml", "direct.yaml"]
    for name in scenarios:
        run = _python(work, "-m", "testbed.cli", "validate", name,
                      path=[guide_example["gateway"], guide_example["direct"]])
        assert run.returncode == 0, run.stderr
        assert run.stdout.splitlines() == _shown(GUIDE, f"testbed validate {name}")


def test_the_guides_architecture_is_listed_once_installed(
        guide_example: dict[str, Path]) -> None:
    listing = _python(guide_example["work"], "-m", "testbed.cli", "plugins",
                      path=[guide_example["gateway"], guide_example["direct"]])
    assert listing.returncode == 0, listing.stderr
    rows = [[cell.strip() for cell in line.split("│")[1:4]]
            for line in listing.stdout.splitlines() if "│" in line]
    assert ["acme-direct", "architecture", "acme-direct"] in rows


# Three one-day replications (a minute or more on two cores): the slow env runs it.
@pytest.mark.slow
def test_the_guides_in_process_example_prints_what_it_shows(
        guide_example: dict[str, Path]) -> None:
    """try_direct.py runs the guide's architecture, not installed, through the real engine:
    three replications of a day, and the very figures the guide prints."""
    work = guide_example["work"]
    run = _python(work, "try_direct.py", path=[work / "acme-direct", guide_example["gateway"]])
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == _shown(GUIDE, "PYTHONPATH=acme-direct python try_direct.py")


def test_every_hook_is_documented_in_the_guide() -> None:
    page = GUIDE.read_text()
    hooks = [name for name, value in vars(hookspecs).items()
             if name.startswith("testbed_") and callable(value)]
    assert len(hooks) == 4
    for hook in hooks:
        assert f"### `{hook}`" in page, f"the plugin guide has no section for {hook}"


def _table_rows(page: str, header: str) -> list[list[str]]:
    table = page[page.index(header):].split("\n\n", 1)[0]
    return [[cell.strip() for cell in line.strip("|").split("|")]
            for line in table.splitlines()[2:]]


def test_every_field_of_the_params_bases_is_documented_in_the_guide() -> None:
    """Each base field has a row in the guide's "what the tool does with each field" table,
    under its base (or under "all bought items", for what translators and software share)."""
    rows = _table_rows(GUIDE.read_text(), "| base | field | used for |")
    documented: dict[str, set[str]] = {}
    base = ""
    for cells in rows:
        base = cells[0] or base
        documented.setdefault(base, set()).update(re.findall(r"`(\w+)`", cells[1]))
    shared = documented.get("all bought items", set())
    for label, model in [("machine", MachineParams), ("translator", TranslatorParams),
                         ("software", SoftwareParams), ("architecture", ArchitectureParams)]:
        known = documented.get(label, set())
        if model is not MachineParams and model is not ArchitectureParams:
            known = known | shared
        missing = sorted(set(model.model_fields) - known)
        assert not missing, f"{model.__name__} fields missing from the guide: {missing}"


def test_every_public_name_is_documented_in_the_guide() -> None:
    api = GUIDE.read_text().split("## The public API", 1)[1]
    missing = [name for name in testbed.__all__ if f"`{name}`" not in api]
    assert not missing, f"exported by testbed but not in the guide's public API: {missing}"
