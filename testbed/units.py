"""Quantities written the way people write them: ``250ms``, ``3 per day``, ``16MiB``, ``9600baud``.

Every parser takes a number (already in the base unit) or a string, and returns the value in the
base unit: seconds, events per second, bytes, bytes per second. Bad input raises ``ValueError``
with a message that quotes the input and lists the accepted forms.
"""

from __future__ import annotations

import decimal
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from testbed.errors import shorten

__all__ = [
    "Bandwidth",
    "Duration",
    "Rate",
    "Size",
    "format_duration",
    "parse_bandwidth",
    "parse_duration",
    "parse_rate",
    "parse_size",
]

# The regex pieces below build both the parsers and the JSON Schema patterns handed to editors.
# JSON Schema uses ECMAScript regexes, which have no inline case-insensitive flag and spell named
# groups differently, so case is spelled out with character classes and groups are unnamed.

_NUMBER = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"


def _ci(word: str) -> str:
    """A regex matching ``word`` in any letter case."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


def _any_of(words: list[str]) -> str:
    # Longest first, so that "min" is not read as "m" followed by junk.
    return "(?:" + "|".join(_ci(w) for w in sorted(words, key=len, reverse=True)) + ")"


def _schema_pattern(body: str) -> str:
    return rf"^\s*(?:{body})\s*$"


# A number with an optional minus sign (only so that "-5s" gets a clear message) and the rest.
_QUANTITY = re.compile(rf"(-?)({_NUMBER})\s*(.*)", re.DOTALL)


@dataclass(frozen=True)
class _Kind:
    noun: str
    hint: str


def _error(value: object, kind: _Kind, reason: str | None = None) -> ValueError:
    because = f"{reason}; " if reason else ""
    return ValueError(f"{_describe(value)} is not {kind.noun}: {because}{kind.hint}")


def _describe(value: object) -> str:
    """How to quote the user's value in a message, in YAML terms rather than Python ones."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "an empty value"
    if isinstance(value, str):
        return json.dumps(shorten(value), ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and value.bit_length() > 64:
        # repr() of a gigantic int is slow and, past 4300 digits, refused by Python itself.
        return "a very large number"
    if isinstance(value, int | float):
        return shorten(repr(value))
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a value of type {type(value).__name__}"


def _split(value: object, kind: _Kind) -> tuple[Decimal, str]:
    """Split the input into its number and unit text; reject what is never a quantity."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _error(value, kind)
    if isinstance(value, float) and not math.isfinite(value):
        raise _error(value, kind, "it must be a finite number")
    if isinstance(value, str):
        match = _QUANTITY.fullmatch(value.strip())
        if match is None:
            raise _error(value, kind)
        sign, text, unit = match.groups()
        try:
            number = Decimal(text)
        except decimal.InvalidOperation:  # an exponent beyond what Decimal can hold
            raise _error(value, kind, "the number is out of range") from None
        if sign and number != 0:
            raise _error(value, kind, "it must not be negative")
    else:
        # Decimal keeps every digit of an int or float, so sizes can be checked for whole bytes.
        number, unit = Decimal(value), ""
    if number < 0:
        raise _error(value, kind, "it must not be negative")
    return number, unit


def _finite(result: float, value: object, kind: _Kind) -> float:
    if not math.isfinite(result):
        raise _error(value, kind, "the number is too large")
    return result


# ---------------------------------------------------------------------------------------------
# Durations

_SECONDS_PER_UNIT: dict[str, float] = {
    "us": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "secs": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "min": 60.0,
    "mins": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "hrs": 3600.0,
    "hour": 3600.0,
    "hours": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "days": 86400.0,
    "w": 604800.0,
    "week": 604800.0,
    "weeks": 604800.0,
    "y": 31536000.0,
    "yr": 31536000.0,
    "yrs": 31536000.0,
    "year": 31536000.0,
    "years": 31536000.0,
}
_TIME_UNIT = _any_of(list(_SECONDS_PER_UNIT))
_TIME_UNITS_HELP = "units: us, ms, s, min, h, d, w, y"

_DURATION = _Kind(
    "a duration",
    f"write a number and a unit, e.g. 250ms, 30s, 5min, 2h, 30d, 1w, 1y ({_TIME_UNITS_HELP})",
)
_DURATION_PATTERN = _schema_pattern(rf"{_NUMBER}\s*{_TIME_UNIT}?")


def _seconds_per(unit: str) -> float | None:
    # Only ASCII spellings count: str.lower() maps some non-ASCII letters (the Kelvin sign, for
    # one) onto ASCII ones, which the schema pattern would not accept.
    return _SECONDS_PER_UNIT.get(unit.lower()) if unit.isascii() else None


def parse_duration(value: object) -> float:
    """Seconds from a number of seconds or a string such as ``250ms``, ``5 min`` or ``30d``."""
    number, unit = _split(value, _DURATION)
    factor = _seconds_per(unit) if unit else 1.0
    if factor is None:
        raise _error(value, _DURATION)
    return _finite(float(number) * factor, value, _DURATION)


# Largest first; weeks are left out because "30d" reads better than "4.29w".
_DISPLAY_UNITS = (
    ("y", 31536000.0),
    ("d", 86400.0),
    ("h", 3600.0),
    ("min", 60.0),
    ("s", 1.0),
    ("ms", 1e-3),
    ("us", 1e-6),
)


def _significant(x: float, digits: int = 3) -> str:
    """``x`` (>= 0) rounded to ``digits`` significant digits, without trailing zeros."""
    if x == 0:  # a tiny duration divided by a big unit underflows to zero
        return "0"
    exponent = math.floor(math.log10(x))
    decimals = digits - 1 - exponent
    text = f"{round(x, decimals):.{max(decimals, 0)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_duration(seconds: float) -> str:
    """A short display form of ``seconds`` that ``parse_duration`` reads back, e.g. ``1.5min``."""
    if isinstance(seconds, bool) or not math.isfinite(seconds) or seconds < 0:
        raise ValueError(
            f"cannot show {seconds!r} as a duration: expected a finite number of seconds, 0 or more"
        )
    if seconds == 0:
        return "0s"
    # Rounding happens before the unit is chosen, so 59.999s shows as 1min rather than 60s.
    # Below a microsecond the smallest unit is used with a fraction.
    shown = [(_significant(seconds / factor), unit) for unit, factor in _DISPLAY_UNITS]
    text, unit = next(((t, u) for t, u in shown if float(t) >= 1), shown[-1])
    return text + unit


# ---------------------------------------------------------------------------------------------
# Rates

_RATE = _Kind(
    "a rate",
    "write a count per unit of time, e.g. 10/s, 0.5/min, 2/h, 3 per day, or every 5min "
    f"(a plain number is per second; {_TIME_UNITS_HELP})",
)
_PERIOD = rf"(?:{_NUMBER}\s*)?{_TIME_UNIT}"
_RATE_PATTERN = _schema_pattern(
    rf"{_NUMBER}(?:\s*(?:/\s*|{_ci('per')}\s+){_PERIOD})?|{_ci('every')}\s+{_PERIOD}"
)
_PER = re.compile(rf"({_NUMBER})\s*(?:/|per\s)\s*(.*)", re.DOTALL | re.IGNORECASE)
_EVERY = re.compile(r"every\s+(.*)", re.DOTALL | re.IGNORECASE)
_PERIOD_PARTS = re.compile(rf"({_NUMBER})?\s*(.*)", re.DOTALL)


def _period(text: str, value: object) -> float:
    """Seconds in a period written as ``h`` or ``5min``; a bare unit means one of it."""
    match = _PERIOD_PARTS.fullmatch(text.strip())
    assert match is not None  # every string matches: both parts are optional
    number, unit = match.groups()
    factor = _seconds_per(unit)
    if factor is None:
        raise _error(value, _RATE)
    seconds = (1.0 if number is None else float(number)) * factor
    if seconds == 0:
        raise _error(value, _RATE, "the period must be longer than zero")
    return seconds


def parse_rate(value: object) -> float:
    """Events per second from a number (per second) or e.g. ``2/h``, ``3 per day``, ``every 1h``."""
    if isinstance(value, str):
        text = value.strip()
        every = _EVERY.fullmatch(text)
        if every is not None:
            return _finite(1.0 / _period(every.group(1), value), value, _RATE)
        per = _PER.fullmatch(text)
        if per is not None:
            count, period = per.groups()
            return _finite(float(count) / _period(period, value), value, _RATE)
    number, unit = _split(value, _RATE)
    if unit:
        raise _error(value, _RATE)
    return _finite(float(number), value, _RATE)


# ---------------------------------------------------------------------------------------------
# Sizes and bandwidths

# The prefix letter is read in any case, but the base unit is not: b is a bit, B is a byte.
_PREFIX = "(?:[KkMmGg][Ii]?)"
_MULTIPLIER = {
    "": 1,
    "k": 1000,
    "m": 1000**2,
    "g": 1000**3,
    "ki": 1024,
    "mi": 1024**2,
    "gi": 1024**3,
}
_BYTE = f"(?:B|{_ci('bytes')}|{_ci('byte')})"
_BIT = f"(?:b|{_ci('bits')}|{_ci('bit')})"

_SIZE = _Kind(
    "a size",
    "write a number and a unit, e.g. 512B, 64kB, 1.5MB, 2GB, 4KiB, 16MiB, 1GiB "
    "(units: B, kB, MB, GB, KiB, MiB, GiB; a plain number is bytes)",
)
_SIZE_PATTERN = _schema_pattern(rf"{_NUMBER}\s*(?:{_PREFIX}?{_BYTE})?")
_SIZE_UNIT = re.compile(rf"({_PREFIX})?{_BYTE}")
_BIT_UNIT = re.compile(rf"(?:{_PREFIX})?{_BIT}")


def parse_size(value: object) -> int:
    """Bytes from a number of bytes or a string such as ``64kB``, ``1.5MB`` or ``16MiB``."""
    number, unit = _split(value, _SIZE)
    multiplier = 1
    if unit:
        match = _SIZE_UNIT.fullmatch(unit)
        if match is None:
            bits = _BIT_UNIT.fullmatch(unit) is not None
            reason = "a lower-case b means bits, write B for bytes" if bits else None
            raise _error(value, _SIZE, reason)
        multiplier = _MULTIPLIER[(match.group(1) or "").lower()]
    # Huge exponents would make Decimal arithmetic trap or build absurd integers.
    if number != 0 and not -30 <= number.adjusted() <= 30:
        raise _error(value, _SIZE, "the number is out of range")
    with decimal.localcontext() as context:
        context.prec = 100
        total = number * multiplier
    if total != total.to_integral_value():
        raise _error(value, _SIZE, "it is not a whole number of bytes")
    return int(total)


_BANDWIDTH = _Kind(
    "a bandwidth",
    "write a number and a unit, e.g. 9600baud, 115200bps, 54Mbps, 54 Mbit/s, 100kB/s, 1GB/s "
    "(bits per second: bps, kbps, Mbps, Gbps, bit/s; bytes per second: B/s, kB/s, MB/s, GB/s; "
    "serial lines: baud; a plain number is bytes per second)",
)
_PER_SECOND = f"(?:{_ci('ps')}|/{_ci('sec')}|/[Ss])"
_BAUD = f"(?:{_ci('baud')}|{_ci('bd')})"
_BANDWIDTH_PATTERN = _schema_pattern(
    rf"{_NUMBER}\s*(?:{_BAUD}|{_PREFIX}?(?:{_BYTE}|{_BIT}){_PER_SECOND})?"
)
_BAUD_UNIT = re.compile(_BAUD)
_BANDWIDTH_UNIT = re.compile(rf"({_PREFIX})?({_BYTE}|{_BIT}){_PER_SECOND}")
# Modbus RTU frames each character as 11 bits on the wire: 1 start bit, 8 data bits, 1 parity
# bit and 1 stop bit (or 2 stop bits when parity is off). So a line at N baud moves N/11 bytes/s.
_BITS_PER_SERIAL_BYTE = 11


def parse_bandwidth(value: object) -> float:
    """Bytes per second from a number (bytes/s) or e.g. ``54Mbps``, ``100kB/s``, ``9600baud``."""
    number, unit = _split(value, _BANDWIDTH)
    bytes_per_unit = 1.0
    if _BAUD_UNIT.fullmatch(unit):
        bytes_per_unit = 1.0 / _BITS_PER_SERIAL_BYTE
    elif unit:
        match = _BANDWIDTH_UNIT.fullmatch(unit)
        if match is None:
            raise _error(value, _BANDWIDTH)
        prefix, base = match.groups()
        is_byte = base == "B" or base.lower().startswith("byte")
        bytes_per_unit = _MULTIPLIER[(prefix or "").lower()] / (1 if is_byte else 8)
    result = _finite(float(number) * bytes_per_unit, value, _BANDWIDTH)
    if result == 0:
        raise _error(value, _BANDWIDTH, "it must be greater than zero")
    return result


# ---------------------------------------------------------------------------------------------
# Pydantic types. Each JSON Schema allows a number or a string so that editors can both
# complete and check scenario files.


def _schema(
    pattern: str, number: dict[str, Any], description: str, examples: list[str]
) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "anyOf": [number, {"type": "string", "pattern": pattern}],
            "description": description,
            "examples": examples,
        }
    )


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    _schema(
        _DURATION_PATTERN,
        {"type": "number", "minimum": 0},
        "A duration: a number of seconds or a number with a unit "
        "(us, ms, s, min, h, d, w, y), e.g. 250ms or 30d",
        ["250ms", "30s", "5min", "2h", "30d"],
    ),
]
Rate = Annotated[
    float,
    BeforeValidator(parse_rate),
    _schema(
        _RATE_PATTERN,
        {"type": "number", "minimum": 0},
        "A rate: a number of events per second, or a count per unit of time "
        "(us, ms, s, min, h, d, w, y), e.g. 2/h, 3 per day or every 5min",
        ["10/s", "2/h", "3 per day", "every 5min"],
    ),
]
Size = Annotated[
    int,
    BeforeValidator(parse_size),
    _schema(
        _SIZE_PATTERN,
        {"type": "integer", "minimum": 0},
        "A size: a number of bytes or a number with a unit "
        "(B, kB, MB, GB, KiB, MiB, GiB), e.g. 64kB or 16MiB",
        ["512B", "64kB", "1.5MB", "16MiB"],
    ),
]
Bandwidth = Annotated[
    float,
    BeforeValidator(parse_bandwidth),
    _schema(
        _BANDWIDTH_PATTERN,
        {"type": "number", "exclusiveMinimum": 0},
        "A bandwidth: a number of bytes per second or a number with a unit "
        "(bps, kbps, Mbps, Gbps, bit/s, B/s, kB/s, MB/s, GB/s, baud), e.g. 54Mbps or 9600baud",
        ["9600baud", "115200bps", "54Mbps", "100kB/s"],
    ),
]
