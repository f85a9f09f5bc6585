"""What an architecture plugin produces: placed components and the data paths between them.

An architecture's ``wire`` function receives a :class:`WiringContext` (the shop's machines, the
software it must feed, the translators on offer) and returns a :class:`Wiring`. The engine derives
the links between hops from where components sit, so a plugin never handles networks itself.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar, cast

from testbed.params import (
    ArchitectureParams,
    IiraTier,
    LinkSpec,
    MachineParams,
    RamiLayer,
    SoftwareParams,
    TranslatorParams,
)

P = TypeVar("P", bound=ArchitectureParams)
# What a placed component's params are: a translator's or a piece of software's.
C = TypeVar("C", bound="TranslatorParams | SoftwareParams", covariant=True)

# Roles a protocol-conversion chain may use; hubs, brokers and drivers are placed on purpose.
ADAPTING_ROLES: frozenset[str] = frozenset({"adapter", "gateway", "manual"})


@dataclass(frozen=True)
class MachineInstance:
    """One physical machine: an entry with ``count: 3`` gives three instances."""

    id: str
    entry: str
    kind: str
    params: MachineParams
    link: str | None


@dataclass(frozen=True)
class ShopNetwork:
    """The shop's links by name, and which of them are the backbone and the internet."""

    links: Mapping[str, LinkSpec]
    backbone: str | None
    internet: str | None


@dataclass(frozen=True)
class Placed(Generic[C]):
    """A component placed in an architecture: a translator instance
    (``Placed[TranslatorParams]``, what ``ctx.place`` returns) or a piece of software
    (``Placed[SoftwareParams]``, what ``ctx.consumers()`` returns)."""

    id: str
    kind: str
    category: Literal["translator", "software"]
    params: C
    rami_layer: RamiLayer
    iira_tier: IiraTier

    @property
    def location(self) -> str:
        return self.params.location


@dataclass(frozen=True)
class DataPath:
    """Data of one machine travelling through components to one piece of software (the last
    hop)."""

    machine: str
    hops: tuple[str, ...]


# Any placed component, translator or software.
Component = Placed[TranslatorParams | SoftwareParams]


@dataclass
class Wiring:
    """What an architecture built: the components it placed, by id, and the data paths through
    them; ``notes`` are plain sentences for the reader of the results."""

    components: dict[str, Component] = field(default_factory=dict)
    paths: list[DataPath] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TranslatorOffer:
    """A translator kind as this architecture may use it: catalogue defaults plus the scenario's
    overrides."""

    kind: str
    params: TranslatorParams
    rami_layer: RamiLayer
    iira_tier: IiraTier
    preferred: bool


class WiringError(ValueError):
    """The architecture cannot be built for this shop (e.g. no translator reads a protocol)."""


@dataclass
class WiringContext(Generic[P]):
    """Everything an architecture's ``wire`` function may use.

    Generic over the architecture's params model: a ``wire(ctx: WiringContext[HubParams])``
    reads ``ctx.params.hub`` with no ``isinstance`` and no ``type: ignore``, and
    :class:`~testbed.items.ArchitectureKind` makes sure the two agree.
    """

    machines: Sequence[MachineInstance]
    software: Mapping[str, Placed[SoftwareParams]]
    params: P
    translators: Mapping[str, TranslatorOffer]
    wiring: Wiring = field(default_factory=Wiring)

    def consumers(self) -> list[Placed[SoftwareParams]]:
        return [self.software[name] for name in self.params.consumers]

    def place(self, kind: str,
              machine: MachineInstance | None = None) -> Placed[TranslatorParams]:
        """Place a translator of ``kind``: one instance per machine when its scope is
        ``per_machine`` (or a machine is given for a per-machine role), else one shared
        instance."""
        offer = self.offer(kind)
        per_machine = offer.params.scope == "per_machine" and machine is not None
        ident = f"{kind}@{machine.id}" if per_machine and machine else kind
        return self._placed(offer, ident)

    def place_as(self, kind: str, ident: str) -> Placed[TranslatorParams]:
        """Place an instance of ``kind`` under a chosen id, e.g. one custom driver per machine
        and consumer (``custom-driver@lathe-1>mes``)."""
        return self._placed(self.offer(kind), ident)

    def _placed(self, offer: TranslatorOffer, ident: str) -> Placed[TranslatorParams]:
        existing = self.wiring.components.get(ident)
        if existing is None:
            placed = Placed(ident, offer.kind, "translator", offer.params, offer.rami_layer,
                            offer.iira_tier)
            self.wiring.components[ident] = placed
            return placed
        if existing.category != "translator":
            raise WiringError(f"cannot place translator {offer.kind!r} as {ident!r}: the "
                              f"{existing.category} {existing.kind!r} already has that id")
        return cast("Placed[TranslatorParams]", existing)

    def add_software(self, software: Placed[SoftwareParams]) -> Placed[SoftwareParams]:
        self.wiring.components.setdefault(software.id, software)
        return software

    def connect(self, machine: MachineInstance, hops: Sequence[Component]) -> None:
        self.wiring.paths.append(DataPath(machine.id, tuple(h.id for h in hops)))

    def chain(self, protocol: str, targets: set[str],
              roles: frozenset[str] = ADAPTING_ROLES) -> list[str]:
        """A chain of translator kinds turning ``protocol`` into one of ``targets``.

        A translator the scenario prefers that reads ``protocol`` is used whenever some chain
        through it exists (the shop chose that product); otherwise the shortest chain, ties
        going to preferred translators, then to the cheapest, then by name, so the choice is
        deterministic. An empty list means the protocol already fits.

        :raises WiringError: when no chain exists, naming the protocol, the targets and the
            roles tried.
        """
        for offer in sorted(self.translators.values(),
                            key=lambda o: (o.params.capex_gbp, o.kind)):
            if offer.preferred and offer.params.role in roles \
                    and protocol in offer.params.inputs:
                if offer.params.output in targets:
                    return [offer.kind]
                try:
                    return [offer.kind, *self._shortest(offer.params.output, targets, roles)]
                except WiringError:
                    continue
        if protocol in targets:
            return []
        return self._shortest(protocol, targets, roles)

    def _shortest(self, protocol: str, targets: set[str], roles: frozenset[str]) -> list[str]:
        if protocol in targets:
            return []
        candidates = sorted(
            (o for o in self.translators.values() if o.params.role in roles),
            key=lambda o: (not o.preferred, o.params.capex_gbp, o.kind),
        )
        frontier: deque[tuple[str, list[str]]] = deque([(protocol, [])])
        seen = {protocol}
        while frontier:
            current, path = frontier.popleft()
            for offer in candidates:
                if current not in offer.params.inputs or offer.params.output in seen:
                    continue
                route = [*path, offer.kind]
                if offer.params.output in targets:
                    return route
                seen.add(offer.params.output)
                frontier.append((offer.params.output, route))
        # The roles say why a translator that reads the protocol was not used (a broker, say).
        raise WiringError(
            f"no translator of role {', '.join(sorted(roles))} turns {protocol!r} into any of "
            f"{sorted(targets)}")

    def offer(self, kind: str) -> TranslatorOffer:
        """The translator ``kind`` as offered here.

        :raises WiringError: naming the kinds on offer, when there is no such kind.
        """
        try:
            return self.translators[kind]
        except KeyError:
            raise WiringError(
                f"translator {kind!r} is not in the catalogue; known: "
                f"{', '.join(sorted(self.translators))}") from None
