"""A region's SMEs as distributions, and the generator that turns them into concrete shops.

The same region and seed always give the same shops: every draw comes from a stream derived
from (region seed, shop number).
"""

from __future__ import annotations

import copy
import os
from typing import Any, Literal

from pydantic import Field, model_validator

from testbed.errors import InputError, Problem
from testbed.loader import load_document, validate_document
from testbed.params import Faults, Strict
from testbed.registry import Registry
from testbed.scenario import scenario_model
from testbed.seeds import stream
from testbed.units import Duration

SizeClass = Literal["micro", "small", "medium"]


class SizeProfile(Strict):
    share: float = Field(ge=0, le=1, description="share of the region's shops of this size")
    machines: tuple[int, int] = Field(description="fewest and most machines, inclusive")
    broadband: Faults = Field(description="broadband outages of a shop this size")
    staff_hours_per_week: tuple[float, float] = Field(
        description="least and most hours a week the shop's own staff can give")

    @model_validator(mode="after")
    def _ordered(self) -> SizeProfile:
        if not 1 <= self.machines[0] <= self.machines[1] <= 200:
            raise ValueError("machines must be two whole numbers from 1 to 200, fewest first")
        low, high = self.staff_hours_per_week
        if not 0 < low <= high <= 80:
            raise ValueError("staff_hours_per_week must be above 0, at most 80, least first")
        return self


class Region(Strict):
    """The SMEs of a region, described as distributions (docs/guidance.md)."""

    schema_: str | None = Field(default=None, alias="$schema")
    name: str = Field(min_length=1)
    description: str = ""
    seed: int = Field(ge=0, lt=2**63)
    shops: int = Field(ge=1, le=10_000)
    horizon: Duration = Field(ge=3600, le=366 * 86_400.0)
    replications: int = Field(ge=1, le=100)
    fidelity: Literal["message", "flow"] = Field(
        default="message", description="the fidelity every shop's scenario runs at")
    sizes: dict[SizeClass, SizeProfile] = Field(min_length=1)
    machine_mix: dict[str, float] = Field(
        min_length=1, description="machine kind -> relative weight")
    wifi_share: float = Field(ge=0, le=1, description="share of networked machines on Wi-Fi")
    wifi_outages: Faults | None = None
    # £640 a day, inside the £400-700 of UK IT contractors and above the £300-600 of senior
    # engineering contractors (contractor.news, Day Rates Across UK Contract Roles Compared,
    # 2025); an integrator's rate carries its firm's margin, so the guess stays.
    integrator_rate_gbp_per_hour: float = Field(default=85.0, ge=0)
    # The average gross pay of UK engineering and technology occupations, £39,163 (EngineeringUK,
    # The engineering and technology workforce, September 2024 update), with employer NI of 15 %
    # above £5,000 and a 3 % pension over 1,950 hours a year: £23.2 an hour.
    staff_rate_gbp_per_hour: float = Field(default=23.2, ge=0)
    sample_interval: Duration = Field(
        default=10.0, gt=0, description="how often machines report process values")
    software: list[dict[str, Any]] = Field(min_length=1)
    architectures: list[dict[str, Any]] = Field(
        min_length=1, description="the architectures on offer to every shop, as in a scenario")

    @model_validator(mode="after")
    def _shares(self) -> Region:
        total = sum(p.share for p in self.sizes.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"the sizes' shares must add up to 1 (they add up to {total:g})")
        if sum(self.machine_mix.values()) <= 0 or min(self.machine_mix.values()) < 0:
            raise ValueError("machine_mix weights must be zero or more, and not all zero")
        return self


def _pick(rng: Any, weights: dict[str, float]) -> str:
    names = sorted(weights)
    return str(rng.choices(names, weights=[weights[n] for n in names])[0])


