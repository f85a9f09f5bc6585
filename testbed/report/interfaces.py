"""The interface list: each protocol the registered machines speak, the machine kinds that speak
it, the translators that read it, and the architectures that read it out of the box.

"Out of the box" is found by wiring, not written down: each architecture, at its defaults and
with the registry's translators at theirs, is asked to wire one machine of the protocol to one
piece of software that accepts whatever it is given. What it places on the way is shown.
"""

from __future__ import annotations

from typing import Any

from testbed.items import MachineKind
from testbed.params import SoftwareParams
from testbed.registry import PluginError, Registry
from testbed.wiring import MachineInstance, Placed, TranslatorOffer, WiringContext, WiringError

_SINK = "software"


def _sink(registry: Registry) -> Placed[SoftwareParams]:
    emitted = {t.defaults().output for t in registry.translators.values()}
    spoken = {m.defaults().protocol for m in registry.machines.values()}
    params = SoftwareParams(role="mes", accepts=sorted(emitted | spoken), location="onprem")
    return Placed(_SINK, _SINK, "software", params, "business", "enterprise")


def _route(registry: Registry, architecture: str, machine: MachineKind) -> str | None:
    """The components the architecture places between a machine of ``machine``'s kind and the
    software, or None when it cannot wire one."""
    item = registry.architectures[architecture]
    offers = {name: TranslatorOffer(name, t.defaults(), t.rami_layer, t.iira_tier, False)
              for name, t in registry.translators.items()}
    instance = MachineInstance("machine", "machine", machine.name, machine.defaults(), None)
    ctx: WiringContext[Any] = WiringContext([instance], {_SINK: _sink(registry)},
                                            item.params(consumers=[_SINK]), offers)
    assert item.wire is not None
    try:
        wiring = item.wire(ctx)
    except WiringError:
        return None
    except Exception as exc:
        raise PluginError(
            f"architecture {architecture!r} from plugin {item.plugin!r} failed to wire one "
            f"{machine.name!r} for the interface list: {type(exc).__name__}: {exc}") from exc
    if not wiring.paths:
        return None
    hops = wiring.paths[0].hops[:-1]
    return " > ".join(wiring.components[h].kind for h in hops)


def interface_table(registry: Registry) -> list[str]:
    """The interface list as Markdown lines: one row per protocol."""
    speakers: dict[str, list[MachineKind]] = {}
    for machine in sorted(registry.machines.values(), key=lambda m: m.name):
        speakers.setdefault(machine.defaults().protocol, []).append(machine)
    lines = ["| protocol | machine kinds | translators that read it | architectures that read "
             "it out of the box (what they place) |", "|---|---|---|---|"]
    for protocol, machines in sorted(speakers.items()):
        readers = sorted(name for name, t in registry.translators.items()
                         if protocol in t.defaults().inputs)
        routes = []
        for architecture in sorted(registry.architectures):
            route = _route(registry, architecture, machines[0])
            if route is not None:
                routes.append(f"`{architecture}` ({route or 'nothing'})")
        lines.append(
            f"| `{protocol}` | {', '.join(f'`{m.name}`' for m in machines)} | "
            f"{', '.join(f'`{r}`' for r in readers) or 'none'} | "
            f"{'; '.join(routes) or 'none'} |")
    return lines
