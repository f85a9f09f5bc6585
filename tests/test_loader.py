"""Scenario files written by hand: every mistake comes back as a line number and a plain message."""

import pickle
import time
from pathlib import Path
from typing import Annotated, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, model_validator

from testbed.errors import InputError, Problem
from testbed.loader import MAX_DEPTH, load_document, load_model, validate_document
from testbed.units import Bandwidth, Duration


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Cnc(Strict):
    kind: Literal["cnc-1990s"]
    name: str
    cycle_time: Duration


class Plc(Strict):
    kind: Literal["plc-2005"]
    name: str
    scan_rate: int
    link: Bandwidth = 9600 / 11


Machine = Annotated[Cnc | Plc, Field(discriminator="kind")]


class Link(Strict):
    medium: Literal["rs485", "ethernet"]
    speed: Bandwidth


class Shop(Strict):
    name: str
    machines: list[Machine]
    links: dict[str, Link] = {}
    backup: Cnc | Plc | None = None


class Scenario(Strict):
    shop: Shop
    seed: int = 0
    horizon: Duration = 86400

    @model_validator(mode="after")
    def _needs_machines(self) -> "Scenario":
        if not self.shop.machines:
            raise ValueError("a shop needs at least one machine; add one under shop.machines")
        return self


GOOD = """\
# A small shop with two legacy machines.
shop:
  name: Plant 7
  machines:
    - kind: cnc-1990s
      name: lathe
      cycle_time: 5min
    - kind: plc-2005
      name: press
      scan_rate: 10
      link: 19200baud
  links:
    floor:
      medium: rs485
      speed: 9600baud
horizon: 30d
"""


def write(tmp_path: Path, text: str, name: str = "shop.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refusal(model: type[BaseModel], path: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        load_model(model, path)
    return caught.value


# --- the happy path -------------------------------------------------------------------------


def test_a_good_scenario_loads_with_its_units_converted(tmp_path: Path) -> None:
    scenario = load_model(Scenario, write(tmp_path, GOOD))
    lathe, press = scenario.shop.machines
    assert isinstance(lathe, Cnc) and lathe.cycle_time == 300
    assert isinstance(press, Plc) and press.link == pytest.approx(19200 / 11)
    assert scenario.horizon == 30 * 86400


def test_every_key_and_list_item_has_its_line(tmp_path: Path) -> None:
    data, lines = load_document(write(tmp_path, GOOD))
    assert data["shop"]["name"] == "Plant 7"
    assert lines[()] == 2
    assert lines[("shop",)] == 2
    assert lines[("shop", "machines")] == 4
    assert lines[("shop", "machines", 0)] == 5
    assert lines[("shop", "machines", 1, "scan_rate")] == 10
    assert lines[("shop", "links", "floor", "speed")] == 15
    assert lines[("horizon",)] == 16


def test_a_byte_order_mark_from_a_windows_editor_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_model(Scenario, path).shop.name == "Plant 7"


# --- mistakes in keys and values ------------------------------------------------------------


def test_a_typo_in_a_key_gives_the_line_and_the_allowed_fields(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("cycle_time: 5min", "cylce_time: 5min"))
    error = refusal(Scenario, path)
    assert error.problems == [
        Problem("shop.machines[0].cycle_time", "required field is missing", 5),
        Problem(
            "shop.machines[0].cylce_time",
            "unknown field; allowed fields here: cycle_time, kind, name (did you mean cycle_time?)",
            7,
        ),
    ]
    assert str(error).splitlines()[1] == (
        f"{path}:7: shop.machines[0].cylce_time: unknown field; allowed fields here: "
        "cycle_time, kind, name (did you mean cycle_time?)"
    )


def test_a_typo_at_the_top_level_lists_the_top_level_fields(tmp_path: Path) -> None:
    error = refusal(Scenario, write(tmp_path, GOOD + "seeed: 4\n"))
    (problem,) = error.problems
    assert problem.field == "seeed"
    assert problem.line == 17
    assert "allowed fields here: horizon, seed, shop (did you mean seed?)" in problem.message


def test_an_unknown_field_inside_a_dict_of_models_lists_that_models_fields(
    tmp_path: Path,
) -> None:
    error = refusal(Scenario, write(tmp_path, GOOD.replace("speed: 9600baud", "sped: 1")))
    problems = {p.field: p for p in error.problems}
    assert problems["shop.links.floor.sped"].message.startswith(
        "unknown field; allowed fields here: medium, speed"
    )
    assert problems["shop.links.floor.sped"].line == 15
    assert problems["shop.links.floor.speed"].message == "required field is missing"


def test_a_wrong_unit_tells_the_user_which_units_exist(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("5min", "3 fortnights"))
    (problem,) = refusal(Scenario, path).problems
    assert problem == Problem(
        "shop.machines[0].cycle_time",
        '"3 fortnights" is not a duration: write a number and a unit, e.g. 250ms, 30s, 5min, '
        "2h, 30d, 1w, 1y (units: us, ms, s, min, h, d, w, y)",
        7,
    )


def test_an_unknown_machine_kind_points_at_the_kind_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("kind: plc-2005", "kind: robot"))
    (problem,) = refusal(Scenario, path).problems
    assert problem.field == "shop.machines[1].kind"
    assert problem.line == 8
    assert problem.message == "unknown value 'robot'; allowed values: 'cnc-1990s', 'plc-2005'"


