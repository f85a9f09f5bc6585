"""What a flow-level run knows of the up state before it starts.

From the fault-free windows: each consumer's mean latency, late share and longest normal gap
per machine, and each translator's mean number in system and the share of arrivals its full
waiting room turned away. From the arrival rates with everything up: the mix of what a crash
finds queued.
"""

from __future__ import annotations

import math

from testbed.params import Exponential
from testbed.sim.flow.graph import Graph
from testbed.sim.flow.window import Window
from testbed.sim.network import COUNT, SAMPLE, STATE
from testbed.sim.queueing import expected_longest_exponential_gap
from testbed.sim.topology import Kind, OriginNode
from testbed.wiring import MachineInstance


def emission_rates(inst: MachineInstance, origin: OriginNode,
                   producing: bool) -> list[tuple[int, float]]:
    """The (kind, rate) of each kind of message the machine sends through ``origin``."""
    params = inst.params
    rates = []
    if origin.mask >> COUNT & 1 and producing:
        rates.append((COUNT, 1.0 / params.cycle_time.mean))
    if origin.mask >> STATE & 1 and params.state_changes > 0:
        rates.append((STATE, params.state_changes))
    if origin.mask >> SAMPLE & 1:
        interval = origin.poll_interval or params.sample_interval
        rates.append((SAMPLE, 1.0 / interval))
    return rates


class SteadyState:
    """The up state of one run's shop: read from its windows, and worked out in closed form."""

    def __init__(self, graph: Graph, windows: list[Window], horizon: float) -> None:
        self.graph = graph
        self.instances = [m.instance for m in graph.top.machines]
        self.windows = windows
        self.horizon = horizon
        self._read_windows()
        self._steady_rates()

    def _read_windows(self) -> None:
        top = self.graph.top
        instances = self.instances
        index = {m.id: i for i, m in enumerate(instances)}
        self.group = [0] * len(instances)
        for g, window in enumerate(self.windows):
            for name in window.machines:
                self.group[index[name]] = g
        nc = len(top.consumers)
        self.up_mean = [[0.0] * len(self.windows) for _ in range(nc)]
        self.late_share = [[0.0] * len(instances) for _ in range(nc)]
        self.normal_gap = [[0.0] * len(instances) for _ in range(nc)]
        for c, consumer in enumerate(top.consumers):
            for g, window in enumerate(self.windows):
                seen = window.consumers.get(consumer.name)
                if seen is None:
                    continue
                if seen.latency.count:
                    self.up_mean[c][g] = seen.latency.mean
                pooled_late = sum(seen.late.values()) / max(1, sum(seen.delivered.values()))
                for name in window.machines:
                    m = index[name]
                    got = seen.delivered.get(name, 0)
                    self.late_share[c][m] = seen.late[name] / got if got else pooled_late
                    self.normal_gap[c][m] = seen.max_gap.get(name, 0.0) if got else 0.0
        for c in range(nc):
            for m, inst in enumerate(instances):
                rate = self._poisson_rate(c, inst)
                if rate <= 0:
                    continue
                seen_gap = self.normal_gap[c][m]
                if seen_gap > 0:
                    # The longest of N gaps with an exponential tail of this rate grows by
                    # ln(k) / rate when N grows k-fold: from the window's span to the run's.
                    span = self.windows[self.group[m]].length
                    self.normal_gap[c][m] = seen_gap + math.log(max(1.0, self.horizon / span)) \
                        / rate
                else:
                    self.normal_gap[c][m] = expected_longest_exponential_gap(rate, self.horizon)
        # by server index
        self.in_system = [sum(w.servers[server.name].in_system
                              for w in self.windows if server.name in w.servers)
                          for server in top.servers]
        # Blocking as the window measured it, not a closed form: M/M/c/K is exact only for
        # Poisson arrivals and exponential service (2.5 times too high for constant service
        # at rho = 0.8, K = 5), while the window queues the shop's own arrivals and service.
        # Its sampling error differs from replication to replication, so the loss interval
        # carries it.
        self.block = []
        for server in top.servers:
            measured = [w.servers[server.name] for w in self.windows
                        if server.name in w.servers]
            offered = sum(w.offered for w in measured)
            self.block.append(sum(w.refused for w in measured) / offered if offered else 0.0)

    def _poisson_rate(self, c: int, inst: MachineInstance) -> float:
        """Rate of the machine's traffic to the consumer when all of it is Poisson (state
        changes, and counts when the cycle is exponential), else 0: the longest normal gap of
        Poisson traffic grows with the horizon, which a short window cannot show, while
        regular traffic (samples, counts of a steady cycle) keeps the window's longest gap."""
        mask = self.graph.masks[c]
        params = inst.params
        if mask >> SAMPLE & 1:
            return 0.0
        rate = params.state_changes if mask >> STATE & 1 else 0.0
        if mask >> COUNT & 1:
            if not isinstance(params.cycle_time, Exponential):
                return 0.0
            rate += 1.0 / params.cycle_time.mean
        return rate

    def _steady_rates(self) -> None:
        """Arrival rates at each translator with everything up, less what upstream ones turn
        away or omit: the mix of what a crash finds queued."""
        top = self.graph.top
        arrivals: list[dict[tuple[int, int], float]] = [{} for _ in top.servers]
        for origin in top.origins:
            m = origin.machine
            target = arrivals[top.routes[origin.route].target.index]
            for kind, rate in emission_rates(self.instances[m], origin, producing=True):
                target[(m, kind)] = target.get((m, kind), 0.0) + rate
        # by server index
        self.omit = [0.0] * len(top.servers)
        for s in self.graph.order:
            params = top.servers[s].params
            here = arrivals[s]
            self.omit[s] = params.omission_probability
            passed = (1 - self.block[s]) * (1 - params.omission_probability)
            for (m, kind), rate in here.items():
                for route, mask in top.servers[s].forwards[m]:
                    receiver = top.routes[route].target
                    if mask >> kind & 1 and receiver.kind is Kind.SERVER:
                        there = arrivals[receiver.index]
                        there[(m, kind)] = there.get((m, kind), 0.0) + rate * passed
        # what each server holds, by (machine, kind): empty for a server that receives nothing
        self.mix = [{mk: r / sum(rates.values()) for mk, r in rates.items()}
                    if sum(rates.values()) > 0 else {} for rates in arrivals]
