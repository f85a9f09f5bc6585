"""Integration effort: the commissioning project, planned from the wiring and simulated.

The architecture's wiring yields tasks (set up each translator or write each custom driver,
map each machine's tags at each translator that reads them, the tags of the kinds of data the
software it feeds subscribes to, integrate each piece of software,
test each data path). Each task is done by one of the people the scenario names, who works
``hours_per_week`` on the project; someone who lacks a skill first spends time learning it. The
project is a SimPy process: people work through their tasks in order, waiting for the tasks
each depends on, so the calendar time reflects both effort and who is available.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

from simpy import Environment
from simpy.events import Event

from testbed.params import EffortSettings, MessageKind, SoftwareParams, TranslatorParams
from testbed.sim.randomness import lognormal_parameters
from testbed.wiring import MachineInstance, Wiring

PHASES = ("setup", "driver", "mapping", "consumer", "testing")
# Staff know their machines: they map tags and test. Integrators build things.
_STAFF_FIRST = {"mapping", "testing"}


@dataclass(frozen=True)
class Task:
    id: str
    kind: str
    hours: float
    skills: tuple[str, ...]
    after: tuple[str, ...] = ()
    component: str = ""  # the component the task sets up or maps tags into


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    hours_per_week: float
    rate_gbp_per_hour: float
    skills: frozenset[str]


@dataclass
class EffortOutcome:
    person_hours: float
    cost_gbp: float
    calendar_weeks: float
    staff_hours: float = 0.0
    hours_by_task: dict[str, float] = field(default_factory=dict)


def plan(wiring: Wiring, machines: Sequence[MachineInstance],
         settings: EffortSettings) -> list[Task]:
    """The integration tasks this wiring needs, at their nominal (catalogue) effort."""
    by_id = {m.id: m for m in machines}
    tasks: dict[str, Task] = {}
    used = {hop for path in wiring.paths for hop in path.hops}
    # A custom driver is written once per machine kind and software, then adapted.
    written: set[tuple[tuple[str, str], ...]] = set()
    for cid in sorted(used):
        placed = wiring.components[cid]
        params = placed.params
        if isinstance(params, TranslatorParams):
            kind = "driver" if params.role == "driver" else "setup"
            hours = params.setup_hours
            if kind == "driver":
                served = tuple(sorted({(by_id[p.machine].kind, p.hops[-1])
                                       for p in wiring.paths if cid in p.hops}))
                if served in written:
                    hours *= settings.driver_reuse_factor
                written.add(served)
            tasks[f"{kind}:{cid}"] = Task(f"{kind}:{cid}", kind, hours, tuple(params.skills),
                                          component=cid)
    feeds: dict[str, set[str]] = defaultdict(set)
    mapped: set[tuple[str, str]] = set()
    for path in wiring.paths:
        machine = by_id[path.machine]
        for hop in path.hops[:-1]:
            feeds[path.hops[-1]].add(hop)
            params = wiring.components[hop].params
            assert isinstance(params, TranslatorParams)
            if params.minutes_per_tag <= 0 or (machine.id, hop) in mapped:
                continue
            mapped.add((machine.id, hop))
            factor = settings.semantic_mapping_factor if machine.params.semantic else 1.0
            hours = mapped_tags(wiring, machine, hop) * params.minutes_per_tag / 60.0 * factor
            task_id = f"mapping:{machine.id}@{hop}"
            tasks[task_id] = Task(task_id, "mapping", hours, tuple(params.skills),
                                  (_setup_id(tasks, hop),), component=hop)
    for consumer in sorted(feeds):
        params = wiring.components[consumer].params
        assert isinstance(params, SoftwareParams)
        after = tuple(sorted(_setup_id(tasks, hop) for hop in feeds[consumer]))
        tasks[f"consumer:{consumer}"] = Task(f"consumer:{consumer}", "consumer",
                                             params.setup_hours, tuple(params.skills), after)
    for path in wiring.paths:
        consumer = path.hops[-1]
        after = tuple(t for t in (f"consumer:{consumer}", *(
            f"mapping:{path.machine}@{hop}" for hop in path.hops[:-1])) if t in tasks)
        task_id = f"testing:{path.machine}>{consumer}"
        if task_id not in tasks:
            tasks[task_id] = Task(task_id, "testing", settings.testing_hours_per_path, (), after)
    return sorted(tasks.values(), key=lambda t: (PHASES.index(t.kind), t.id))


def mapped_tags(wiring: Wiring, machine: MachineInstance, hop: str) -> float:
    """The tags of ``machine`` mapped at translator ``hop``: those of the kinds of data the
    software it feeds with them subscribes to (an ERP that takes counts and states is not
    mapped the machine's alarms and process values)."""
    kinds: set[MessageKind] = set()
    for path in wiring.paths:
        if path.machine == machine.id and hop in path.hops:
            software = wiring.components[path.hops[-1]].params
            assert isinstance(software, SoftwareParams)
            kinds.update(software.subscribes)
    shares = machine.params.tag_shares
    # Summed in a fixed order: a set's order changes with the interpreter's hash seed, and so
    # would the figure's last digit.
    return machine.params.tag_count * sum(shares.get(kind, 0.0) for kind in sorted(kinds))


def _setup_id(tasks: dict[str, Task], component: str) -> str:
    return f"setup:{component}" if f"setup:{component}" in tasks else f"driver:{component}"


def interfaces(wiring: Wiring) -> int:
    """Connections the project builds between endpoints: machines, software, and shared
    integration components (hubs, brokers, gateways serving many machines). A per-machine
    adapter or driver is part of the connection it serves, and one vendor's applications in
    its cloud are one platform. Point-to-point gives machines x software; a hub gives
    machines + software."""
    edges: set[tuple[str, str]] = set()
    for path in wiring.paths:
        here = path.machine
        for hop in path.hops:
            params = wiring.components[hop].params
            if isinstance(params, SoftwareParams):
                there = f"{params.vendor} cloud" if params.location == "cloud" else hop
            elif params.scope == "shared":
                there = hop
            else:
                continue
            edges.add((here, there))
            here = there
    return len(edges)


def skills_to_absorb(wiring: Wiring, people: Sequence[Person]) -> list[str]:
    """Protocols and tools the architecture uses that none of the SME's own staff knows."""
    known = set().union(*(p.skills for p in people if p.role == "staff"))
    used = {hop for path in wiring.paths for hop in path.hops}
    needed = {s for cid in used for s in wiring.components[cid].params.skills}
    return sorted(needed - known)


def _assign(task: Task, people: Sequence[Person]) -> Person:
    staff_first = task.kind in _STAFF_FIRST
    ranked = sorted(people, key=lambda p: (p.role != ("staff" if staff_first else "integrator"),
                                           people.index(p)))
    for person in ranked:
        if set(task.skills) <= person.skills:
            return person
    return ranked[0]


def commission(tasks: Sequence[Task], people: Sequence[Person], settings: EffortSettings,
               rng: random.Random) -> EffortOutcome:
    """Simulate the commissioning project; time runs in weeks."""
    env = Environment()
    mu, sigma = lognormal_parameters(1.0, settings.effort_cv) if settings.effort_cv else (0, 0)
    queues: dict[str, list[tuple[Task, float]]] = defaultdict(list)
    learned: dict[str, set[str]] = {p.name: set(p.skills) for p in people}
    by_name = {p.name: p for p in people}
    for task in tasks:
        person = _assign(task, people)
        for skill in task.skills:
            if skill not in learned[person.name]:
                learned[person.name].add(skill)
                queues[person.name].append(
                    (Task(f"learning:{skill}:{person.name}", "learning", 0.0, ()),
                     settings.learning_hours_per_skill))
        draw = rng.lognormvariate(mu, sigma) if settings.effort_cv else 1.0
        queues[person.name].append((task, task.hours * draw))
    done: dict[str, Event] = {t.id: env.event() for t in tasks}
    outcome = EffortOutcome(0.0, 0.0, 0.0, 0.0, dict.fromkeys([*PHASES, "learning"], 0.0))

    def work(person: Person, queue: list[tuple[Task, float]]) -> Generator[Any, Any, None]:
        for task, hours in queue:
            for dependency in task.after:
                yield done[dependency]
            yield env.timeout(hours / person.hours_per_week)
            outcome.person_hours += hours
            if person.role == "staff":
                outcome.staff_hours += hours
            outcome.cost_gbp += hours * person.rate_gbp_per_hour
            outcome.hours_by_task[task.kind] += hours
            if task.id in done:
                done[task.id].succeed()

    for name, queue in queues.items():
        env.process(work(by_name[name], queue))
    env.run()
    unfinished = [t for t, e in done.items() if not e.triggered]
    if unfinished:
        raise RuntimeError(f"commissioning plan cannot finish: {unfinished[:3]} wait forever")
    outcome.calendar_weeks = env.now
    return outcome
