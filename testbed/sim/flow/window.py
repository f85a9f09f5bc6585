"""The short message-level windows the flow-level engine samples its latencies from.

A window is the message-level engine run on the same shop and wiring with every fault switched
off, so it measures the up state only: polling waits, queueing and service at translators,
the share a full waiting room turns away, link delays and batching. Outages are the flow
engine's own business.

Machines read by a slow poller (a clipboard round every two hours) deliver too little in an
hour to measure, so machines are grouped by their slowest poll: each group's window lasts
``max(length, POLLS_PER_WINDOW x its poll interval)`` and runs that group's machines alone.
Their data then meets no queueing from the other groups' traffic, which is negligible beside
a wait of a poll interval.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from testbed.params import Constant, DistributionSpec, LinkSpec, SoftwareParams, TranslatorParams
from testbed.seeds import derive_seed
from testbed.sim.model import FactoryModel
from testbed.sim.sketch import QuantileSketch
from testbed.wiring import MachineInstance, Placed, ShopNetwork, Wiring

POLLS_PER_WINDOW = 20
# the parameters of a distribution that scale with it
_SCALES = ("value", "mean", "min", "low", "high")
# a cycle no window lasts
_NEVER_S = 1e15


@dataclass
class ConsumerWindow:
    """What one consumer received from one group's machines in the up state."""

    latency: QuantileSketch
    delivered: dict[str, int]
    late: dict[str, int]
    max_gap: dict[str, float]


@dataclass
class ServerWindow:
    in_system: float
    mean_sojourn: float
    completed: int
    # what reached it, and what its full waiting room turned away
    offered: int
    refused: int


@dataclass
class Window:
    length: float
    machines: list[str]
    consumers: dict[str, ConsumerWindow]
    servers: dict[str, ServerWindow]


def slowest_poll(machine: MachineInstance, wiring: Wiring) -> float:
    """The longest interval at which any reader polls ``machine`` (0 for a pushing one)."""
    if machine.params.interface != "poll":
        return 0.0
    polls = [0.0]
    for path in wiring.paths:
        reader = wiring.components[path.hops[0]].params
        if path.machine == machine.id and isinstance(reader, TranslatorParams):
            polls.append(max(reader.poll_interval, machine.params.min_poll_interval))
    return max(polls)


def window_groups(machines: Sequence[MachineInstance], wiring: Wiring,
                  length: float) -> dict[float, list[MachineInstance]]:
    """Machines by the length of the window that measures them."""
    groups: dict[float, list[MachineInstance]] = {}
    for machine in machines:
        span = max(length, POLLS_PER_WINDOW * slowest_poll(machine, wiring))
        groups.setdefault(span, []).append(machine)
    return groups


def _fault_free(wiring: Wiring, machines: set[str]) -> Wiring:
    components: dict[str, Placed[Any]] = {}
    for cid, placed in wiring.components.items():
        params = placed.params
        if isinstance(params, TranslatorParams):
            params = params.model_copy(update={"crashes": None})
        elif isinstance(params, SoftwareParams):
            params = params.model_copy(update={"availability": None})
        components[cid] = dataclasses.replace(placed, params=params)
    paths = [p for p in wiring.paths if p.machine in machines]
    return Wiring(components, paths, list(wiring.notes))


def _slower(spec: DistributionSpec, share: float) -> DistributionSpec:
    """A cycle time drawn as ``spec`` stretched to make parts at ``share`` of its rate; none
    in a window when the share is zero."""
    if share >= 1:
        return spec
    if share <= 0:
        return Constant(dist="constant", value=_NEVER_S)
    return spec.model_copy(update={f: getattr(spec, f) / share for f in _SCALES
                                   if f in type(spec).model_fields})


def measure_windows(machines: Sequence[MachineInstance], network: ShopNetwork,
                    wiring: Wiring, seed: int, length: float,
                    production_share: float = 1.0) -> list[Window]:
    """One fault-free message-level window per group of machines, on seeds of their own.

    ``production_share``: the share of the run in the shop's working time. The window's
    machines make parts at that share of their rate, so its mix of counts among the other
    messages is the run's on average (its latencies are scaled to the run's deliveries of
    every kind alike), though never its bursts of a shift."""
    links: dict[str, LinkSpec] = {name: spec.model_copy(update={"outages": None})
                                  for name, spec in network.links.items()}
    quiet = ShopNetwork(links, network.backbone, network.internet)
    windows = []
    for span, group in sorted(window_groups(machines, wiring, length).items()):
        ids = {m.id for m in group}
        steady = [dataclasses.replace(m, params=m.params.model_copy(update={
            "breakdowns": None, "cycle_time": _slower(m.params.cycle_time, production_share)}))
            for m in group]
        model = FactoryModel(steady, quiet, _fault_free(wiring, ids),
                             derive_seed(seed, "flow-window", span))
        record = model.run(span)
        names = record.machines
        consumers = {
            c.name: ConsumerWindow(c.latency, dict(zip(names, c.delivered, strict=True)),
                                   dict(zip(names, c.late, strict=True)),
                                   dict(zip(names, c.max_gap, strict=True)))
            for c in record.consumers}
        servers = {s.name: ServerWindow(s.time_average_in_system, s.mean_sojourn, s.completed,
                                        s.arrivals + model.servers[s.name].refused,
                                        model.servers[s.name].refused)
                   for s in record.servers}
        windows.append(Window(span, names, consumers, servers))
    return windows
