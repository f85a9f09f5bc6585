"""Reference shops built around a product, for `testbed verify`.

A reference shop is small and plain, so a figure measures the product rather than the shop:
one kind of machine (breakdowns off), a LAN, a serial line where the machine needs one, a WAN,
one piece of software that ingests at once and never fails, and one architecture with the
product put where it fits: in the architecture's own slot when the product plays that role
(the hub, the broker, the agent), otherwise first among the translators.
"""

from __future__ import annotations

from typing import Any

from testbed.registry import Registry


def _slot(registry: Registry, architecture: str, product: str) -> dict[str, str]:
    """The architecture's parameter naming a component of the product's role, set to it."""
    role = registry.translators[product].defaults().role
    params = registry.architectures[architecture].params
    for name, field in params.model_fields.items():
        default = field.default
        if isinstance(default, str) and default in registry.translators \
                and registry.translators[default].defaults().role == role:
            return {name: product}
    return {}


def reference_document(registry: Registry, product: str, machine: str, machines: int,
                       architecture: str, seed: int, horizon: str = "1h",
                       replications: int = 1) -> dict[str, Any]:
    # Machines sit on their own field network, so an outage of the shop's backbone (where the
    # product's output goes) does not also stop the product reading them.
    link = "serial" if registry.machines[machine].defaults().medium == "serial" else "field"
    return {
        "name": f"reference: {product} with {machines} x {machine} in {architecture}",
        "seed": seed,
        "horizon": horizon,
        "replications": replications,
        "shop": {
            "backbone": "lan",
            "internet": "wan",
            "links": [
                {"name": "lan", "kind": "lan", "bandwidth": "100Mbps",
                 "latency": {"dist": "shifted-exponential", "min": "0.5ms", "mean": "1ms"}},
                {"name": "field", "kind": "lan", "bandwidth": "100Mbps",
                 "latency": {"dist": "shifted-exponential", "min": "0.5ms", "mean": "1ms"}},
                {"name": "serial", "kind": "serial", "bandwidth": "19200baud",
                 "latency": "1.75ms"},
                {"name": "wan", "kind": "wan", "bandwidth": "40Mbps",
                 "latency": {"dist": "shifted-exponential", "min": "15ms", "mean": "30ms"}},
            ],
            "people": [{"name": "reference engineer", "role": "integrator",
                        "hours_per_week": 37.5, "rate_gbp_per_hour": 85.0}],
            "machines": [{"name": "machine", "kind": machine, "count": machines,
                          "link": link, "breakdowns": None}],
        },
        "software": [{"name": "sink", "kind": "onprem-mes", "availability": None,
                      "production_critical": False, "batch_interval": 0.0,
                      # whatever any installed translator emits, so no connector is needed
                      "accepts": sorted({t.defaults().output
                                         for t in registry.translators.values()})}],
        "architectures": [{"name": architecture, "kind": architecture, "consumers": ["sink"],
                           "translators": [{"kind": product}],
                           **_slot(registry, architecture, product)}],
    }
