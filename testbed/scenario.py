"""The documents a user writes, as pydantic models; their JSON Schema is published in docs/.

The scenario's machines, software, translators and architectures are discriminated unions over
the kinds the installed plugins register, so the model (and so the schema an editor completes
from) is built from the registry: a vendor's plugin extends what a scenario may say.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Literal, cast

from pydantic import AfterValidator, BeforeValidator, Field, create_model, model_validator

from testbed.errors import InputError, Problem
from testbed.items import Item
from testbed.loader import LineMap, load_document, validate_document
from testbed.params import (
    ArchitectureParams,
    Calendar,
    CompareSettings,
    Economics,
    EffortSettings,
    LinkSpec,
    MachineParams,
    SoftwareParams,
    Strict,
    TranslatorParams,
)
from testbed.registry import Registry
from testbed.units import Duration, format_duration

YEAR_S = 365 * 86_400.0
MIN_HORIZON_S = 60.0
MAX_HORIZON_S = 100 * YEAR_S
MAX_MACHINES = 10_000
# The cap on replications when a scenario sets none: at flow level a year of a 13-machine shop
# takes about a quarter of a second, so five candidates at the cap take under half a minute.
DEFAULT_MAX_REPLICATIONS = 20
SCHEMA_ID = "https://interop-testbed.invalid/schema/scenario.schema.json"


def _horizon_in_range(value: float) -> float:
    if not MIN_HORIZON_S <= value <= MAX_HORIZON_S:
        raise ValueError(f"the horizon must be between 1min and 100y (got "
                         f"{format_duration(value)})")
    return value


MIN_FLOW_WINDOW_S = 60.0
MAX_FLOW_WINDOW_S = 86_400.0


def _window_in_range(value: float) -> float:
    if not MIN_FLOW_WINDOW_S <= value <= MAX_FLOW_WINDOW_S:
        raise ValueError(f"the flow window must be between 1min and 1d (got "
                         f"{format_duration(value)})")
    return value


class PersonSpec(Strict):
    """Someone who does integration work: the SME's own staff or a hired integrator."""

    name: str = Field(min_length=1)
    role: Literal["staff", "integrator"]
    hours_per_week: float = Field(gt=0, le=80, description="hours this person gives the project")
    rate_gbp_per_hour: float = Field(ge=0, description="loaded cost of an hour")
    skills: list[str] = Field(default_factory=list,
                              description="protocols and tools already known")


class MachineEntry(Strict):
    """Fields every machine entry has; the kind's own parameters sit beside them."""

    name: str = Field(min_length=1)
    kind: str
    count: int = Field(default=1, ge=1, le=MAX_MACHINES)
    link: str | None = Field(default=None,
                             description="the link it is reached over (none: read in person)")

    def machine_params(self) -> MachineParams:
        return cast(MachineParams, self)


class SoftwareEntry(Strict):
    name: str = Field(min_length=1)
    kind: str

    def software_params(self) -> SoftwareParams:
        return cast(SoftwareParams, self)


class TranslatorEntry(Strict):
    """A translator an architecture prefers, with any parameters changed from the catalogue's."""

    kind: str
    prefer: bool = Field(
        default=True,
        description="use this translator wherever it fits; false: only change its parameters")

    def translator_params(self) -> TranslatorParams:
        return cast(TranslatorParams, self)


class ArchitectureEntry(Strict):
    name: str = Field(min_length=1)
    kind: str
    translators: Sequence[TranslatorEntry] = ()

    def architecture_params(self) -> ArchitectureParams:
        return cast(ArchitectureParams, self)


class Shop(Strict):
    name: str = ""
    links: list[LinkSpec] = Field(default_factory=list)
    backbone: str | None = Field(default=None, description="the shop's LAN between components")
    internet: str | None = Field(default=None, description="the link that reaches the cloud")
    people: list[PersonSpec] = Field(default_factory=list)
    machines: Sequence[MachineEntry] = Field(min_length=1)
    calendar: Calendar = Field(
        default_factory=Calendar,
        description="the working week machines run in (default: around the clock, every day); "
                    "the simulation starts on a Monday at 00:00")


