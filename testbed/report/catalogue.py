"""The catalogue as Markdown: every registered item's defaults with the source of each.

``docs/catalogue.md`` is this page for the built-in plugins; a test keeps it current.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from testbed.items import ArchitectureKind, Item
from testbed.params import (
    ECONOMICS_SOURCES,
    EFFORT_SOURCES,
    Economics,
    EffortSettings,
    source_of,
)
from testbed.registry import Registry
from testbed.report.interfaces import interface_table
from testbed.sources import ESTIMATES, SourceError, strength_of

_TITLES = {"machine": "Machine kinds", "translator": "Translators",
           "software": "Vendor software stubs", "architecture": "Architectures"}


def _value(value: Any) -> str:
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else value
    return text.replace("|", "\\|")


def defaults_of(item: Item) -> dict[str, Any]:
    if isinstance(item, ArchitectureKind):
        return {name: field.default for name, field in item.params.model_fields.items()
                if not field.is_required()}
    params = item.defaults()  # type: ignore[attr-defined]
    return {name: getattr(params, name) for name in type(params).model_fields}


# The scenario's settings whose defaults feed the money and effort figures, with their sources.
SETTINGS: dict[str, tuple[type[BaseModel], Mapping[str, str]]] = {
    "effort": (EffortSettings, EFFORT_SOURCES),
    "economics": (Economics, ECONOMICS_SOURCES),
}
UNPARSEABLE = "unparseable"


def _items(registry: Registry, category: str) -> list[Item]:
    return sorted((i for i in registry.items() if i.category == category), key=lambda i: i.name)


def sources(registry: Registry) -> Iterator[tuple[str, str]]:
    """Every default of the registry's items and of the settings, as (where, source)."""
    for category in _TITLES:
        for item in _items(registry, category):
            for name in defaults_of(item):
                yield f"{category} {item.name}: {name}", source_of(item.params_model, name,
                                                                   item.sources)
    for section, (model, texts) in SETTINGS.items():
        for name in model.model_fields:
            yield f"{section}: {name}", texts.get(name, "")


def strength_or_unparseable(text: str) -> str:
    try:
        return strength_of(text)
    except SourceError:
        return UNPARSEABLE


def count_by_strength(registry: Registry) -> Counter[str]:
    return Counter(strength_or_unparseable(text) for _, text in sources(registry))


def _strength_table(registry: Registry) -> list[str]:
    counts = count_by_strength(registry)
    lines = ["## Defaults by strength", "",
             "Every default below and in *Economics and effort*, counted by the strength of its "
             "source. *standard*: a published standard or statutory rate (or derived from one, the "
             "derivation said); *paper*: peer-reviewed work; *survey*: a published survey of "
             "many firms; *vendor*: a vendor's datasheet, price list, manual or service-level "
             "agreement; *secondary*: reports quoting others, interview studies; *guess*: our "
             "estimate, saying what it rests on (`docs/metrics.md`).",
             "", "| strength | defaults |", "|---|---|"]
    lines += [f"| {strength} | {counts[strength]} |" for strength in ESTIMATES]
    lines += [f"| **estimates** | **{sum(counts[s] for s in ESTIMATES)}** |", "",
              "Not estimates: the kind's definition (what it is: its protocol, role, inputs) "
              f"{counts['definition']}; none (the kind does not have the thing: no breakdowns, "
              f"no buffer, no fee) {counts['none']}."]
    if counts[UNPARSEABLE]:
        lines += ["", f"**Unparseable sources: {counts[UNPARSEABLE]}** (marked below; see "
                     "`docs/plugin-authoring.md` for the format)."]
    return [*lines, ""]


def _source_cell(text: str) -> str:
    if strength_or_unparseable(text) == UNPARSEABLE:
        return f"**unparseable source:** {text or '(empty)'}"
    return text


def _settings_section() -> list[str]:
    lines = ["## Economics and effort", "",
             "Defaults of the scenario's `economics:` and `effort:` settings, which the money "
             "and commissioning figures rest on (formulas in `docs/metrics.md`).", ""]
    for section, (model, texts) in SETTINGS.items():
        lines += [f"### `{section}:`", "", "| setting | default | source |", "|---|---|---|"]
        for name, field in model.model_fields.items():
            lines.append(f"| `{name}` | {_value(field.get_default(call_default_factory=True))}"
                         f" | {_source_cell(texts.get(name, ''))} |")
        lines.append("")
    return lines


def render_catalogue(registry: Registry) -> str:
    lines = ["# Catalogue", "",
             "Every registered item with its default parameters and where each default comes "
             "from, then the defaults of the economics and effort settings. Durations are in "
             "seconds, rates per second, sizes in bytes, bandwidths in bytes per second. A "
             "scenario may override any parameter.", "",
             "Generated by `testbed plugins --builtin --format markdown`; do not edit by hand.", "",
             *_strength_table(registry),
             "## Interfaces", "",
             "Each protocol the machine kinds speak, the translators that read it, and what each "
             "architecture places to read it out of the box: found by wiring one machine of the "
             "kind to software that accepts anything, with every item at its defaults.", "",
             *interface_table(registry), ""]
    for category, title in _TITLES.items():
        items = _items(registry, category)
        if not items:
            continue
        lines += [f"## {title}", ""]
        for item in items:
            layer = getattr(item, "rami_layer", None)
            where = f" RAMI 4.0 layer: {layer}; IIRA tier: {item.iira_tier}." \
                if layer and hasattr(item, "iira_tier") else ""
            lines += [f"### `{item.name}`", "",
                      f"{item.description}. From plugin `{item.plugin}`.{where}", "",
                      "| parameter | default | source |", "|---|---|---|"]
            for name, value in defaults_of(item).items():
                source = source_of(item.params_model, name, item.sources)
                lines.append(f"| `{name}` | {_value(value)} | {_source_cell(source)} |")
            lines.append("")
    return "\n".join([*lines, *_settings_section()])
