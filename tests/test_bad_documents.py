"""Hand-written documents go wrong in every way: each loader and the CLI must answer with a
clear InputError (exit code 2) naming the file, never a traceback, a hang or a silent default.

Hypothesis mutates the bundled documents (wrong types, negative, huge and non-finite numbers,
missing and unknown keys) and throws raw text and bytes at the YAML loader. The counts tried
are in docs/reliability.md.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import BUNDLED, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testbed.assemble import assemble
from testbed.calibration import load_calibration
from testbed.claims import load_claims
from testbed.cli import main
from testbed.errors import InputError
from testbed.guidance import load_guidance
from testbed.loader import load_document
from testbed.region import generate, load_region
from testbed.registry import PluginError, Registry
from testbed.scenario import load_scenario
from testbed.workflows.calibrate import check_figures

AWKWARD = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.lists(st.integers(-3, 3), max_size=3), st.dictionaries(st.text(max_size=4),
                                                             st.integers(), max_size=2),
    st.sampled_from(["-5s", "1000000000000y", "1000000000", "-2/h", "0baud", "NaN", "inf",
                     "", "3 fortnights", "cnc-rs232-1990s", "paper", "1e308", "-0",
                     "250ms", "2/h", "9600baud", "[]", "{}"]))


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _paths(node: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [here]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*here, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*here, i))
    return found


@st.composite
def mutated(draw: st.DrawFn, original: dict[str, Any]) -> dict[str, Any]:
    document = yaml.safe_load(yaml.safe_dump(original))
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(document) if p]
        path = draw(st.sampled_from(paths))
        parent: Any = document
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["set", "set", "delete", "unknown"]))
        if action == "set":
            parent[path[-1]] = draw(AWKWARD)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(AWKWARD)
    return document


def _write(tmp: Path, document: Any) -> Path:
    path = tmp / "doc.yaml"
    path.write_text(yaml.dump(document, Dumper=_NoAliases, allow_unicode=True))
    return path


def _holds(load: Callable[[Path], Any], path: Path) -> Any:
    """Loads, or refuses with a message naming the file; anything else is a bug."""
    try:
        return load(path)
    except InputError as exc:
        text = str(exc)
        assert text.strip() and str(path) in text and "Traceback" not in text
        return None


# TESTBED_FUZZ_SCALE=10 tries ten times as many documents (docs/reliability.md).
SCALE = int(os.environ.get("TESTBED_FUZZ_SCALE", "1"))


def tries(count: int, deadline: int = 2000) -> Any:
    return settings(max_examples=count * SCALE, deadline=deadline, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _document(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


SHOP = _document(BUNDLED / "sme-legacy-shop.yaml")
CLAIMS = _document(ROOT / "plugins" / "testbed-acme-gateway" / "claims.yaml")
GUIDANCE = _document(BUNDLED / "guidance" / "sme-connectivity.yaml")
REGION = _document(BUNDLED / "regions" / "east-midlands.yaml")
CALIBRATION = {**_document(BUNDLED / "calibration" / "beaming-outages-small.yaml"),
               "scenario": str(BUNDLED / "calibration" / "scenarios" / "broadband-small.yaml")}


@tries(250)
@given(document=mutated(SHOP))
def test_mangled_scenarios_are_refused_clearly(registry: Registry, scratch: Path,
                                               document: dict[str, Any]) -> None:
    scenario = _holds(lambda p: load_scenario(p, registry), _write(scratch, document))
    if scenario is not None:
        # what validates must also be buildable, or refused by name
        for index in range(len(scenario.architectures)):
            with contextlib.suppress(InputError, PluginError):
                assemble(scenario, index, registry, "doc.yaml")
        assert math.isfinite(scenario.horizon)


@tries(40)
@given(document=mutated(CALIBRATION))
def test_mangled_calibrations_are_refused_clearly(registry: Registry, scratch: Path,
                                                  document: dict[str, Any]) -> None:
    calibration = _holds(lambda p: load_calibration(p, registry), _write(scratch, document))
    if calibration is not None:
        # the figures it names are checked before anything runs
        _holds(lambda _: check_figures(calibration), scratch / "doc.yaml")
        for figure in calibration.document.figures:
            low, high = figure.band()
            assert math.isfinite(low) and math.isfinite(high) and low <= high


@tries(400)
@given(document=mutated(CLAIMS))
def test_mangled_claims_are_refused_clearly(registry: Registry, scratch: Path,
                                            document: dict[str, Any]) -> None:
    _holds(lambda p: load_claims(p, registry), _write(scratch, document))


@tries(800)
@given(document=mutated(GUIDANCE))
def test_mangled_guidance_is_refused_clearly(registry: Registry, scratch: Path,
                                             document: dict[str, Any]) -> None:
    _holds(lambda p: load_guidance(p, registry), _write(scratch, document))


@tries(200, deadline=5000)
@given(document=mutated(REGION))
def test_mangled_regions_are_refused_clearly(registry: Registry, scratch: Path,
                                             document: dict[str, Any]) -> None:
    region = _holds(lambda p: load_region(p, registry), _write(scratch, document))
    if region is not None and region.shops <= 20:
        with contextlib.suppress(InputError):
            generate(region, registry)


@tries(2000)
@given(raw=st.one_of(st.text(max_size=300), st.binary(max_size=300).map(
    lambda b: b.decode("latin-1"))))
def test_arbitrary_text_never_escapes_the_loader(scratch: Path, raw: str) -> None:
    path = scratch / "raw.yaml"
    path.write_bytes(raw.encode("utf-8", "surrogatepass"))
    _holds(load_document, path)


@tries(60, deadline=5000)
@given(document=mutated(SHOP))
def test_the_cli_answers_exit_code_2_never_a_traceback(scratch: Path,
                                                       document: dict[str, Any],
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    code = main(["validate", str(_write(scratch, document))])
    err = capsys.readouterr().err
    assert code in (0, 2)
    assert "Traceback" not in err
    if code == 2:
        assert "doc.yaml" in err


@pytest.mark.parametrize(("change", "expected"), [
    ({"shop.machines.1.count": 1_000_000_000}, "less than or equal to 10000"),
    ({"horizon": "1000000000000y"}, "between 1min and 100y"),
    ({"shop.machines.0.state_changes": "-2/h"}, "state_changes"),
    ({"replications": 0}, "greater than or equal to 1"),
])
def test_absurd_numbers_are_refused_with_their_limits(registry: Registry, tmp_path: Path,
                                                      change: dict[str, Any],
                                                      expected: str) -> None:
    document = yaml.safe_load(yaml.safe_dump(SHOP))
    for dotted, value in change.items():
        node: Any = document
        *steps, last = [int(s) if s.isdigit() else s for s in dotted.split(".")]
        for step in steps:
            node = node[step]
        node[last] = value
    with pytest.raises(InputError, match=expected):
        load_scenario(_write(tmp_path, document), registry)


def test_a_yaml_bomb_is_refused_at_once(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]"
              for i in range(8)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines))
    with pytest.raises(InputError, match="aliases and anchors"):
        load_document(path)
