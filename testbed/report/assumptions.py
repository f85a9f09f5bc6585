"""The assumptions behind a report, each with where it comes from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from testbed.items import MachineKind, SoftwareKind, TranslatorKind
from testbed.params import DEFINITION, source_of
from testbed.registry import Registry
from testbed.scenario import Scenario
from testbed.units import format_duration

_SETTINGS_SOURCE = "scenario file (default documented in docs/metrics.md)"
_SHOWN = ("setup_hours", "minutes_per_tag", "capex_gbp", "opex_gbp_per_month", "crashes",
          "buffer_messages", "poll_interval", "cycle_time", "breakdowns", "tag_count",
          "vendor_survival_2y", "availability", "batch_interval", "production_critical")


@dataclass(frozen=True)
class Assumption:
    what: str
    value: str
    source: str


_DURATIONS = {"rounds_interval", "poll_interval", "batch_interval",
              "mtbf", "mttr", "value", "mean", "min", "low", "high"}


def _show(value: object, name: str = "") -> str:
    if hasattr(value, "model_dump"):
        dumped = value.model_dump(mode="json")
        return ", ".join(f"{k} {_show(v, k)}" for k, v in dumped.items())
    if name in _DURATIONS and isinstance(value, int | float) and not isinstance(value, bool):
        return format_duration(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def assumptions(scenario: Scenario, registry: Registry) -> list[Assumption]:
    found = [Assumption(f"economics: {name}", _show(value, name), _SETTINGS_SOURCE)
             for name, value in scenario.economics.model_dump().items()]
    found += [Assumption(f"effort: {name}", _show(value, name), _SETTINGS_SOURCE)
              for name, value in scenario.effort.model_dump().items()]
    for link in scenario.shop.links:
        if link.outages:
            found.append(Assumption(
                f"link {link.name}: outages",
                f"every {format_duration(link.outages.mtbf)} on average, for "
                f"{format_duration(link.outages.mttr)}", "scenario file"))
    for person in scenario.shop.people:
        found.append(Assumption(f"person {person.name}",
                                f"{person.role}, {person.hours_per_week:g} h/week, "
                                f"£{person.rate_gbp_per_hour:g}/h", "scenario file"))
    kinds = sorted({(e.kind, "machine") for e in scenario.shop.machines}
                   | {(s.kind, "software") for s in scenario.software}
                   | {(t, "translator") for t in registry.translators})
    tables: dict[str, Mapping[str, MachineKind | SoftwareKind | TranslatorKind]] = {
        "machine": registry.machines, "software": registry.software,
        "translator": registry.translators}
    for kind, category in kinds:
        item = tables[category][kind]
        defaults = item.defaults()
        for name in _SHOWN:
            if name not in type(defaults).model_fields:
                continue
            source = source_of(item.params_model, name, item.sources)
            if source and source != DEFINITION:
                found.append(Assumption(f"{category} {kind}: {name}",
                                        _show(getattr(defaults, name), name), source))
    return found
