"""Quantities as factory owners write them by hand in scenario files."""

import math
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from testbed.units import (
    Bandwidth,
    Duration,
    Rate,
    Size,
    format_duration,
    parse_bandwidth,
    parse_duration,
    parse_rate,
    parse_size,
)


class Machine(BaseModel):
    cycle_time: Duration = 1.0
    arrivals: Rate = 0.0
    buffer: Size = 0
    link: Bandwidth = 1.0


# --- durations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("250ms", 0.25),
        ("30s", 30),
        ("30 s", 30),
        ("5min", 300),
        ("5 minutes", 300),
        ("2h", 7200),
        ("2 HOURS", 7200),
        ("1.5hr", 5400),
        ("30d", 30 * 86400),
        ("1w", 7 * 86400),
        ("2 weeks", 14 * 86400),
        ("1y", 365 * 86400),
        ("1 yr", 365 * 86400),
        ("100us", 1e-4),
        ("1Ms", 1e-3),  # units of time ignore case: there is no "megasecond" to confuse it with
        ("  12  ", 12),
        (".5s", 0.5),
        ("1e3ms", 1),
        ("0", 0),
        (45, 45),
        (0.5, 0.5),
    ],
)
def test_an_engineer_writes_a_duration_the_usual_way(text: Any, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


def test_an_unknown_unit_is_refused_with_the_units_that_exist() -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration("3 fortnights")
    assert str(caught.value) == (
        '"3 fortnights" is not a duration: write a number and a unit, e.g. 250ms, 30s, 5min, '
        "2h, 30d, 1w, 1y (units: us, ms, s, min, h, d, w, y)"
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("-5s", "must not be negative"),
        (-1, "must not be negative"),
        (float("nan"), "must be a finite number"),
        (float("inf"), "must be a finite number"),
        ("1e400s", "too large"),
        ("", "an empty value is not a duration"),
        ("   ", "an empty value is not a duration"),
        (None, "an empty value is not a duration"),
        (True, "true is not a duration"),
        ([1, 2], "a list is not a duration"),
        ("nan", '"nan" is not a duration'),
        ("five minutes", '"five minutes" is not a duration'),
    ],
)
def test_nonsense_durations_are_refused_and_say_why(value: Any, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)) as caught:
        parse_duration(value)
    assert "units: us, ms, s, min, h, d, w, y" in str(caught.value)


def test_a_very_long_bad_value_is_shortened_in_the_message() -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration("x" * 10_000)
    assert len(str(caught.value)) < 250


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0s"),
        (0.25, "250ms"),
        (1, "1s"),
        (90, "1.5min"),
        (3600, "1h"),
        (86400 * 30, "30d"),
        (365 * 86400, "1y"),
        (1e-7, "0.1us"),
        (59.9999, "1min"),  # rounding first avoids "60s"
        (123456, "1.43d"),
    ],
)
def test_durations_are_shown_short(seconds: float, shown: str) -> None:
    assert format_duration(seconds) == shown


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_format_duration_refuses_what_is_not_a_duration(bad: float) -> None:
    with pytest.raises(ValueError, match="finite number of seconds"):
        format_duration(bad)


@given(st.floats(min_value=1e-6, max_value=1e9))
def test_a_shown_duration_reads_back_as_nearly_the_same(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == pytest.approx(seconds, rel=0.005)


# --- rates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "per_second"),
    [
        ("2/h", 2 / 3600),
        ("10/s", 10),
        ("0.5/min", 0.5 / 60),
        ("3/d", 3 / 86400),
        ("3 per day", 3 / 86400),
        ("3 PER Day", 3 / 86400),
        ("120/hour", 120 / 3600),
        ("120 / hour", 120 / 3600),
        ("4/2h", 4 / 7200),
        ("every 5min", 1 / 300),
        ("Every hour", 1 / 3600),
        ("0/h", 0),
        ("7", 7),
        (0.25, 0.25),
    ],
)
def test_a_planner_writes_how_often_something_happens(text: Any, per_second: float) -> None:
    assert parse_rate(text) == pytest.approx(per_second)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("every 0s", "period must be longer than zero"),
        ("2/0h", "period must be longer than zero"),
        ("-3/h", "must not be negative"),
        ("3 per fortnight", "3 per fortnight"),
        ("2/5", "2/5"),  # the period needs a unit: "2/5min"
        ("often", "often"),
    ],
)
def test_nonsense_rates_are_refused_with_the_accepted_forms(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)) as caught:
        parse_rate(text)
    assert "e.g. 10/s, 0.5/min, 2/h, 3 per day, or every 5min" in str(caught.value)


