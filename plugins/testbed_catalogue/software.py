"""Reference vendor software stubs: MES, ERP, CMMS and cloud platforms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from testbed import Duration, Faults, MessageKind, SoftwareKind, SoftwareParams, hookimpl

_SURVIVAL = "new-firm 2-year survival 66 % (Knaup, Monthly Labor Review 2005; paper)"
_SUBSCRIPTION = (
    "SME subscriptions often £1,000-2,000 a month (UK SME interview study 2019; secondary)"
)

_SAAS_SLA = (
    "{what}, within the 99.9 % monthly uptime cloud IoT services commit to; the length of an "
    "incident is ours (AWS IoT Core Service Level Agreement 2019; vendor)"
)


class OnpremMes(SoftwareParams):
    role: Literal["mes"] = "mes"
    accepts: list[str] = ["opcua", "mqtt-sparkplug", "custom", "manual-entry"]
    location: Literal["edge", "onprem", "cloud"] = "onprem"
    deadline: Duration = 10.0
    production_critical: bool = True
    offline_tolerance: Duration = 1800.0
    availability: Faults | None = Faults(mtbf=2000 * 3600.0, mttr=2 * 3600.0)
    vendor: str = "MesWorks"
    capex_gbp: float = 25_000.0
    opex_gbp_per_month: float = 400.0
    vendor_survival_2y: float = 0.95
    skills: list[str] = ["mes-admin"]
    setup_hours: float = 40.0


class CloudIotPlatform(SoftwareParams):
    role: Literal["iot-platform"] = "iot-platform"
    accepts: list[str] = [
        "mqtt-sparkplug",
        "mqtt-json",
        "vendor-proprietary",
        "custom",
        "manual-entry",
    ]
    location: Literal["edge", "onprem", "cloud"] = "cloud"
    batch_interval: Duration = 5.0
    deadline: Duration = 60.0
    availability: Faults | None = Faults(mtbf=720 * 3600.0, mttr=0.5 * 3600.0)
    vendor: str = "CloudCo"
    opex_gbp_per_month: float = 1500.0
    export_open: bool = False
    vendor_survival_2y: float = 0.66
    skills: list[str] = ["cloudco-platform"]
    setup_hours: float = 16.0


class Cmms(SoftwareParams):
    role: Literal["cmms"] = "cmms"
    accepts: list[str] = ["opcua", "mqtt-sparkplug", "custom", "manual-entry"]
    location: Literal["edge", "onprem", "cloud"] = "cloud"
    subscribes: list[MessageKind] = ["alarm", "state", "count"]
    batch_interval: Duration = 60.0
    deadline: Duration = 300.0
    availability: Faults | None = Faults(mtbf=1000 * 3600.0, mttr=1 * 3600.0)
    vendor: str = "MaintainIt"
    opex_gbp_per_month: float = 300.0
    vendor_survival_2y: float = 0.8
    skills: list[str] = ["cmms-admin"]
    setup_hours: float = 12.0


class Erp(SoftwareParams):
    role: Literal["erp"] = "erp"
    accepts: list[str] = ["custom", "manual-entry"]
    location: Literal["edge", "onprem", "cloud"] = "onprem"
    subscribes: list[MessageKind] = ["count", "state"]
    batch_interval: Duration = 900.0
    deadline: Duration = 3600.0
    vendor: str = "ErpCo"
    opex_gbp_per_month: float = 250.0
    vendor_survival_2y: float = 0.97
    skills: list[str] = ["erp-admin"]
    setup_hours: float = 24.0


class VendorCloudMes(SoftwareParams):
    role: Literal["mes"] = "mes"
    accepts: list[str] = ["vendor-proprietary", "manual-entry"]
    location: Literal["edge", "onprem", "cloud"] = "cloud"
    batch_interval: Duration = 2.0
    deadline: Duration = 30.0
    production_critical: bool = True
    offline_tolerance: Duration = 900.0
    availability: Faults | None = Faults(mtbf=720 * 3600.0, mttr=0.5 * 3600.0)
    vendor: str = "CloudCo"
    opex_gbp_per_month: float = 1200.0
    export_open: bool = False
    vendor_survival_2y: float = 0.66
    skills: list[str] = ["cloudco-platform"]
    setup_hours: float = 16.0


KINDS = [
    SoftwareKind(
        "onprem-mes",
        "On-premises MES that dispatches jobs to the line",
        params=OnpremMes,
        rami_layer="functional",
        iira_tier="platform",
        sources={
            "opex_gbp_per_month": "guess: support contract",
            "availability": "guess: a server fault every few months, hours to fix",
            "vendor_survival_2y": "guess: an established MES vendor, a little above the 0.93 of "
            "twenty-year-old US establishments over two years (BLS, The Economics Daily, 2018)",
            "setup_hours": "guess: integration of the data feed into the MES",
            "offline_tolerance": "guess: half an hour of printed job lists",
            "capex_gbp": "guess: small-shop MES licence",
        },
    ),
    SoftwareKind(
        "cloud-iot-platform",
        "Cloud IoT platform with dashboards and analytics",
        params=CloudIotPlatform,
        sources={
            "deadline": "a dashboard refreshed each minute, the interval Grafana advises when "
            "near real-time updates are unnecessary (Grafana Labs documentation, Configure "
            "visualization time range and refresh interval; vendor)",
            "availability": _SAAS_SLA.format(what="half an hour down a month, 99.93 %"),
            "setup_hours": "guess: onboarding and dashboards",
            "opex_gbp_per_month": _SUBSCRIPTION,
            "vendor_survival_2y": _SURVIVAL,
            "batch_interval": "guess: ingestion batched every few seconds",
        },
    ),
    SoftwareKind(
        "cmms",
        "Maintenance management (SaaS) fed by alarms and states",
        params=Cmms,
        sources={
            "opex_gbp_per_month": "about eight users on a SaaS CMMS's $45-a-user monthly plan, "
            "$360 (UpKeep help centre, User Type Overview, pricing structure; vendor)",
            "deadline": "guess: a maintenance request within five minutes",
            "availability": _SAAS_SLA.format(what="an hour down every six weeks, 99.90 %"),
            "vendor_survival_2y": "a young vendor: of the US establishments born in March "
            "1994, 68.1 % still traded at 2 years and 54.3 % at 4, so 0.80 of the two-year-olds "
            "lasted two more (BLS, The Economics Daily, 18 percent of businesses opening in "
            "March 1994 remained open as of March 2017, 2018; survey)",
            "setup_hours": "guess: asset register and alarm rules",
            "batch_interval": "guess: work requests polled each minute",
        },
    ),
    SoftwareKind(
        "erp",
        "ERP posting production counts in batches",
        params=Erp,
        sources={
            "opex_gbp_per_month": "guess: existing ERP support share",
            "deadline": "guess: production posted within the hour",
            "vendor_survival_2y": "guess: an established ERP vendor, above the 0.93 of "
            "twenty-year-old US establishments over two years (BLS, The Economics Daily, 2018)",
            "setup_hours": "guess: production posting interface",
            "batch_interval": "guess: production posted every 15 minutes",
        },
    ),
    SoftwareKind(
        "vendor-cloud-mes",
        "A cloud vendor's MES: the line stops when unreachable",
        params=VendorCloudMes,
        rami_layer="functional",
        iira_tier="platform",
        sources={
            "opex_gbp_per_month": _SUBSCRIPTION,
            "batch_interval": "guess: ingestion every couple of seconds",
            "deadline": "guess: dispatching needs data within half a minute",
            "availability": _SAAS_SLA.format(what="half an hour down a month, 99.93 %"),
            "setup_hours": "guess: onboarding",
            "vendor_survival_2y": _SURVIVAL,
            "offline_tolerance": "guess: 15 minutes of cached jobs",
        },
    ),
]


@hookimpl
def testbed_register_software(register: Callable[[SoftwareKind], None]) -> None:
    for kind in KINDS:
        register(kind)