def generate_shop(region: Region, registry: Registry, index: int) -> dict[str, Any]:
    """Shop ``index`` of the region, as a scenario document."""
    rng = stream(region.seed, "shop", index)
    size = _pick(rng, {name: p.share for name, p in region.sizes.items()})
    profile = region.sizes[size]  # type: ignore[index]
    count = rng.randint(*profile.machines)
    groups: dict[tuple[str, str | None], int] = {}
    for _ in range(count):
        kind = _pick(rng, region.machine_mix)
        medium = registry.machines[kind].defaults().medium
        if medium == "none":
            link = None
        elif medium == "serial":
            link = "serial"
        else:
            link = "wifi" if rng.random() < region.wifi_share else "lan"
        groups[(kind, link)] = groups.get((kind, link), 0) + 1
    machines = []
    for (kind, link), n in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1] or "")):
        entry: dict[str, Any] = {"name": f"{kind}-{link or 'paper'}", "kind": kind, "count": n,
                                 "link": link}
        if registry.machines[kind].defaults().interface == "push":
            entry["sample_interval"] = region.sample_interval
        machines.append(entry)
    staff_hours = round(rng.uniform(*profile.staff_hours_per_week), 1)
    wifi: dict[str, Any] = {"name": "wifi", "kind": "wifi", "bandwidth": "20Mbps",
                            "latency": {"dist": "lognormal", "mean": "8ms", "cv": 1.0}}
    if region.wifi_outages:
        wifi["outages"] = region.wifi_outages.model_dump()
    architectures = copy.deepcopy(region.architectures)
    for architecture in architectures:
        # Readers poll at the interval the region's machines report at.
        translators = architecture.setdefault("translators", [])
        for kind, item in registry.translators.items():
            if item.defaults().role in ("gateway", "adapter", "hub", "driver", "agent") and \
                    not any(t.get("kind") == kind for t in translators):
                translators.append({"kind": kind, "prefer": False,
                                    "poll_interval": region.sample_interval})
    return {
        "name": f"{region.name} shop {index + 1:04d} ({size})",
        "seed": stream(region.seed, "shop-seed", index).randrange(2**62),
        "horizon": region.horizon,
        "replications": region.replications,
        "fidelity": region.fidelity,
        "shop": {
            "name": f"shop {index + 1:04d}",
            "backbone": "lan",
            "internet": "broadband",
            "links": [
                {"name": "lan", "kind": "lan", "bandwidth": "100Mbps",
                 "latency": {"dist": "shifted-exponential", "min": "0.5ms", "mean": "1.5ms"}},
                wifi,
                {"name": "serial", "kind": "serial", "bandwidth": "19200baud",
                 "latency": "1.75ms"},
                {"name": "broadband", "kind": "wan", "bandwidth": "40Mbps",
                 "latency": {"dist": "shifted-exponential", "min": "15ms", "mean": "30ms"},
                 "outages": profile.broadband.model_dump()},
            ],
            "people": [
                {"name": "own staff", "role": "staff", "hours_per_week": staff_hours,
                 "rate_gbp_per_hour": region.staff_rate_gbp_per_hour, "skills": ["networking"]},
                {"name": "integrator", "role": "integrator", "hours_per_week": 30.0,
                 "rate_gbp_per_hour": region.integrator_rate_gbp_per_hour,
                 "skills": ["opcua", "modbus", "mqtt", "programming"]},
            ],
            "machines": machines,
        },
        "software": copy.deepcopy(region.software),
        "architectures": architectures,
        "size": size,
    }


def generate(region: Region, registry: Registry) -> list[dict[str, Any]]:
    """Every shop of the region, validated as a scenario (``size`` kept beside it)."""
    model = scenario_model(registry)
    shops = []
    for index in range(region.shops):
        document = generate_shop(region, registry, index)
        size = document.pop("size")
        try:
            validate_document(model, document, f"region shop {index + 1}", None)
        except InputError as exc:
            raise InputError(None, [Problem(
                "software/architectures", f"the region's shops are not valid scenarios: "
                f"{'; '.join(str(p.field) + ': ' + p.message for p in exc.problems[:3])}")]
            ) from exc
        document["size"] = size
        shops.append(document)
    return shops


def load_region(path: str | os.PathLike[str], registry: Registry) -> Region:
    data, lines = load_document(path)
    region = validate_document(Region, data, path, lines)
    problems = [Problem(f"machine_mix.{kind}", f"no machine kind {kind!r}; installed: "
                        f"{', '.join(sorted(registry.machines))}")
                for kind in region.machine_mix if kind not in registry.machines]
    if problems:
        raise InputError(os.fspath(path), problems)
    return region
