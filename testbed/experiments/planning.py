"""What a study can know before it runs: which engine fidelity ``auto`` picks, how many
outages, crashes and breakdowns each replication can expect, and roughly how long it will take.

Everything here follows from the scenario alone (no clock is read), so the fidelity ``auto``
picks is the same on every machine and a run stays reproducible from its seed. The speeds
behind the time estimate were measured on one core of the project's development machine
(docs/compare.md); the estimate is only ever printed, never used to decide anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from testbed.assemble import Assembly, assemble
from testbed.experiments.outages import LEAD_S, TAIL_S
from testbed.registry import Registry
from testbed.results.run import EVENT_KINDS, EventTally
from testbed.scenario import Scenario
from testbed.sim.calendar import WorkingTime
from testbed.sim.flow.steady import emission_rates
from testbed.sim.topology import Kind, Topology, elaborate

Fidelity = Literal["message", "flow"]

# Under ``auto`` a study runs at message level only while all its replications together
# emit no more than this many machine messages: about a minute of message-level simulation.
MESSAGE_BUDGET = 1_500_000
# Message level: machine messages emitted per second of wall time (each then crosses its
# links, translators and consumers); measured on the bundled shops, 25,000 to 80,000.
MESSAGES_PER_SECOND = 25_000.0
# Flow level: wall seconds per network state change per machine, and per run (the fault-free
# window and set-up), measured on the bundled shops over a year.
FLOW_SECONDS_PER_CHANGE_MACHINE = 1.5e-5
FLOW_SECONDS_PER_RUN = 0.1



# A figure resting on fewer events than this over all the replications is flagged.
FEW_EVENTS = 10
# What rests on each kind of event, for the notes.
RESTING: dict[str, str] = {
    "broadband outages": "the data and parts lost while the broadband is down",
    "other network outages": "the data lost on the shop's own network",
    "software outages": "the parts lost while critical software is down",
    "translator crashes": "the data lost when a gateway or driver crashes",
    "machine breakdowns": "the benefit of noticing breakdowns sooner",
}


SINGULAR = {"broadband outages": "broadband outage", "other network outages": "network outage",
            "software outages": "software outage", "translator crashes": "translator crash",
            "machine breakdowns": "machine breakdown"}


def evidence_notes(events: dict[str, dict[str, EventTally]], horizon: str) -> list[str]:
    """Plain sentences on the events the figures rest on, when the runs met too few: by kind,
    the architecture that met fewest (of those whose paths can meet that kind at all)."""
    notes = []
    for kind in EVENT_KINDS:
        possible = [(t.met, name, t) for name, tallies in events.items()
                    if (t := tallies.get(kind)) is not None and t.expected_per_replication > 0]
        if not possible:
            continue
        met, name, tally = min(possible)
        if met >= FEW_EVENTS:
            continue
        runs = f"{tally.replications} replications of {horizon}"
        expected = f"about {tally.expected_per_replication:.2g} expected in each"
        who = "" if len(events) == 1 else f" ({name})"
        if met == 0:
            notes.append(f"No {kind} were simulated in {runs}{who}, {expected}: "
                         f"{RESTING[kind]} rests on none of them; read it as untested, not as "
                         f"zero. A longer horizon or more replications would meet some.")
        else:
            what = f"{met} {kind} were" if met > 1 else f"one {SINGULAR[kind]} was"
            notes.append(f"Only {what} simulated in {runs}{who}, {expected}: "
                         f"{RESTING[kind]} rests on few of them; read its interval as rough.")
    return notes


def _topology(assembly: Assembly) -> Topology:
    return elaborate(assembly.machines, assembly.network, assembly.wiring, 0)


def emitted_per_second(assembly: Assembly) -> float:
    """Machine messages per second of simulated time into the architecture's first hops."""
    top = _topology(assembly)
    return sum(rate for origin in top.origins
               for _, rate in emission_rates(top.machines[origin.machine].instance, origin,
                                             producing=True))


def expected_events(scenario: Scenario, assembly: Assembly) -> dict[str, float]:
    """How many of each kind of event one replication can expect: every failing element of the
    architecture's paths alternates up (mean ``mtbf``) and down (mean ``mttr``), so it meets
    ``horizon / (mtbf + mttr)`` failures on average; a machine's ``mtbf`` is operating time,
    so on a calendar working a share ``w`` of the horizon it is ``horizon / (mtbf / w +
    mttr)``."""
    expected = dict.fromkeys(EVENT_KINDS, 0.0)
    working = WorkingTime(scenario.shop.calendar).share_of(scenario.horizon)
    for source in _topology(assembly).fault_sources():
        faults, kind = source.faults, source.element.kind
        # A machine wears only in working time: its mean up time stretches over the calendar.
        up = faults.mtbf / working if kind is Kind.MACHINE and working > 0 else faults.mtbf
        expected[event_kind(kind, source.names[-1], scenario.shop.internet)] += \
            0.0 if kind is Kind.MACHINE and working == 0 else scenario.horizon / (up + faults.mttr)
    return expected


