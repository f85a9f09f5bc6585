"""Change one parameter of a scenario document by its path, for what-ifs and sweeps.

A path is dotted keys with list entries picked in brackets: ``[2]`` by position, ``[name]`` by
the entry's ``name`` (or, failing that, its ``kind``), e.g.
``shop.links[broadband].outages.mttr`` or ``architectures[Edge gateway hub].translators[edge-hub]
.buffer_messages``.
"""

from __future__ import annotations

import copy
import re
from typing import Any

_STEP = re.compile(r"([^.\[\]]+)|\[([^\]]+)\]")


def parse_path(path: str) -> list[str | int]:
    """Split a path into keys and list selectors; raise ValueError on a malformed path."""
    steps: list[str | int] = []
    position = 0
    for match in _STEP.finditer(path):
        gap = path[position:match.start()]
        if gap not in ("", "."):
            break
        key, selector = match.groups()
        if key is not None:
            steps.append(key.strip())
        else:
            selector = selector.strip()
            steps.append(int(selector) if selector.isdigit() else f"[{selector}]")
        position = match.end()
    if position != len(path) or not steps:
        raise ValueError(f"{path!r} is not a parameter path: write keys separated by dots and "
                         f"pick list entries by [position] or [name], e.g. "
                         f"shop.links[broadband].outages.mttr")
    return steps


def _entry(items: list[Any], selector: str | int, where: str) -> int:
    if isinstance(selector, int):
        if 0 <= selector < len(items):
            return selector
        raise ValueError(f"{where} has {len(items)} entries; [{selector}] is out of range")
    wanted = selector[1:-1]
    for key in ("name", "kind"):
        for i, item in enumerate(items):
            if isinstance(item, dict) and item.get(key) == wanted:
                return i
    names = [str(i.get("name") or i.get("kind")) for i in items if isinstance(i, dict)]
    raise ValueError(f"{where} has no entry named {wanted!r}; entries: {', '.join(names)}")


def set_parameter(document: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``document`` with the parameter at ``path`` set to ``value``.

    The last key may be new (a parameter left at its default is absent from a document);
    everything before it must exist. Raises ValueError naming what is there instead.
    """
    steps = parse_path(path)
    result = copy.deepcopy(document)
    node: Any = result
    where = "the scenario"
    for step in steps[:-1]:
        if isinstance(node, list):
            node = node[_entry(node, step, where)]
        elif isinstance(node, dict) and isinstance(step, str) and step in node \
                and node[step] is not None:
            node = node[step]
        else:
            raise ValueError(_missing(node, step, where))
        if where == "the scenario":
            where = str(step)
        else:
            where += f"[{step}]" if isinstance(step, int) else (
                step if step.startswith("[") else f".{step}")
    last = steps[-1]
    if isinstance(node, list):
        node[_entry(node, last, where)] = value
    elif isinstance(node, dict) and isinstance(last, str) and not last.startswith("["):
        node[last] = value
    else:
        raise ValueError(_missing(node, last, where))
    return result


def _missing(node: Any, step: str | int, where: str) -> str:
    if isinstance(node, dict):
        return (f"{where} has no {step!r}; it has: {', '.join(sorted(map(str, node)))}")
    return f"{where} is a single value, not something with {step!r} inside"
