"""Guidance a standards drafter writes: named rules, each a transformation of a shop.

Rules change the scenario document of a shop (its machines, its software, the architectures
on offer and their translators), so a guided shop is simulated by the same engine as any other.
Each shop adopts each rule with the rule's ``adoption`` probability, drawn from the region's
seed, so the same shops adopt in every run.
"""

from __future__ import annotations

import copy
import os
from typing import Annotated, Any, Literal

from pydantic import Field

from testbed.errors import InputError, Problem
from testbed.loader import load_document, validate_document
from testbed.params import Strict
from testbed.registry import Registry
from testbed.units import Duration

# Machines report a sample and, on average, a few events per poll: what a buffer must hold.
MESSAGES_PER_MACHINE_PER_SAMPLE = 1.05
BUFFERING_ROLES = ("gateway", "hub", "agent", "adapter")


class RuleBase(Strict):
    name: str = Field(min_length=1)
    adoption: float = Field(default=1.0, ge=0, le=1,
                            description="chance that a shop follows the rule")


class MachineInterfaceRule(RuleBase):
    """Machines of some kinds expose another interface (e.g. OPC UA with a companion spec)."""

    kind: Literal["machine_interface"]
    replace: dict[str, str] = Field(min_length=1, description="machine kind -> kind it becomes")


class BufferRule(RuleBase):
    """Gateways, hubs, adapters and agents keep this long of store-and-forward."""

    kind: Literal["buffer"]
    hours: Duration = Field(gt=0, description="how long of the shop's data to hold, e.g. 24h")


class OpenExportRule(RuleBase):
    """Software must let the shop export its data in open formats (EU Data Act style)."""

    kind: Literal["open_export"]


class VendorShareRule(RuleBase):
    """No single vendor carries more than ``max_share`` of a shop's data paths: architectures
    that break it are taken off the shop's offer."""

    kind: Literal["vendor_share"]
    max_share: float = Field(gt=0, le=1)


Rule = Annotated[MachineInterfaceRule | BufferRule | OpenExportRule | VendorShareRule,
                 Field(discriminator="kind")]


class Guidance(Strict):
    schema_: str | None = Field(default=None, alias="$schema")
    name: str = Field(min_length=1)
    description: str = ""
    rules: list[Rule] = Field(min_length=1, max_length=20)


def load_guidance(path: str | os.PathLike[str], registry: Registry) -> Guidance:
    data, lines = load_document(path)
    guidance = validate_document(Guidance, data, path, lines)
    problems = []
    names = [r.name for r in guidance.rules]
    for i, rule in enumerate(guidance.rules):
        if names.count(rule.name) > 1:
            problems.append(Problem(f"rules[{i}].name", f"the name {rule.name!r} is used twice"))
        if isinstance(rule, MachineInterfaceRule):
            for old, new in rule.replace.items():
                for kind in (old, new):
                    if kind not in registry.machines:
                        problems.append(Problem(f"rules[{i}].replace", (
                            f"no machine kind {kind!r}; installed: "
                            f"{', '.join(sorted(registry.machines))}")))
    if problems:
        raise InputError(os.fspath(path), problems)
    return guidance


def _machines(document: dict[str, Any]) -> int:
    return sum(int(m.get("count", 1)) for m in document["shop"]["machines"])


def apply(rule: Any, document: dict[str, Any], registry: Registry) -> dict[str, Any]:
    """The shop's scenario document with the rule followed."""
    shop = copy.deepcopy(document)
    if isinstance(rule, MachineInterfaceRule):
        for machine in shop["shop"]["machines"]:
            if machine["kind"] in rule.replace:
                new = rule.replace[machine["kind"]]
                kept = {k: machine[k] for k in ("name", "count", "link") if k in machine}
                if kept.get("link") == "serial":
                    kept["link"] = "lan"  # a new interface comes with an Ethernet port
                machine.clear()
                machine.update(kept, kind=new)
    elif isinstance(rule, BufferRule):
        per_second = _machines(shop) * MESSAGES_PER_MACHINE_PER_SAMPLE
        for architecture in shop["architectures"]:
            translators = architecture.setdefault("translators", [])
            for kind, item in registry.translators.items():
                if item.defaults().role not in BUFFERING_ROLES:
                    continue
                entry = next((t for t in translators if t.get("kind") == kind), None)
                if entry is None:
                    entry = {"kind": kind, "prefer": False}
                    translators.append(entry)
                interval = float(entry.get("poll_interval", item.defaults().poll_interval))
                needed = int(rule.hours * per_second / interval) + 1
                current = int(entry.get("buffer_messages", item.defaults().buffer_messages))
                entry["buffer_messages"] = max(current, needed)
    elif isinstance(rule, OpenExportRule):
        for software in shop["software"]:
            software["export_open"] = True
    elif isinstance(rule, VendorShareRule):
        shop.setdefault("offer_filters", []).append({"max_vendor_share": rule.max_share})
    return shop