def test_a_machine_without_a_kind_is_told_which_kinds_exist(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("    - kind: plc-2005\n      name", "    - name"))
    (problem,) = refusal(Scenario, path).problems
    assert problem.field == "shop.machines[1].kind"
    assert problem.line == 8
    assert problem.message == "required field is missing; allowed values: 'cnc-1990s', 'plc-2005'"


def test_errors_inside_a_union_member_drop_pydantics_labels(tmp_path: Path) -> None:
    text = GOOD + "  backup:\n    kind: plc-2005\n    name: spare\n    scan_rat: 1\n"
    text = text.replace("horizon: 30d\n", "") + "horizon: 30d\n"
    error = refusal(Scenario, write(tmp_path, text))
    fields = {p.field for p in error.problems}
    # Pydantic's loc has 'Plc' / 'Cnc' member labels in it; the user never wrote those.
    assert "shop.backup.scan_rat" in fields
    assert "shop.backup.scan_rate" in fields
    assert not any("Plc" in f or "Cnc" in f for f in fields)
    # A plain union reports against every member; one of them is the one the user meant.
    unknown = [p for p in error.problems if p.field == "shop.backup.scan_rat"]
    assert {p.line for p in unknown} == {19}
    assert any(
        p.message.endswith(
            "allowed fields here: kind, link, name, scan_rate (did you mean scan_rate?)"
        )
        for p in unknown
    )


def test_a_bad_value_is_quoted_back_to_the_user(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("scan_rate: 10", "scan_rate: lots"))
    (problem,) = refusal(Scenario, path).problems
    assert problem.field == "shop.machines[1].scan_rate"
    assert problem.line == 10
    assert problem.message.endswith("(got 'lots')")


def test_a_long_bad_value_is_shortened(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("scan_rate: 10", "scan_rate: " + "x" * 500))
    (problem,) = refusal(Scenario, path).problems
    assert "(got 'xxxx" in problem.message
    assert len(problem.message) < 160


def test_an_empty_value_is_called_empty(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("scan_rate: 10", "scan_rate:"))
    (problem,) = refusal(Scenario, path).problems
    assert problem.message.endswith("(got an empty value)")


def test_problems_come_sorted_by_line(tmp_path: Path) -> None:
    text = GOOD.replace("horizon: 30d", "horizon: soon").replace("scan_rate: 10", "scan_rate: x")
    text = text.replace("name: lathe", "nmae: lathe")
    error = refusal(Scenario, write(tmp_path, text))
    lines = [p.line for p in error.problems]
    assert lines == sorted(lines)
    assert [p.field for p in error.problems] == [
        "shop.machines[0].name",
        "shop.machines[0].nmae",
        "shop.machines[1].scan_rate",
        "horizon",
    ]


def test_a_whole_document_rule_is_reported_without_a_field(tmp_path: Path) -> None:
    path = write(tmp_path, "shop:\n  name: empty\n  machines: []\n")
    error = refusal(Scenario, path)
    assert str(error) == (
        f"{path}:1: a shop needs at least one machine; add one under shop.machines"
    )


def test_validate_document_works_without_a_file_or_lines() -> None:
    with pytest.raises(InputError) as caught:
        validate_document(Scenario, {"shop": {"name": "x", "machines": [], "oops": 1}}, None, None)
    assert str(caught.value).startswith("<input>: shop.oops: unknown field; allowed fields here:")


def test_a_top_level_that_is_not_a_mapping_is_refused_by_the_model() -> None:
    with pytest.raises(InputError) as caught:
        validate_document(Scenario, ["a"], "x.yaml", {(): 1})
    (problem,) = caught.value.problems
    assert problem.field == "" and problem.line == 1


