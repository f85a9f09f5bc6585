"""The claims document a vendor writes: the product and what it claims, claim by claim.

Claims are typed and each carries an id and a level (MUST, SHOULD, MAY), as conformance suites
do (OPC UA certification, the Eclipse Sparkplug TCK). `testbed verify` turns them into a test
plan over the reference machines and architectures (docs/verify.md).
"""

from __future__ import annotations

import os
from typing import Annotated, Literal

from pydantic import Field, model_validator

from testbed.errors import InputError, Problem
from testbed.loader import load_document, validate_document
from testbed.params import Strict
from testbed.registry import Registry
from testbed.units import Duration

Level = Literal["MUST", "SHOULD", "MAY"]


class Product(Strict):
    name: str = Field(min_length=1)
    vendor: str = Field(min_length=1)
    translator: str = Field(min_length=1, description="the product: a registered translator kind")


class ClaimBase(Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=64)
    level: Level
    statement: str = Field(default="", description="the claim in the vendor's words")


class CompatibilityClaim(ClaimBase):
    """The product works with these machine kinds in these architectures: it can be placed,
    and the machines' data reaches the software through it."""

    type: Literal["compatibility"]
    machines: list[str] = Field(min_length=1)
    architectures: list[str] = Field(min_length=1)


class EffortClaim(ClaimBase):
    """Integration effort of the product (set-up and tag mapping) per machine it serves."""

    type: Literal["effort"]
    max_hours_per_machine: float = Field(gt=0)
    machine: str = Field(description="the machine kind the effort is measured on")
    machines: int = Field(default=10, ge=1, le=200)
    architecture: str = "edge-gateway-hub"


class LatencyClaim(ClaimBase):
    """p95 of the time from a machine event to the software, through the product, at a load."""

    type: Literal["latency"]
    p95_max: Duration = Field(gt=0)
    machine: str
    machines: int = Field(default=10, ge=1, le=500, description="machines served: the load")
    architecture: str = "edge-gateway-hub"


class ResilienceClaim(ClaimBase):
    """No data lost when the link beyond the product is down for up to ``no_loss_up_to``, and
    the backlog delivered within ``recovers_within`` of the link's return."""

    type: Literal["resilience"]
    no_loss_up_to: Duration = Field(gt=0)
    recovers_within: Duration | None = Field(default=None, gt=0)
    machine: str
    machines: int = Field(default=10, ge=1, le=500)
    architecture: str = "edge-gateway-hub"


class OpennessClaim(ClaimBase):
    """The product's output is an open standard, and the lock-in score of a reference shop
    built with it stays under a ceiling."""

    type: Literal["openness"]
    open_output: bool = True
    max_lock_in_score: float | None = Field(default=None, ge=0, le=100)
    machine: str
    architecture: str = "edge-gateway-hub"


Claim = Annotated[
    CompatibilityClaim | EffortClaim | LatencyClaim | ResilienceClaim | OpennessClaim,
    Field(discriminator="type"),
]


class ClaimsDocument(Strict):
    schema_: str | None = Field(default=None, alias="$schema")
    product: Product
    seed: int = Field(ge=0, lt=2**63)
    min_replications: int = Field(default=5, ge=2, le=100)
    max_replications: int = Field(
        default=40, ge=2, le=1000,
        description="replications double from the minimum while a verdict is inconclusive")
    claims: list[Claim] = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _ordered(self) -> ClaimsDocument:
        if self.max_replications < self.min_replications:
            raise ValueError("max_replications must be at least min_replications")
        return self


def check_claims(document: ClaimsDocument, registry: Registry) -> list[Problem]:
    """Names that must exist in the installed catalogue, and unique claim ids."""
    problems = []
    if document.product.translator not in registry.translators:
        problems.append(Problem("product.translator", (
            f"no translator named {document.product.translator!r} is installed; installed: "
            f"{', '.join(sorted(registry.translators))} (is the vendor's plugin installed? "
            f"`testbed plugins` lists them)")))
    seen: set[str] = set()
    for i, claim in enumerate(document.claims):
        if claim.id in seen:
            problems.append(Problem(f"claims[{i}].id", f"the id {claim.id!r} is used twice"))
        seen.add(claim.id)
        machines = (claim.machines if isinstance(claim, CompatibilityClaim)
                    else [claim.machine])
        for j, machine in enumerate(machines):
            if machine not in registry.machines:
                where = f"claims[{i}].machines[{j}]" if isinstance(claim, CompatibilityClaim) \
                    else f"claims[{i}].machine"
                problems.append(Problem(where, f"no machine kind {machine!r}; installed: "
                                               f"{', '.join(sorted(registry.machines))}"))
        architectures = (claim.architectures if isinstance(claim, CompatibilityClaim)
                         else [claim.architecture])
        for architecture in architectures:
            if architecture not in registry.architectures:
                problems.append(Problem(f"claims[{i}]", (
                    f"no architecture {architecture!r}; installed: "
                    f"{', '.join(sorted(registry.architectures))}")))
    return problems


def load_claims(path: str | os.PathLike[str], registry: Registry) -> ClaimsDocument:
    data, lines = load_document(path)
    document = validate_document(ClaimsDocument, data, path, lines)
    problems = check_claims(document, registry)
    if problems:
        raise InputError(os.fspath(path), problems)
    return document
