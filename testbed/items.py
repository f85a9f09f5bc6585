"""Catalogue items: what plugins register through the hooks in :mod:`testbed.hookspecs`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from testbed.params import (
    ArchitectureParams,
    IiraTier,
    MachineParams,
    RamiLayer,
    SoftwareParams,
    TranslatorParams,
)

if TYPE_CHECKING:
    from testbed.wiring import Wiring, WiringContext

P = TypeVar("P", bound=ArchitectureParams)


@dataclass(frozen=True)
class Item:
    """Common to every registered item.

    ``sources`` maps a default's field name to where the figure comes from, written
    "<what it rests on> (<citation>; <strength>)" or "guess: <what it rests on>" so that
    ``testbed.sources.strength_of`` reads its strength; ``docs/catalogue.md`` is rendered from it.
    """

    name: str
    description: str
    sources: Mapping[str, str] = field(default_factory=dict)
    # Set by the registry: the plugin that registered the item.
    plugin: str = ""
    category: ClassVar[str] = "item"

    @property
    def params_model(self) -> type[BaseModel]:
        """The item's params model (every concrete item has a ``params`` field)."""
        model: type[BaseModel] = getattr(self, "params")  # noqa: B009
        return model


@dataclass(frozen=True)
class MachineKind(Item):
    params: type[MachineParams] = MachineParams
    rami_layer: RamiLayer = "asset"
    iira_tier: IiraTier = "edge"
    category: ClassVar[str] = "machine"

    def defaults(self) -> MachineParams:
        return self.params.model_validate({})


@dataclass(frozen=True)
class TranslatorKind(Item):
    params: type[TranslatorParams] = TranslatorParams
    rami_layer: RamiLayer = "integration"
    iira_tier: IiraTier = "edge"
    category: ClassVar[str] = "translator"

    def defaults(self) -> TranslatorParams:
        return self.params.model_validate({})


@dataclass(frozen=True)
class SoftwareKind(Item):
    params: type[SoftwareParams] = SoftwareParams
    rami_layer: RamiLayer = "business"
    iira_tier: IiraTier = "enterprise"
    category: ClassVar[str] = "software"

    def defaults(self) -> SoftwareParams:
        return self.params.model_validate({})


@dataclass(frozen=True)
class ArchitectureKind(Item, Generic[P]):
    """An architecture: a params model (its options in a scenario) and a wiring function.

    Generic over the params model, which ties it to the context ``wire`` receives: an
    ``ArchitectureKind(..., params=HubParams, wire=hub)`` type-checks only when ``hub`` takes a
    ``WiringContext[HubParams]``, whose ``ctx.params`` is then a ``HubParams`` with no
    ``isinstance`` needed. ``params`` is required, by keyword, for that reason: a default would
    let a wire function expect options the scenario never gets.
    """

    wire: Callable[[WiringContext[P]], Wiring] | None = None
    params: type[P] = field(kw_only=True)
    category: ClassVar[str] = "architecture"
