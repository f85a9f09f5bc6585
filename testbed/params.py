"""Parameter models shared by the scenario documents and the plugin catalogue.

A catalogue item's params model subclasses one of the bases here and sets its own defaults; the
engine reads only the fields defined here, so any plugin's item can be simulated.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    TypeAdapter,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from testbed.units import Bandwidth, Duration, Rate, Size


class Strict(BaseModel):
    """Base for every document model: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ItemParams(Strict):
    """Base for the parameters of catalogue items. A plugin redeclares a field to give it
    another default (``tag_count: int = 4``), which in pydantic would drop the field's limits
    with it; they are put back here, and defaults are checked like any value, so neither a
    plugin nor a scenario can give an item an impossible value."""

    model_config = ConfigDict(validate_default=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        changed = False
        for parent in cls.__mro__[1:]:
            fields = getattr(parent, "__pydantic_fields__", {})
            for name, field in fields.items():
                mine = cls.model_fields.get(name)
                if mine is None or mine is field:
                    continue
                missing = [limit for limit in field.metadata if limit not in mine.metadata]
                if missing:
                    mine.metadata.extend(missing)
                    changed = True
        if changed:
            cls.model_rebuild(force=True)


# --- random quantities ---------------------------------------------------------------------


class Constant(Strict):
    dist: Literal["constant"]
    value: Duration

    @property
    def mean(self) -> float:
        return self.value


class Exponential(Strict):
    dist: Literal["exponential"]
    mean: Duration = Field(gt=0)


class ShiftedExponential(Strict):
    """A floor plus an exponential tail: a network round trip with a fixed minimum."""

    dist: Literal["shifted-exponential"]
    min: Duration
    mean: Duration

    @model_validator(mode="after")
    def _mean_above_min(self) -> ShiftedExponential:
        if self.mean < self.min:
            raise ValueError("mean must be at least min")
        return self


class LogNormal(Strict):
    dist: Literal["lognormal"]
    mean: Duration = Field(gt=0)
    cv: float = Field(gt=0, le=10, description="coefficient of variation, sd / mean")


class Uniform(Strict):
    dist: Literal["uniform"]
    low: Duration
    high: Duration

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("high must be at least low")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2


def _constant_from_plain(value: object) -> object:
    # A document may write "2ms" or 0.002 for a constant; a mapping names its distribution.
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return {"dist": "constant", "value": value}
    return value


class _PlainDurationToo:
    """Makes the JSON Schema offer a plain duration beside the named distributions."""

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        named = handler(core_schema)
        return {"anyOf": [TypeAdapter(Duration).json_schema(), named],
                "description": "a constant duration (e.g. 2ms), or a distribution named by "
                               "`dist`: constant, exponential, shifted-exponential, lognormal, "
                               "uniform"}


DistributionSpec = Annotated[
    Constant | Exponential | ShiftedExponential | LogNormal | Uniform,
    Field(discriminator="dist"),
    BeforeValidator(_constant_from_plain),
    _PlainDurationToo(),
]


class Faults(Strict):
    """An alternating renewal process: up for ~Exp(mtbf), then down for ~repair(mttr)."""

    mtbf: Duration = Field(gt=0, description="mean time between failures (mean up time)")
    mttr: Duration = Field(gt=0, description="mean time to repair (mean down time)")
    repair: Literal["exponential", "constant", "lognormal"] = "exponential"
    repair_cv: float = Field(default=1.0, gt=0, le=10, description="cv of a lognormal repair")

    @property
    def availability(self) -> float:
        return self.mtbf / (self.mtbf + self.mttr)


# --- the shop ------------------------------------------------------------------------------

Location = Literal["machine", "edge", "onprem", "cloud"]
RamiLayer = Literal["asset", "integration", "communication", "information", "functional",
                    "business"]
IiraTier = Literal["edge", "platform", "enterprise"]
# What a machine's interface runs over: the core places machines on links by this, never by
# the name of a plugin's protocol.
Medium = Literal["ethernet", "serial", "none"]
MessageKind = Literal["count", "state", "alarm", "sample"]
ALL_MESSAGE_KINDS: tuple[MessageKind, ...] = ("count", "state", "alarm", "sample")
DEFAULT_TAG_SHARES: dict[MessageKind, float] = {"count": 0.1, "state": 0.2, "alarm": 0.3,
                                                "sample": 0.4}


class MachineParams(ItemParams):
    """What the engine needs to know of a machine: its production and its data interface."""

    protocol: str = Field(description="interface protocol, e.g. modbus-rtu, opcua, paper")
    interface: Literal["push", "poll"] = Field(
        description="push: the machine sends changes; poll: a reader must ask")
    medium: Medium = Field(
        default="ethernet",
        description="what the interface runs over: ethernet (a network port or a file share "
                    "on the network), serial (an RS-232/RS-485 line) or none (paper)")
    min_poll_interval: Duration = Field(
        default=0.0, description="fastest the interface may be polled (0: no limit)")
    semantic: bool = Field(
        default=False, description="data is self-describing (e.g. an OPC UA companion spec)")
    tag_count: int = Field(default=20, ge=0, le=100_000, description="tags to map")
    tag_shares: dict[MessageKind, float] = Field(
        default_factory=lambda: dict(DEFAULT_TAG_SHARES),
        description="how the tags divide among the kinds of data (count, state, alarm, "
                    "sample), summing to 1: software is mapped only the tags of the kinds it "
                    "subscribes to")
    cycle_time: Annotated[DistributionSpec, Field(description="time to make one part")]
    breakdowns: Faults | None = None
    state_changes: Rate = Field(default=0.0, description="state changes other than breakdowns")
    sample_interval: Duration = Field(
        default=1.0, gt=0, description="how often a pushing machine publishes process values")
    message_bytes: Size = Field(default=64, ge=1, description="size of one message on the wire")
    parts_per_record: int = Field(
        default=10, ge=1, le=1_000_000,
        description="parts in one production record written by hand (a job or lot booked)")

    @model_validator(mode="after")
    def _shares_add_up(self) -> MachineParams:
        shares = self.tag_shares.values()
        if any(not 0 <= x <= 1 for x in shares) or abs(sum(shares) - 1) > 1e-9:
            raise ValueError("tag_shares: each share is from 0 to 1 and together they sum to "
                             f"1 (got {dict(self.tag_shares)})")
        return self


WEEK_S = 7 * 86_400.0
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SHIFT = re.compile(r"^([01][0-9]|2[0-4]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$")


def _shift_times(text: str) -> tuple[float, float]:
    """A shift "HH:MM-HH:MM" as seconds after its day's midnight, (start, end); a shift that
    ends at or before its start runs past midnight into the next day."""
    match = _SHIFT.match(text)
    if match is None:
        raise ValueError(f"a shift is written HH:MM-HH:MM, e.g. 06:00-14:00 (got {text!r})")
    h0, m0, h1, m1 = (int(g) for g in match.groups())
    if h0 == 24 or (h1 == 24 and m1):
        raise ValueError(f"a shift starts from 00:00 to 23:59 and ends from 00:00 to 24:00 "
                         f"(got {text!r})")
    start, end = (h0 * 60 + m0) * 60.0, (h1 * 60 + m1) * 60.0
    return start, end if end > start else end + 86_400.0


def _valid_shift(text: str) -> str:
    _shift_times(text)
    return text


Shift = Annotated[str, AfterValidator(_valid_shift),
                  Field(json_schema_extra={"pattern": _SHIFT.pattern},
                        examples=["06:00-14:00", "22:00-06:00"])]


class Calendar(Strict):
    """The shop's working week: machines make parts, wear and break down only in it. The
    simulation starts on a Monday at 00:00."""

    days: list[Weekday] = Field(
        default_factory=lambda: list(WEEKDAYS), min_length=1,
        description="the working days: mon, tue, wed, thu, fri, sat, sun")
    shifts: list[Shift] = Field(
        default_factory=lambda: ["00:00-24:00"], min_length=1,
        description='the shifts of each working day, "HH:MM-HH:MM" (a shift ending at or '
                    'before its start runs past midnight), e.g. ["06:00-14:00", '
                    '"14:00-22:00"]')

    @model_validator(mode="after")
    def _no_overlap(self) -> Calendar:
        if len(set(self.days)) < len(self.days):
            raise ValueError("days: each day may be listed once")
        spans = sorted((WEEKDAYS.index(d) * 86_400.0 + s, WEEKDAYS.index(d) * 86_400.0 + e)
                       for d in self.days for s, e in map(_shift_times, self.shifts))
        # the week wraps: a Sunday night shift runs into Monday morning
        spans += [(s + WEEK_S, e + WEEK_S) for s, e in spans]
        for (_, end), (start, _) in itertools.pairwise(sorted(spans)):
            if start < end:
                raise ValueError("shifts: two shifts overlap; list each working hour once")
        return self

    def working_spans(self) -> list[tuple[float, float]]:
        """The working time of one week as (start, end) seconds after Monday 00:00, in order,
        touching spans joined, a span that runs past Sunday midnight split at it."""
        spans: list[tuple[float, float]] = []
        for day in self.days:
            for start, end in map(_shift_times, self.shifts):
                offset = WEEKDAYS.index(day) * 86_400.0
                start, end = start + offset, end + offset
                if end > WEEK_S:
                    spans.append((0.0, end - WEEK_S))
                    end = WEEK_S
                spans.append((start, end))
        joined: list[tuple[float, float]] = []
        for start, end in sorted(spans):
            if joined and start <= joined[-1][1]:
                joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
            else:
                joined.append((start, end))
        return joined


class LinkSpec(Strict):
    name: str = Field(min_length=1)
    kind: Literal["lan", "wifi", "serial", "wan", "cellular", "local"]
    latency: Annotated[DistributionSpec, Field(description="one-way delay per message")]
    bandwidth: Bandwidth = Field(description="e.g. 100Mbps, 9600baud")
    outages: Faults | None = None


# The lines of an option's bill of materials that components' capex goes on; the fourth line,
# integration labour, is the commissioning project's cost (docs/metrics.md).
CapexCategory = Literal["connection hardware", "licence", "other software"]


class ComponentParams(ItemParams):
    """Common to everything that is bought: who sells it and what it costs."""

    vendor: str = Field(default="generic", min_length=1)
    capex_gbp: float = Field(default=0.0, ge=0)
    capex_category: CapexCategory = Field(
        default="connection hardware",
        description="the line of the bill of materials its capex goes on (docs/metrics.md)")
    opex_gbp_per_month: float = Field(default=0.0, ge=0)
    skills: list[str] = Field(default_factory=list, description="skills the SME must absorb")
    vendor_survival_2y: float = Field(
        default=0.9, ge=0, le=1, description="chance the vendor still trades in two years")


class TranslatorParams(ComponentParams):
    """A translator is a queue: arrivals, service, a finite waiting room, a buffer, crashes."""

    role: Literal["adapter", "gateway", "hub", "broker", "aggregator", "driver", "manual",
                  "agent"]
    inputs: list[str] = Field(min_length=1, description="protocols it reads")
    output: str = Field(description="protocol it emits")
    open_output: bool = Field(description="output is an open standard protocol and data model")
    location: Location
    scope: Literal["per_machine", "shared"] = "shared"
    poll_interval: Duration = Field(default=1.0, gt=0, description="when it polls a machine")
    service_time: Annotated[DistributionSpec, Field(description="time to handle one message")]
    servers: int = Field(default=1, ge=1, le=1024)
    queue_capacity: int = Field(default=10_000, ge=1, description="messages waiting, at most")
    buffer_messages: int = Field(default=0, ge=0, description="store-and-forward capacity")
    crashes: Faults | None = None
    omission_probability: float = Field(
        default=0.0, ge=0, le=1, description="share of messages dropped in handling")
    setup_hours: float = Field(default=0.0, ge=0)
    minutes_per_tag: float = Field(default=0.0, ge=0)


class SoftwareParams(ComponentParams):
    role: Literal["mes", "erp", "cmms", "iot-platform", "analytics", "scada", "historian"]
    # An MES or ERP is bought for what it does, not to connect the machines.
    capex_category: CapexCategory = "other software"
    accepts: list[str] = Field(min_length=1, description="protocols it ingests")
    location: Literal["edge", "onprem", "cloud"]
    subscribes: list[MessageKind] = Field(default_factory=lambda: list(ALL_MESSAGE_KINDS))
    batch_interval: Duration = Field(default=0.0, description="ingestion batching (0: none)")
    deadline: Duration = Field(default=10.0, gt=0, description="delivered later than this: late")
    production_critical: bool = False
    offline_tolerance: Duration = Field(
        default=900.0, description="how long the line runs on without this software")
    availability: Faults | None = None
    export_open: bool = Field(default=True, description="data can be exported in open formats")
    setup_hours: float = Field(default=0.0, ge=0)


class ArchitectureParams(ItemParams):
    """Options every architecture takes; an architecture's own params model adds to these."""

    consumers: list[str] = Field(
        min_length=1, description="names of the scenario's software that receive the data")


# Fields that say what a kind *is* rather than estimate a figure: their source is the kind.
DEFINITIONAL = frozenset({
    "protocol", "interface", "medium", "semantic", "role", "inputs", "output", "open_output",
    "location", "scope", "vendor", "skills", "accepts", "subscribes", "production_critical",
    "export_open", "capex_category",
})
DEFINITION = "definition of this kind"
NOT_UNLESS_STATED = "none unless the kind says so"

# Sources of the base models' defaults; an item's own ``sources`` override these.
BASE_SOURCES: dict[str, str] = {
    "min_poll_interval": NOT_UNLESS_STATED,
    "tag_count": "guess: counters, states, alarms and a few process values",
    "breakdowns": NOT_UNLESS_STATED,
    "state_changes": NOT_UNLESS_STATED,
    "sample_interval": "OPC UA publishing interval default 1000 ms (node-opcua API "
                       "documentation, SubscriptionOptions.publishingInterval; vendor)",
    "message_bytes": "guess: a small binary payload",
    "parts_per_record": "guess: a small job shop's lot",
    "tag_shares": "guess: mostly process values and alarms, a few states and counters",
    "capex_gbp": NOT_UNLESS_STATED,
    "opex_gbp_per_month": NOT_UNLESS_STATED,
    "poll_interval": "Ignition's Default scan class polls every 1 s (Inductive Automation, "
                     "Ignition 7.9 user manual, Direct Scan Class; vendor)",
    "servers": "guess: a small gateway handles one message at a time",
    "queue_capacity": "guess: ample for bursts; lower it to model a small device",
    "buffer_messages": "no store-and-forward unless the kind says so",
    "crashes": NOT_UNLESS_STATED,
    "omission_probability": NOT_UNLESS_STATED,
    "setup_hours": NOT_UNLESS_STATED,
    "minutes_per_tag": NOT_UNLESS_STATED,
    "batch_interval": "no batching unless the kind says so",
    "deadline": "guess: ten seconds for shop-floor visibility",
    "offline_tolerance": "guess: the line runs on printed job lists for a while",
    "availability": "always available unless the kind says so",
    "vendor_survival_2y": "an established vendor: of the US establishments born in March 1994, "
                          "33.6 % still traded at 10 years and 30.3 % at 12, so 0.90 of the "
                          "ten-year-olds lasted two more (BLS, The Economics Daily, 18 percent "
                          "of businesses opening in March 1994 remained open as of March 2017, "
                          "2018; survey)",
}


def source_of(params: type[BaseModel], field: str, item_sources: Mapping[str, str]) -> str:
    """Where the default of ``field`` in an item's params model comes from: the item's own
    source, the kind's definition, or (only when the item kept it) the base model's documented
    default. Empty when nobody said, which the catalogue's test refuses."""
    if field in item_sources:
        return item_sources[field]
    if field in DEFINITIONAL:
        return DEFINITION
    for base in params.__mro__[1:]:
        if not (isinstance(base, type) and issubclass(base, BaseModel)):
            continue
        inherited = base.model_fields.get(field)
        if inherited is None or base.__module__ != __name__:
            continue
        mine = params.model_fields[field]
        if not inherited.is_required() and mine.get_default(call_default_factory=True) == \
                inherited.get_default(call_default_factory=True):
            return BASE_SOURCES.get(field, "")
        break
    return ""


class EffortSettings(Strict):
    """How the commissioning project is estimated; the sources of the defaults are
    EFFORT_SOURCES (shown in docs/catalogue.md)."""

    semantic_mapping_factor: float = Field(
        default=0.1, ge=0, le=1,
        description="share of mapping effort left when the data is already semantic")
    testing_hours_per_path: float = Field(
        default=0.5, ge=0, description="hours to test one machine-to-software data path")
    effort_cv: float = Field(
        default=0.3, ge=0, le=3, description="spread of each task's actual effort (lognormal)")
    learning_hours_per_skill: float = Field(
        default=16.0, ge=0, description="hours for someone to learn a protocol or tool")
    driver_reuse_factor: float = Field(
        default=0.1, ge=0, le=1,
        description="share of a custom driver's effort to adapt it to another machine of the "
                    "same kind for the same software")


EFFORT_SOURCES: dict[str, str] = {
    "semantic_mapping_factor": "OPC UA plug-and-produce cuts engineering effort by up to 90 % "
                               "(Koziolek et al., Software: Practice and Experience 2020; paper)",
    "testing_hours_per_path": "guess: half an hour to check one data path end to end",
    "effort_cv": "a spread of a third taken from the overruns: most software projects "
                 "(60-80 %) overrun their effort estimates, by 30-40 % on average (Moløkken "
                 "and Jørgensen, A Review of Surveys on Software Effort Estimation, Simula "
                 "Research Laboratory, undated copy; secondary)",
    "learning_hours_per_skill": "guess: two days to learn a protocol or a tool well enough; a "
                                "whole SCADA platform takes more (Inductive Automation "
                                "recommends its 5-day Ignition Core training before "
                                "certification)",
    "driver_reuse_factor": "guess: adapting a driver to another machine of the same kind is "
                           "configuration",
}


class Economics(Strict):
    """What the owner's money figures rest on; the sources of the defaults are
    ECONOMICS_SOURCES (shown in docs/catalogue.md)."""

    downtime_cost_gbp_per_hour: float = Field(
        default=120.0, ge=0, description="cost of a machine standing broken, per hour")
    rounds_interval: Duration = Field(
        default=7200.0, gt=0, description="how often someone walks round without monitoring")
    rekey_seconds_per_record: float = Field(
        default=30.0, ge=0, description="time to re-key one production record by hand")
    clerical_rate_gbp_per_hour: float = Field(default=14.0, ge=0)
    margin_gbp_per_part: float = Field(
        default=4.0, ge=0, description="contribution lost per part not made")
    payback_target_months: float = Field(
        default=12.0, gt=0, description="the payback the owner asks for")
    appraisal_years: float = Field(
        default=5.0, gt=0, le=30,
        description="the horizon of total cost of ownership and net present value")
    discount_rate: float = Field(
        default=0.035, ge=0, le=1,
        description="yearly rate net present value discounts by (HM Treasury Green Book: 3.5 %)")
    grant_share_of_capex: float = Field(
        default=0.0, ge=0, le=1,
        description="share of capex paid by a grant or match funding (e.g. Made Smarter)")


ECONOMICS_SOURCES: dict[str, str] = {
    "downtime_cost_gbp_per_hour": "guess: a small machine shop's hourly contribution",
    "rounds_interval": "guess: a supervisor's walk round every two hours; an IIoT vendor's "
                       "costing of a medium plant assumes 6-12 data-collection rounds a "
                       "shift (MachineCDN, The Hidden Cost of Manual Data Collection, 2026)",
    "rekey_seconds_per_record": "guess: half a minute to key one job card; a public "
                                "shop-floor reporting calculator assumes 3 entries a minute "
                                "plus 20 % for walking, login and corrections, 24 s (mfgcalcs, "
                                "Operator Reporting Time)",
    "clerical_rate_gbp_per_hour": "a clerk on the National Living Wage, £12.21 from April 2025, "
                                  "plus employer NI of 15 % above £5,000 a year and the 3 % "
                                  "auto-enrolment pension: £13.9 an hour (GOV.UK, National "
                                  "Living Wage increases to £12.21, 2025; standard)",
    "margin_gbp_per_part": "guess: contribution of a small machined part",
    "payback_target_months": "SMEs asked for payback within about a year (UK SME interview "
                             "study 2019, background/sme-digitalisation-barriers; secondary)",
    "appraisal_years": "five years, the recovery period US tax law gives computers and "
                       "peripheral equipment as shop-floor IT's life; also the horizon the "
                       "issue's owners asked for (IRS Publication 946, How to Depreciate "
                       "Property, MACRS 5-year property; standard)",
    "discount_rate": "social time preference rate 3.5 % real for years 0-30; set your own cost "
                     "of capital (HM Treasury, The Green Book 2022; standard)",
    "grant_share_of_capex": "no grant unless the scenario says so",
}


class Priorities(Strict):
    """What matters to this owner: weights of the ranking's four criteria (docs/compare.md)."""

    cost: float = Field(
        default=1.0, ge=0,
        description="total cost of ownership: capex net of grant + opex over economics."
                    "appraisal_years")
    payback: float = Field(default=1.0, ge=0, description="months to pay back")
    resilience: float = Field(
        default=1.0, ge=0, description="data and production lost when the broadband is down")
    independence: float = Field(default=1.0, ge=0, description="lock-in score, inverted")

    @model_validator(mode="after")
    def _some_weight(self) -> Priorities:
        if self.cost + self.payback + self.resilience + self.independence <= 0:
            raise ValueError("at least one priority must have a weight above zero")
        return self


class WhatIf(Strict):
    """A parameter to vary, to see how the ranking changes."""

    parameter: str = Field(
        min_length=1,
        description="path into the scenario, e.g. shop.links[broadband].outages.mttr or "
                    "shop.people[maintenance technician].hours_per_week; [name] picks a list "
                    "entry by its name (or kind), [2] by position")
    values: list[str | float | int | bool] = Field(min_length=1, max_length=12)


class CompareSettings(Strict):
    priorities: Priorities = Priorities()
    outage_lengths: list[Duration] = Field(
        default_factory=lambda: [1800.0, 4 * 3600.0, 8 * 3600.0], min_length=1, max_length=8,
        description="broadband outages to try on each architecture")
    afternoon: Duration = Field(
        default=4 * 3600.0, gt=0,
        description="the outage the summary speaks of ('the broadband drops for an afternoon')")
    what_if: list[WhatIf] = Field(default_factory=list, max_length=10)

    @model_validator(mode="before")
    @classmethod
    def _what_ifs_use_the_headline_runs(cls, data: Any) -> Any:
        if isinstance(data, dict) and "what_if_replications" in data:
            raise ValueError("what_if_replications is no longer read: each what-if runs the "
                             "headline's replications with the same seeds, so its ranking "
                             "differs from the headline's only by the parameter; remove it")
        return data