# --- sizes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("512B", 512),
        ("512 bytes", 512),
        ("64kB", 64_000),
        ("64 KB", 64_000),
        ("1.5MB", 1_500_000),
        ("1.1MB", 1_100_000),  # no float rounding error on the way
        ("2GB", 2_000_000_000),
        ("4KiB", 4096),
        ("16MiB", 16 * 1024**2),
        ("1GiB", 1024**3),
        ("100", 100),
        (100, 100),
        (100.0, 100),
    ],
)
def test_buffer_sizes_in_decimal_and_binary_units(text: Any, size: int) -> None:
    assert parse_size(text) == size
    assert isinstance(parse_size(text), int)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("64kb", "a lower-case b means bits"),
        ("1.5B", "not a whole number of bytes"),
        (10.5, "not a whole number of bytes"),
        ("-1kB", "must not be negative"),
        ("3 TB", '"3 TB" is not a size'),
        ("1e40B", "out of range"),
    ],
)
def test_nonsense_sizes_are_refused_with_the_units_that_exist(text: Any, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)) as caught:
        parse_size(text)
    assert "units: B, kB, MB, GB, KiB, MiB, GiB" in str(caught.value)


# --- bandwidths -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "bytes_per_second"),
    [
        ("9600baud", 9600 / 11),  # Modbus RTU: 11 bits on the wire per byte
        ("19200 Bd", 19200 / 11),
        ("115200bps", 115200 / 8),
        ("54Mbps", 54e6 / 8),
        ("54 Mbit/s", 54e6 / 8),
        ("1 Gbps", 1e9 / 8),
        ("100kB/s", 100_000),
        ("1MB/s", 1e6),
        ("1 MBps", 1e6),
        ("10 bit/s", 10 / 8),
        ("2KiB/s", 2048),
        ("1250", 1250),
        (1250, 1250),
    ],
)
def test_link_speeds_in_bits_bytes_and_baud(text: Any, bytes_per_second: float) -> None:
    assert parse_bandwidth(text) == pytest.approx(bytes_per_second)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0bps", "must be greater than zero"),
        (0, "must be greater than zero"),
        ("-9600baud", "must not be negative"),
        ("54 Mb", '"54 Mb" is not a bandwidth'),  # a size, not a speed
        ("fast", '"fast" is not a bandwidth'),
    ],
)
def test_nonsense_bandwidths_are_refused_with_the_units_that_exist(text: Any, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)) as caught:
        parse_bandwidth(text)
    assert "baud" in str(caught.value)


# --- robustness -----------------------------------------------------------------------------

PARSERS = [parse_duration, parse_rate, parse_size, parse_bandwidth]


@pytest.mark.parametrize("parse", PARSERS)
@given(text=st.text())
def test_arbitrary_text_never_raises_anything_but_value_error(parse: Any, text: str) -> None:
    try:
        parse(text)
    except ValueError as error:
        assert str(error)


_UNIT_WORDS = ["ms", "s", "min", "h", "d", "w", "y", "B", "kB", "MiB", "bps", "Mbit/s", "baud"]


@pytest.mark.parametrize("parse", PARSERS)
@given(
    number=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(min_value=-(10**30), max_value=10**30),
    ),
    unit=st.sampled_from(["", " ", *_UNIT_WORDS, "/h", " per day", "every "]),
)
def test_number_and_unit_combinations_only_raise_value_error(
    parse: Any, number: float, unit: str
) -> None:
    for value in (number, f"{number}{unit}", f"{unit}{number}"):
        try:
            result = parse(value)
        except ValueError:
            continue
        assert math.isfinite(result) and result >= 0


# --- pydantic types and JSON Schema ---------------------------------------------------------


def test_a_model_field_reads_units_and_reports_the_parsers_message() -> None:
    machine = Machine(cycle_time="5min", arrivals="2/h", buffer="4KiB", link="9600baud")
    assert machine.cycle_time == 300
    assert machine.arrivals == pytest.approx(2 / 3600)
    assert machine.buffer == 4096
    assert machine.link == pytest.approx(9600 / 11)

    with pytest.raises(ValidationError) as caught:
        Machine(cycle_time="3 fortnights")
    (error,) = caught.value.errors()
    assert error["loc"] == ("cycle_time",)
    assert '"3 fortnights" is not a duration' in error["msg"]


@pytest.mark.parametrize(
    ("field", "good", "bad"),
    [
        ("cycle_time", ["250ms", "5 min", "30d", "2 HOURS", "12"], ["3 fortnights", "-5s", "s"]),
        ("arrivals", ["2/h", "3 per day", "every 5min", "10"], ["2/5", "every", "per day"]),
        ("buffer", ["64kB", "16MiB", "512 bytes", "100"], ["64kb", "3 TB", "kB"]),
        ("link", ["9600baud", "54Mbps", "54 Mbit/s", "100kB/s"], ["54 Mb", "fast", "bps"]),
    ],
)
def test_the_json_schema_lets_an_editor_check_values(
    field: str, good: list[str], bad: list[str]
) -> None:
    schema = Machine.model_json_schema()["properties"][field]
    number, string = schema["anyOf"]
    assert number["type"] in ("number", "integer")
    assert string["type"] == "string"
    assert "e.g." in schema["description"]
    pattern = re.compile(string["pattern"])
    for text in good + schema["examples"]:
        assert pattern.search(text), text
        Machine(**{field: text})
    for text in bad:
        assert not pattern.search(text), text
        with pytest.raises(ValidationError):
            Machine(**{field: text})