class Scenario(Strict):
    """A shop, the software it runs, and the architectures to compare."""

    schema_: str | None = Field(default=None, alias="$schema",
                                description="optional: the JSON Schema, for editors")
    name: str = Field(min_length=1)
    description: str = ""
    seed: int = Field(ge=0, lt=2**63)
    horizon: Annotated[Duration, AfterValidator(_horizon_in_range)] = Field(
        description="simulated time, from 1min to 100y, e.g. 30d")
    replications: int = Field(
        ge=1, le=1000, description="replications to start with (common random numbers)")
    max_replications: int | None = Field(
        default=None, ge=1, le=1000,
        description="run and compare add replications, doubling, until the runs separate "
                    "every place of the owner's ranking or this many have run (default: "
                    f"{DEFAULT_MAX_REPLICATIONS}, or replications if that is more)")
    fidelity: Literal["auto", "message", "flow"] = Field(
        default="auto",
        description="message: every message is simulated (the reference); flow: traffic is a "
                    "rate between state changes, for long horizons (docs/architecture.md); "
                    "auto: message level for short studies, flow level where message level "
                    "would be slow (docs/compare.md)")
    flow_window: Annotated[Duration, AfterValidator(_window_in_range)] = Field(
        default=3600.0,
        description="at flow fidelity, the fault-free message-level run latencies are "
                    "sampled from, e.g. 1h (from 1min to 1d)")
    shop: Shop
    effort: EffortSettings = EffortSettings()
    economics: Economics = Economics()
    compare: CompareSettings = CompareSettings()
    software: Sequence[SoftwareEntry] = Field(min_length=1)
    architectures: Sequence[ArchitectureEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _cap_not_below_start(self) -> Scenario:
        if self.max_replications is not None and self.max_replications < self.replications:
            raise ValueError(f"max_replications ({self.max_replications}) is below "
                             f"replications ({self.replications}): the cap must be at least "
                             f"the number to start with")
        return self

    @property
    def replication_cap(self) -> int:
        """The most replications run and compare may run."""
        if self.max_replications is not None:
            return self.max_replications
        return max(self.replications, DEFAULT_MAX_REPLICATIONS)


def _literal(value: str) -> Any:
    # A literal type made at run time, one per registered kind: the union's discriminator.
    return Literal[value]


def _nothing_registered(label: str) -> Any:
    def refuse(value: object) -> object:
        raise ValueError(f"no {label} kinds are installed (is a plugin disabled?); "
                         f"`testbed plugins` lists what is")
    return Annotated[Any, BeforeValidator(refuse)]


def _union(entry: type[Strict], items: Iterable[Item], label: str) -> Any:
    members = []
    for item in sorted(items, key=lambda i: i.name):
        params = item.params_model
        members.append(create_model(
            f"{label}[{item.name}]",
            __base__=(entry, params),
            __doc__=f"{item.description} (from plugin {item.plugin})",
            kind=(_literal(item.name), Field(description=f"{label} kind")),
        ))
    if not members:
        return _nothing_registered(label)
    if len(members) == 1:
        return members[0]
    union: Any = members[0]
    for member in members[1:]:
        union = union | member
    return Annotated[union, Field(discriminator="kind")]


def _build_model(registry: Registry) -> type[Scenario]:
    machine = _union(MachineEntry, registry.machines.values(), "machine")
    software = _union(SoftwareEntry, registry.software.values(), "software")
    translator = _union(TranslatorEntry, registry.translators.values(), "translator")
    arch_members = []
    for item in sorted(registry.architectures.values(), key=lambda i: i.name):
        arch_members.append(create_model(
            f"architecture[{item.name}]",
            __base__=(ArchitectureEntry, item.params),
            __doc__=f"{item.description} (from plugin {item.plugin})",
            kind=(_literal(item.name), Field(description="architecture kind")),
            translators=(list[translator], Field(  # type: ignore[valid-type]
                default_factory=list,
                description="translators to prefer, with parameters changed")),
        ))
    architecture: Any = _nothing_registered("architecture")
    if len(arch_members) == 1:
        architecture = arch_members[0]
    elif arch_members:
        union: Any = arch_members[0]
        for member in arch_members[1:]:
            union = union | member
        architecture = Annotated[union, Field(discriminator="kind")]
    shop = create_model("Shop", __base__=Shop,
                        machines=(list[machine], Field(min_length=1)))  # type: ignore[valid-type]
    return create_model(
        "Scenario", __base__=Scenario,
        shop=(shop, ...),
        software=(list[software], Field(min_length=1)),  # type: ignore[valid-type]
        architectures=(list[architecture], Field(min_length=1)),
    )


def scenario_model(registry: Registry) -> type[Scenario]:
    """The scenario model for the kinds this registry knows."""
    if "scenario" not in registry.cache:
        registry.cache["scenario"] = _build_model(registry)
    model: type[Scenario] = registry.cache["scenario"]
    return model


def json_schema(registry: Registry) -> dict[str, Any]:
    schema = scenario_model(registry).model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    return schema


def load_scenario(path: str | os.PathLike[str], registry: Registry) -> Scenario:
    """Load and check a scenario file.

    :raises InputError: naming the file, line, field and what is allowed, for every problem.
    """
    data, lines = load_document(path)
    scenario = validate_document(scenario_model(registry), data, path, lines)
    problems = check_references(scenario, lines)
    if problems:
        raise InputError(os.fspath(path), problems)
    return scenario


def _line(lines: LineMap | None, *where: str | int) -> int | None:
    if not lines:
        return None
    for end in range(len(where), 0, -1):
        if where[:end] in lines:
            return lines[where[:end]]
    return None


def _duplicates(names: Iterable[str]) -> set[str]:
    return {name for name, n in Counter(names).items() if n > 1}


def check_references(scenario: Scenario, lines: LineMap | None = None) -> list[Problem]:
    """Checks that need the whole document: unique names and names that refer to others."""
    problems: list[Problem] = []

    def problem(message: str, *where: str | int) -> None:
        field = ""
        for part in where:
            field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else part)
        problems.append(Problem(field, message, _line(lines, *where)))

    shop = scenario.shop
    groups: list[tuple[str, Sequence[Any], str]] = [
        ("links", shop.links, "shop"), ("machines", shop.machines, "shop"),
        ("people", shop.people, "shop"), ("software", scenario.software, ""),
        ("architectures", scenario.architectures, ""),
    ]
    for field, entries, parent in groups:
        dup = _duplicates(e.name for e in entries)
        for i, entry in enumerate(entries):
            if entry.name in dup:
                where = (parent, field, i, "name") if parent else (field, i, "name")
                problem(f"the name {entry.name!r} is used twice; names must be unique", *where)
    links = [link.name for link in shop.links]
    known_links = f"links defined under shop.links: {', '.join(links) or 'none'}"
    for key in ("backbone", "internet"):
        value = getattr(shop, key)
        if value is not None and value not in links:
            problem(f"no link is named {value!r}; {known_links}", "shop", key)
    for i, machine in enumerate(shop.machines):
        if machine.link is not None and machine.link not in links:
            problem(f"no link is named {machine.link!r}; {known_links}", "shop", "machines", i,
                    "link")
    total = sum(m.count for m in shop.machines)
    if total > MAX_MACHINES:
        problem(f"the shop has {total} machines in all; at most {MAX_MACHINES} are allowed",
                "shop", "machines")
    software = [s.name for s in scenario.software]
    for i, arch in enumerate(scenario.architectures):
        for j, consumer in enumerate(arch.architecture_params().consumers):
            if consumer not in software:
                problem(f"no software is named {consumer!r}; software defined: "
                        f"{', '.join(software)}", "architectures", i, "consumers", j)
    for i, arch in enumerate(scenario.architectures):
        kinds = [t.kind for t in arch.translators]
        for j, kind in enumerate(kinds):
            if kinds.count(kind) > 1 and kinds.index(kind) != j:
                problem(f"translator {kind!r} is listed twice; list each kind once with all "
                        f"its changes", "architectures", i, "translators", j, "kind")
    needs_internet = any(s.software_params().location == "cloud" for s in scenario.software)
    if needs_internet and shop.internet is None:
        problem("some software runs in the cloud, so the shop must name its internet link",
                "shop", "internet")
    return sorted(problems, key=lambda p: (p.line or 0, p.field))
