"""ACME EdgeLink 3: a DIN-rail gateway that polls Modbus RTU/TCP devices and serves OPC UA,
with a store-and-forward buffer of 50,000 messages.

Registered with the testbed through the ``testbed`` entry-point group (see pyproject.toml).
"""

from collections.abc import Callable
from typing import Literal

from testbed import (
    DistributionSpec,
    Duration,
    Exponential,
    Faults,
    TranslatorKind,
    TranslatorParams,
    hookimpl,
)


class EdgeLinkParams(TranslatorParams):
    """ACME's datasheet figures; a scenario may override any of them."""

    role: Literal["gateway"] = "gateway"
    inputs: list[str] = ["modbus-rtu", "modbus-tcp"]
    output: str = "opcua"
    open_output: bool = True
    location: Literal["edge"] = "edge"
    poll_interval: Duration = 1.0
    service_time: DistributionSpec = Exponential(dist="exponential", mean=0.003)
    buffer_messages: int = 50_000
    crashes: Faults | None = Faults(mtbf=8000 * 3600.0, mttr=1 * 3600.0)
    vendor: str = "ACME"
    capex_gbp: float = 950.0
    opex_gbp_per_month: float = 0.0
    setup_hours: float = 3.0
    minutes_per_tag: float = 0.25
    skills: list[str] = ["modbus", "opcua"]
    vendor_survival_2y: float = 0.85


EDGELINK = TranslatorKind(
    "acme-edgelink",
    "ACME EdgeLink 3 Modbus to OPC UA gateway with store-and-forward",
    params=EdgeLinkParams,
    rami_layer="communication",
    iira_tier="edge",
    sources={
        "service_time": "ACME datasheet: 3 ms per request (vendor)",
        "buffer_messages": "ACME datasheet: 50,000 buffered values (vendor)",
        "setup_hours": "ACME install guide: 3 h to mount, address and commission (vendor)",
        "minutes_per_tag": "ACME tag-import tool: 4 tags a minute (vendor)",
        "capex_gbp": "ACME UK list price 2026 (vendor)",
        "crashes": "ACME: MTBF 8,000 h (vendor)",
        "poll_interval": "ACME default poll group 1 s (vendor)",
        "vendor_survival_2y": "guess: an established small vendor",
        "opex_gbp_per_month": "no subscription (vendor)",
    },
)


@hookimpl
def testbed_register_translators(register: Callable[[TranslatorKind], None]) -> None:
    register(EDGELINK)
