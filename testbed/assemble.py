"""Assemble one candidate architecture of a scenario: machine instances, the shop network and
the wiring the architecture's plugin produces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from testbed.errors import InputError, Problem
from testbed.params import SoftwareParams, TranslatorParams
from testbed.registry import PluginError, Registry
from testbed.scenario import ArchitectureEntry, Scenario, TranslatorEntry
from testbed.wiring import (
    DataPath,
    MachineInstance,
    Placed,
    ShopNetwork,
    TranslatorOffer,
    Wiring,
    WiringContext,
    WiringError,
)


@dataclass(frozen=True)
class Assembly:
    name: str
    kind: str
    machines: list[MachineInstance]
    network: ShopNetwork
    wiring: Wiring
    # For each component, what the catalogue offers from other vendors in its place.
    alternatives: dict[str, list[TranslatorParams | SoftwareParams]]


def machine_instances(scenario: Scenario) -> list[MachineInstance]:
    instances = []
    for entry in scenario.shop.machines:
        for i in range(entry.count):
            ident = entry.name if entry.count == 1 else f"{entry.name}-{i + 1}"
            instances.append(MachineInstance(ident, entry.name, entry.kind,
                                             entry.machine_params(), entry.link))
    return instances


def placed_software(scenario: Scenario, registry: Registry) -> dict[str, Placed[SoftwareParams]]:
    """The scenario's software, by name, as an architecture places it."""
    return {
        s.name: Placed(s.name, s.kind, "software", s.software_params(),
                       registry.software[s.kind].rami_layer, registry.software[s.kind].iira_tier)
        for s in scenario.software
    }


def translator_offers(registry: Registry, entries: Sequence[TranslatorEntry],
                      also_preferred: str | None = None) -> dict[str, TranslatorOffer]:
    """Every installed translator as an architecture may use it: the catalogue's defaults with
    the architecture's ``translators:`` entries applied, and ``also_preferred`` preferred as if
    it were listed there."""
    changed = {t.kind: t.translator_params() for t in entries}
    preferred = {t.kind for t in entries if t.prefer} | {also_preferred}
    return {
        name: TranslatorOffer(name, changed.get(name) or item.defaults(), item.rami_layer,
                              item.iira_tier, name in preferred)
        for name, item in registry.translators.items()
    }


def shop_network(scenario: Scenario) -> ShopNetwork:
    shop = scenario.shop
    return ShopNetwork({link.name: link for link in shop.links}, shop.backbone, shop.internet)


def assemble(scenario: Scenario, index: int, registry: Registry,
             file: str | None = None) -> Assembly:
    """Wire architecture ``index`` of the scenario.

    :raises InputError: the architecture cannot be built for this shop (names the entry).
    :raises PluginError: the architecture's plugin failed.
    """
    entry: ArchitectureEntry = scenario.architectures[index]
    kind = registry.architectures[entry.kind]
    offers = translator_offers(registry, entry.translators)
    machines = machine_instances(scenario)
    ctx = WiringContext(machines, placed_software(scenario, registry),
                        entry.architecture_params(), offers)
    assert kind.wire is not None
    try:
        wiring = kind.wire(ctx)
    except WiringError as exc:
        raise InputError(file, [Problem(f"architectures[{index}]",
                                        f"{entry.name!r} cannot be built: {exc}")]) from exc
    except Exception as exc:
        raise PluginError(
            f"architecture {entry.kind!r} from plugin {kind.plugin!r} failed to wire "
            f"{entry.name!r}: {type(exc).__name__}: {exc}") from exc
    if not isinstance(wiring, Wiring):
        raise PluginError(f"architecture {entry.kind!r} from plugin {kind.plugin!r} returned "
                          f"{type(wiring).__name__}, not a testbed.Wiring")
    _check(wiring, entry, kind.plugin, {m.id: m for m in machines})
    return Assembly(entry.name, entry.kind, machines, shop_network(scenario), wiring,
                    alternatives(wiring, offers, registry))


def alternatives(wiring: Wiring, offers: dict[str, TranslatorOffer],
                 registry: Registry) -> dict[str, list[TranslatorParams | SoftwareParams]]:
    """Other vendors' catalogue items that could take each component's place: a translator of
    the same role and output reading at least one of the same protocols; software of the same
    role."""
    found: dict[str, list[TranslatorParams | SoftwareParams]] = {}
    for cid, placed in wiring.components.items():
        params = placed.params
        options: list[TranslatorParams | SoftwareParams] = []
        if isinstance(params, TranslatorParams):
            options.extend(
                o.params for o in offers.values()
                if o.params.role == params.role and o.params.output == params.output
                and o.params.vendor != params.vendor and set(o.params.inputs) & set(params.inputs))
        else:
            options.extend(
                d for d in (item.defaults() for item in registry.software.values())
                if d.role == params.role and d.vendor != params.vendor)
        found[cid] = options
    return found


def _check(wiring: Wiring, entry: ArchitectureEntry, plugin: str,
           machines: dict[str, MachineInstance]) -> None:
    def broken(what: str) -> PluginError:
        return PluginError(f"architecture {entry.kind!r} from plugin {plugin!r} wired "
                           f"{entry.name!r} wrongly: {what}")

    for path in wiring.paths:
        if path.machine not in machines:
            raise broken(f"a data path starts at unknown machine {path.machine!r}")
        for hop in path.hops:
            if hop not in wiring.components:
                raise broken(f"a data path of {path.machine} goes through {hop!r}, which it "
                             f"never placed")
        if not path.hops or wiring.components[path.hops[-1]].category != "software":
            raise broken(f"a data path of {path.machine} does not end at software")
        if wiring.components[path.hops[0]].category != "translator":
            raise broken(f"a data path of {path.machine} starts at software; a translator "
                         f"(driver, gateway, adapter) must read the machine")
        problem = _protocol_mismatch(machines[path.machine], path, wiring)
        if problem:
            raise broken(problem)
    fed = {p.hops[-1] for p in wiring.paths}
    for consumer in entry.architecture_params().consumers:
        if consumer not in fed:
            wiring.notes.append(f"{consumer} receives no data in this architecture")


def _protocol_mismatch(machine: MachineInstance, path: DataPath, wiring: Wiring) -> str | None:
    """What is wrong with the protocols along ``path``, or None: the first hop must read the
    machine's protocol, and every later hop must read (a translator's ``inputs``) or accept
    (software's ``accepts``) what the hop before it emits (its ``output``)."""
    sender = f"machine {machine.id} ({machine.kind}) speaks"
    protocol = machine.params.protocol
    for position, ident in enumerate(path.hops, start=1):
        hop = wiring.components[ident]
        params = hop.params
        takes = params.inputs if isinstance(params, TranslatorParams) else params.accepts
        if protocol not in takes:
            verb = "read" if hop.category == "translator" else "accept"
            return (f"on the data path of {machine.id}, {sender} {protocol!r}, which "
                    f"hop {position}, {hop.category} {ident!r} (kind {hop.kind!r}), does not "
                    f"{verb}: it {verb}s {', '.join(takes)}")
        if not isinstance(params, TranslatorParams):
            if position < len(path.hops):
                return (f"on the data path of {machine.id}, hop {position} is software "
                        f"{ident!r}, which passes nothing on; software can only end a path")
            break
        sender = f"hop {position}, translator {ident!r} (kind {hop.kind!r}), emits"
        protocol = params.output
    return None