def event_kind(kind: Kind, name: str, internet: str | None) -> str:
    """The event kind a failure of element ``name`` counts as."""
    if kind is Kind.LINK:
        return "broadband outages" if name == internet else "other network outages"
    if kind is Kind.CONSUMER:
        return "software outages"
    if kind is Kind.SERVER:
        return "translator crashes"
    return "machine breakdowns"


def resolved(scenario: Scenario, registry: Registry, file: str | None,
             assemblies: Sequence[Assembly] | None = None) -> Scenario:
    """The scenario with fidelity ``auto`` replaced by the engine it picks, so every run of a
    study (in any process) uses the same one."""
    if scenario.fidelity != "auto":
        return scenario
    if assemblies is None:
        assemblies = [assemble(scenario, i, registry, file)
                      for i in range(len(scenario.architectures))]
    return scenario.model_copy(update={"fidelity": resolve_fidelity(scenario, assemblies)})


def study_messages(scenario: Scenario, assemblies: Sequence[Assembly]) -> float:
    """Machine messages the study's first replications would emit at message level."""
    return sum(emitted_per_second(a) for a in assemblies) * scenario.horizon \
        * scenario.replications


def _chosen(scenario: Scenario, messages: float) -> Fidelity:
    if scenario.fidelity != "auto":
        return scenario.fidelity
    return "message" if messages <= MESSAGE_BUDGET else "flow"


def resolve_fidelity(scenario: Scenario, assemblies: Sequence[Assembly]) -> Fidelity:
    """The engine a study runs on: the scenario's own choice, or for ``auto`` message level
    while the study's replications emit at most ``MESSAGE_BUDGET`` messages, flow level above."""
    if scenario.fidelity != "auto":
        return scenario.fidelity
    return _chosen(scenario, study_messages(scenario, assemblies))


def seconds_per_round(scenario: Scenario, assemblies: Sequence[Assembly], fidelity: Fidelity,
                      messages: float, events: Sequence[dict[str, float]]) -> float:
    """Roughly how long one replication of every architecture takes on one core, from the
    study's ``messages`` and each architecture's expected ``events`` per replication."""
    if fidelity == "message":
        return messages / scenario.replications / MESSAGES_PER_SECOND
    return sum(FLOW_SECONDS_PER_RUN + FLOW_SECONDS_PER_CHANGE_MACHINE
               * 2 * sum(expected.values()) * len(assembly.machines)
               for assembly, expected in zip(assemblies, events, strict=True))


@dataclass(frozen=True)
class Preview:
    """What a study can say before it starts (the command line prints it)."""

    fidelity: Fidelity
    auto: bool  # chosen by fidelity auto, not named by the scenario
    messages: float  # machine messages the starting replications would emit at message level
    expected: dict[str, tuple[float, float]]  # kind -> fewest, most per replication (over
    # the architectures whose paths can meet that kind)
    seconds_per_round: float  # one replication of every architecture, on one core


def preview(scenario: Scenario, assemblies: Sequence[Assembly]) -> Preview:
    """The engine, the events each replication can expect, and the cost of a round."""
    messages = study_messages(scenario, assemblies)
    fidelity = _chosen(scenario, messages)
    per_architecture = [expected_events(scenario, a) for a in assemblies]
    expected: dict[str, tuple[float, float]] = {}
    for kind in EVENT_KINDS:
        counts = [e[kind] for e in per_architecture if e[kind] > 0]
        if counts:
            expected[kind] = (min(counts), max(counts))
    return Preview(fidelity, scenario.fidelity == "auto", messages, expected,
                   seconds_per_round(scenario, assemblies, fidelity, messages,
                                     per_architecture))


def simulated_events(scenario: Scenario, assembly: Assembly,
                     outages: dict[str, int]) -> dict[str, int]:
    """How many of each kind of event a run met, from its record's outages by element."""
    top = _topology(assembly)
    met = dict.fromkeys(EVENT_KINDS, 0)
    for ref in top.elements():
        name = top.name(ref)
        met[event_kind(ref.kind, name, scenario.shop.internet)] += outages.get(name, 0)
    return met


def outage_seconds(scenario: Scenario, assemblies: Sequence[Assembly],
                   lengths: Sequence[float]) -> float:
    """Roughly how long compare's scripted broadband outages take on one core: two
    message-level runs (with and without the outage) per architecture and length."""
    rate = sum(emitted_per_second(a) for a in assemblies)
    return sum(2 * rate * (LEAD_S + length + TAIL_S) for length in lengths) \
        / MESSAGES_PER_SECOND
