"""Lock-in risk: how hard it would be to leave the vendors an architecture depends on.

All four parts come from the architecture's wiring and the catalogue; the score combines them
with the weights below, which ``docs/metrics.md`` documents. The parts are reported beside it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from testbed.metrics.effort import mapped_tags
from testbed.params import EffortSettings, SoftwareParams, TranslatorParams
from testbed.wiring import MachineInstance, Wiring

# Weights of the score's parts (our choice, documented in docs/metrics.md); they sum to 1.
WEIGHTS = {"proprietary_path_share": 0.35, "vendor_concentration": 0.20,
           "vendor_exit_exposure": 0.25, "switching_share": 0.20}


@dataclass(frozen=True)
class LockIn:
    proprietary_path_share: float
    vendor_hhi: float
    vendor_exit_exposure: float
    switching_cost_hours: float
    dominant_vendor: str
    score: float
    notes: list[str] = field(default_factory=list)


def hhi(counts: Mapping[str, float]) -> float:
    """Herfindahl-Hirschman index: the sum of squared shares in percent (0 to 10,000)."""
    total = sum(counts.values())
    if total <= 0:
        return 0.0
    return sum((100.0 * n / total) ** 2 for n in counts.values())


def _open(params: TranslatorParams | SoftwareParams) -> bool:
    if isinstance(params, TranslatorParams):
        return params.open_output
    return params.export_open


def vendor_shares(wiring: Wiring) -> Counter[str]:
    """Vendors weighted by how many data paths each of their components carries."""
    shares: Counter[str] = Counter()
    for path in wiring.paths:
        for hop in path.hops:
            shares[wiring.components[hop].params.vendor] += 1
    return shares


def proprietary_path_share(wiring: Wiring) -> float:
    """Share of data paths that cross a proprietary protocol or land in a closed format."""
    if not wiring.paths:
        return 0.0
    closed = sum(1 for p in wiring.paths
                 if not all(_open(wiring.components[h].params) for h in p.hops))
    return closed / len(wiring.paths)


def exit_exposure(wiring: Wiring) -> tuple[float, str]:
    """The worst vendor's chance of exiting within two years times what stops with it: the
    share of data paths through its components, or everything when production depends on
    its software. Returns the exposure and the vendor."""
    worst, who = 0.0, ""
    vendors = sorted(set(vendor_shares(wiring)))
    for vendor in vendors:
        mine = {cid for cid, c in wiring.components.items() if c.params.vendor == vendor}
        broken = sum(1 for p in wiring.paths if mine & set(p.hops)) / len(wiring.paths)
        critical = any(isinstance(wiring.components[c].params, SoftwareParams)
                       and wiring.components[c].params.production_critical  # type: ignore[union-attr]
                       for c in mine)
        survival = min(wiring.components[c].params.vendor_survival_2y for c in mine)
        exposure = (1.0 - survival) * (1.0 if critical else broken)
        if exposure > worst:
            worst, who = exposure, vendor
    return worst, who


def switching_cost_hours(wiring: Wiring, machines: Sequence[MachineInstance],
                         alternatives: Mapping[str, Sequence[TranslatorParams | SoftwareParams]],
                         settings: EffortSettings, vendor: str) -> tuple[float, list[str]]:
    """Nominal hours to redo what touches ``vendor``'s components after swapping each for the
    best alternative in the catalogue: set-up of the replacements, re-mapping the tags they
    read, re-integrating the software they feed or are, and re-testing every path they carry.
    ``alternatives`` maps a component id to catalogue candidates from other vendors."""
    notes: list[str] = []
    by_id = {m.id: m for m in machines}
    replaced = {cid for cid, c in wiring.components.items() if c.params.vendor == vendor}
    hours = 0.0
    replacement: dict[str, TranslatorParams | SoftwareParams] = {}
    for cid in sorted(replaced):
        options = alternatives.get(cid, ())
        if options:
            replacement[cid] = min(options, key=lambda p: (p.capex_gbp + 12 * p.opex_gbp_per_month,
                                                           p.setup_hours))
        else:
            replacement[cid] = wiring.components[cid].params
            note = (f"no other vendor's equivalent of {wiring.components[cid].kind} in the "
                    f"catalogue: leaving {vendor} means rebuilding it")
            if note not in notes:
                notes.append(note)
        hours += replacement[cid].setup_hours
    remapped: set[tuple[str, str]] = set()
    reintegrated: set[str] = set()
    retested = 0
    for path in wiring.paths:
        touched = replaced & set(path.hops)
        if not touched:
            continue
        retested += 1
        machine = by_id[path.machine]
        for hop in path.hops[:-1]:
            if hop in replaced and (machine.id, hop) not in remapped:
                remapped.add((machine.id, hop))
                params = replacement[hop]
                assert isinstance(params, TranslatorParams)
                factor = settings.semantic_mapping_factor if machine.params.semantic else 1.0
                hours += mapped_tags(wiring, machine, hop) * params.minutes_per_tag / 60.0 \
                    * factor
        consumer = path.hops[-1]
        if consumer not in replaced and consumer not in reintegrated:
            reintegrated.add(consumer)
            software = wiring.components[consumer].params
            hours += software.setup_hours
    hours += retested * settings.testing_hours_per_path
    return hours, notes


def lock_in(wiring: Wiring, machines: Sequence[MachineInstance],
            alternatives: Mapping[str, Sequence[TranslatorParams | SoftwareParams]],
            settings: EffortSettings, nominal_effort_hours: float) -> LockIn:
    shares = vendor_shares(wiring)
    dominant = max(sorted(shares), key=lambda v: shares[v]) if shares else ""
    exposure, _ = exit_exposure(wiring) if wiring.paths else (0.0, "")
    switching, notes = switching_cost_hours(wiring, machines, alternatives, settings, dominant)
    concentration = hhi(shares)
    proprietary = proprietary_path_share(wiring)
    parts = {
        "proprietary_path_share": proprietary,
        "vendor_concentration": concentration / 10_000.0,
        "vendor_exit_exposure": exposure,
        "switching_share": min(1.0, switching / nominal_effort_hours)
        if nominal_effort_hours > 0 else 0.0,
    }
    score = 100.0 * sum(WEIGHTS[name] * value for name, value in parts.items())
    return LockIn(proprietary, concentration, exposure, switching, dominant, score, notes)
