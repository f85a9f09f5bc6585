"""Every architecture that cannot read some machine, found at once, with what would read it.

Wiring stops at the first machine an architecture cannot read. A user fixing a scenario wants
every such machine, under every architecture, in one go: so each failing architecture is wired
again one machine entry at a time, and for each entry it cannot read the error names the entry's
line, the installed translators that read its protocol, whether listing one of them under the
architecture's ``translators:`` would make it readable, and which kinds of architecture can read
it. Nothing here knows any plugin's protocols: every answer comes from wiring again.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import ValidationError

from testbed.assemble import (
    Assembly,
    assemble,
    machine_instances,
    placed_software,
    translator_offers,
)
from testbed.errors import InputError, Problem
from testbed.items import ArchitectureKind
from testbed.loader import LineMap, load_document
from testbed.registry import PluginError, Registry
from testbed.scenario import Scenario
from testbed.wiring import MachineInstance, TranslatorOffer, WiringContext, WiringError


def assemble_all(scenario: Scenario, registry: Registry, file: str) -> list[Assembly]:
    """Every candidate architecture wired into the shop.

    :raises InputError: naming every architecture that cannot be built and, for each, every
        machine entry it cannot read (with the entry's line in ``file``) and what would read it.
    :raises PluginError: a plugin failed while wiring.
    """
    assemblies: list[Assembly] = []
    problems: list[Problem] = []
    lines: LineMap | None = None
    for index in range(len(scenario.architectures)):
        try:
            assemblies.append(assemble(scenario, index, registry, file))
        except InputError as error:
            lines = _lines(file) if lines is None else lines
            # A failure that no single machine explains (a hub kind nobody installed, say)
            # keeps the plugin's own words.
            problems += unreadable(scenario, index, registry, lines) or error.problems
    if problems:
        raise InputError(file, problems)
    return assemblies


def unreadable(scenario: Scenario, index: int, registry: Registry,
               lines: LineMap) -> list[Problem]:
    """One problem for each machine entry architecture ``index`` cannot read on its own, at
    the entry's line."""
    entry = scenario.architectures[index]
    kind = registry.architectures[entry.kind]
    software = placed_software(scenario, registry)
    instances = machine_instances(scenario)
    offers = translator_offers(registry, entry.translators)
    problems = []
    for position, machine in enumerate(scenario.shop.machines):
        mine = [m for m in instances if m.entry == machine.name]
        error = _wiring_error(kind, WiringContext(mine, software, entry.architecture_params(),
                                                  offers))
        if error is None:
            continue
        protocol = mine[0].params.protocol
        readers = [o for o in offers.values() if protocol in o.params.inputs]
        listed = [o.kind for o in readers if not o.preferred and _wiring_error(
            kind, WiringContext(mine, software, entry.architecture_params(),
                                translator_offers(registry, entry.translators, o.kind))) is None]
        others = [name for name, other in sorted(registry.architectures.items())
                  if name != entry.kind and _reads(other, entry.architecture_params().consumers,
                                                   mine, software, registry)]
        message = (f"architecture {entry.name!r} ({entry.kind}) cannot read machine "
                   f"{machine.name!r} (kind {machine.kind}, protocol {protocol!r}): {error}; "
                   f"{_readers(protocol, readers)}; {_fixes(listed, readers)}; "
                   f"{_other_kinds(others)}")
        problems.append(Problem(f"shop.machines[{position}]", message,
                                lines.get(("shop", "machines", position))))
    return problems


def _wiring_error(kind: ArchitectureKind[Any], ctx: WiringContext[Any]) -> WiringError | None:
    assert kind.wire is not None
    try:
        kind.wire(ctx)
    except WiringError as error:
        return error
    except Exception as exc:
        raise PluginError(f"architecture {kind.name!r} from plugin {kind.plugin!r} failed to "
                          f"wire a shop of {', '.join(m.id for m in ctx.machines)}: "
                          f"{type(exc).__name__}: {exc}") from exc
    return None


def _reads(kind: ArchitectureKind[Any], consumers: list[str], machines: list[MachineInstance],
           software: dict[str, Any], registry: Registry) -> bool:
    """Whether an architecture of ``kind``, with its default options and the same consumers,
    can read ``machines``."""
    try:
        params = kind.params.model_validate({"consumers": consumers})
    except ValidationError:
        # Its options have no defaults: it cannot be tried without the user choosing them.
        return False
    ctx = WiringContext(machines, software, params, translator_offers(registry, ()))
    return _wiring_error(kind, ctx) is None


def _readers(protocol: str, readers: list[TranslatorOffer]) -> str:
    if not readers:
        return (f"no installed translator reads {protocol!r}: a plugin must add one "
                f"(docs/plugin-authoring.md)")
    named = ", ".join(f"{o.kind} ({o.params.role}, emits {o.params.output!r})" for o in readers)
    return f"installed translators that read {protocol!r}: {named}"


def _fixes(listed: list[str], readers: list[TranslatorOffer]) -> str:
    if listed:
        return ("listing " + " or ".join(f"'- kind: {k}'" for k in listed)
                + " under this architecture's translators: makes it readable")
    if readers:
        them = "it" if len(readers) == 1 else "them"
        return f"listing {them} under this architecture's translators: would not make it readable"
    return "no translators: entry can make it readable"


def _other_kinds(others: list[str]) -> str:
    if not others:
        return "no installed kind of architecture can read it and feed the same consumers"
    return (f"kinds of architecture that can read it and feed the same consumers: "
            f"{', '.join(others)}")


def _lines(file: str) -> LineMap:
    """The line of every key of ``file``, or none when it is not a file we can read again (a
    scenario built in memory, such as verify's reference shop)."""
    if not os.path.isfile(file):
        return {}
    try:
        return load_document(file)[1]
    except InputError:
        return {}

