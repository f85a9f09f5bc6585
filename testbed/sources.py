"""How strong the source of a default is, read from the source's own text.

A source is written "<what it rests on> (<citation>; <strength>)", or "guess: <what it rests
on>" when nothing public backs it; a field that says what a kind *is* has the kind's definition
as its source ("definition of this kind"), and a field the kind simply does not have ("none
unless the kind says so", "no batching unless the kind says so") has none. Reading the
strength from the text keeps one place for it: the sentence a reader sees.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

Strength = Literal["standard", "paper", "survey", "vendor", "secondary", "guess",
                   "definition", "none"]
STRENGTHS: tuple[Strength, ...] = get_args(Strength)
# The strengths of estimates, strongest first; "definition" and "none" estimate nothing.
ESTIMATES: tuple[Strength, ...] = ("standard", "paper", "survey", "vendor", "secondary", "guess")

DEFINITION_PREFIX = "definition of this"
_ABSENT = re.compile(r"unless the (kind|scenario) says so$")
_ESTIMATE_NAMED: dict[str, Strength] = {name: name for name in ESTIMATES}
_CITED = re.compile(r"(?:^|;\s*)(" + "|".join(ESTIMATES[:-1]) + r")\s*$")


class SourceError(ValueError):
    """A source whose strength cannot be read."""


def _final_parentheses(text: str) -> str | None:
    """The text inside the parentheses that end ``text``, or None if it does not end in one."""
    if not text.endswith(")"):
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            return text[i + 1:-1]
    return None


def strength_of(text: str) -> Strength:
    """The strength of a source; a SourceError names what is wrong with one that has none."""
    text = text.strip()
    if not text:
        raise SourceError("the source is empty: write what the default rests on")
    if text.startswith("guess"):
        return "guess"
    if text.startswith(DEFINITION_PREFIX):
        return "definition"
    if _ABSENT.search(text):
        return "none"
    inner = _final_parentheses(text)
    match = _CITED.search(inner.strip()) if inner is not None else None
    if match is None:
        raise SourceError(
            f"cannot read the strength of {text!r}: end it with \"(<citation>; <strength>)\" "
            f"where strength is one of {', '.join(ESTIMATES[:-1])}, or start it with "
            "\"guess: \" and say what the guess rests on")
    return _ESTIMATE_NAMED[match.group(1)]