# --- files that are not scenario documents at all -------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", None, "the file is empty; expected a mapping of keys to values"),
        ("# only a comment\n", None, "the file is empty"),
        ("---\n", None, "the file is empty"),
        ("~\n", None, "the file is empty"),
        ("- a\n- b\n", 1, "the top level of the file is a list; expected a mapping"),
        ("just words\n", 1, "the top level of the file is a single text value"),
        ("a: 1\n---\nb: 2\n", 2, "more than one YAML document"),
        ("a: 1\n b: 2\n", 2, "this is not valid YAML"),
        ("a:\n\tb: 1\n", 2, "check the indentation"),
        ("a: [1, 2\n", 2, "every quote and bracket is closed"),
        ("a: 1\nb: 2\na: 3\n", 3, "the key 'a' appears twice in this mapping (first on line 1)"),
        ("a: 1\nb: \x07\n", 2, "control character #x0007"),
        ("when: 2024-13-45\n", 1, "write it in quotes if it is meant as text"),
        ("x: !!python/object:os.system ls\n", 1, "without tags"),
        ("x: !!int abc\n", 1, "cannot read the value 'abc'"),
        ("a: 1\nb:\n  <<: {c: 1}\n", 3, "merge keys (<<) are not supported"),
    ],
)
def test_files_that_are_not_yaml_mappings_are_refused_plainly(
    tmp_path: Path, text: str, line: int | None, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as caught:
        load_document(path)
    (problem,) = caught.value.problems
    assert words in problem.message
    assert problem.line == line
    assert caught.value.file == str(path)
    assert "Traceback" not in str(caught.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_document(tmp_path / "nope.yaml")
    assert str(caught.value) == (
        f"{tmp_path / 'nope.yaml'}: file not found; expected the path of an existing YAML file"
    )


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="this is a directory; expected the path of a YAML file"):
        load_document(tmp_path)


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_file_saved_in_latin_1_is_refused_with_the_line(tmp_path: Path, bom: bytes) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(bom + "a: 1\nname: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError) as caught:
        load_document(path)
    (problem,) = caught.value.problems
    assert problem.line == 2
    assert "not UTF-8 text (byte 0xe9 cannot be read); save it with UTF-8" in problem.message


def test_a_huge_file_is_refused_and_the_limit_is_named(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"a: " + b"x" * 5_000_001 + b"\n")
    with pytest.raises(InputError, match="larger than 5 MB"):
        load_document(path)


# --- hostile documents ----------------------------------------------------------------------

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_a_billion_laughs_file_is_refused_quickly(tmp_path: Path) -> None:
    path = write(tmp_path, BILLION_LAUGHS)
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        load_document(path)
    assert time.perf_counter() - started < 1
    assert str(caught.value) == (
        f"{path}:1: aliases and anchors (&name, *name) are not supported in testbed documents; "
        "write the values out"
    )


def test_even_a_harmless_alias_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "x: 1\ny: *x\n")
    with pytest.raises(InputError, match="aliases and anchors"):
        load_document(path)


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "a: " + "[" * 10_000 + "]" * 10_000 + "\n")
    with pytest.raises(InputError, match=f"nested more than {MAX_DEPTH} levels"):
        load_document(path)


def test_nesting_up_to_the_limit_is_fine(tmp_path: Path) -> None:
    depth = MAX_DEPTH - 1  # the top-level mapping is the first level
    data, _ = load_document(write(tmp_path, "a: " + "[" * depth + "]" * depth + "\n"))
    for _ in range(depth):
        data = data["a"] if isinstance(data, dict) else data[0]


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#\n\t ,?%@`~1.\x00é"))))
def test_arbitrary_text_only_ever_raises_input_error(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    try:
        data, lines = load_document(path)
    except InputError as error:
        assert str(error)
        return
    try:
        validate_document(Scenario, data, path, lines)
    except InputError as error:
        assert all(p.message for p in error.problems)


# --- the error type itself ------------------------------------------------------------------


def test_input_error_renders_one_line_per_problem() -> None:
    error = InputError(
        "scenarios/shop.yaml",
        [
            Problem("shop.machines[2].cycle_time", "bad", 12),
            Problem("", "whole file", None),
            Problem("seed", "no line"),
        ],
    )
    assert str(error) == (
        "scenarios/shop.yaml:12: shop.machines[2].cycle_time: bad\n"
        "scenarios/shop.yaml: whole file\n"
        "scenarios/shop.yaml: seed: no line"
    )
    assert str(InputError(None, [Problem("", "x", 3)])) == "<input>:3: x"


def test_input_error_accepts_a_path_and_survives_pickling() -> None:
    error = InputError(Path("a/b.yaml"), [Problem("f", "m", 1)])
    assert error.file == str(Path("a/b.yaml"))
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error)
    assert copy.problems == error.problems
