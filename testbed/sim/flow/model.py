"""The flow-level model: one architecture in one shop for one replication.

It elaborates the shop into the same :class:`~testbed.sim.topology.Topology` as the message
engine and runs it as :mod:`testbed.sim.flow.run` does.
"""

from __future__ import annotations

from collections.abc import Sequence

from testbed.sim.calendar import WorkingTime
from testbed.sim.flow.faults import Scripted
from testbed.sim.flow.graph import Graph
from testbed.sim.flow.run import FlowRun
from testbed.sim.flow.window import Window, measure_windows
from testbed.sim.record import RunRecord
from testbed.sim.topology import Kind, Ref, elaborate
from testbed.wiring import MachineInstance, ShopNetwork, Wiring

DEFAULT_WINDOW_S = 3600.0


class FlowModel:
    """One architecture in one shop for one replication, at flow level."""

    def __init__(self, machines: Sequence[MachineInstance], network: ShopNetwork,
                 wiring: Wiring, seed: int, window: float = DEFAULT_WINDOW_S,
                 windows: list[Window] | None = None,
                 calendar: WorkingTime | None = None) -> None:
        """``windows``: up-state windows already measured for this shop and wiring (shared by
        a region study's replications); by default each run measures its own. ``calendar``:
        the shop's working time (default around the clock)."""
        self.instances = list(machines)
        self.network = network
        self.wiring = wiring
        self.seed = seed
        self.window = window
        self.windows = windows
        self.topology = elaborate(machines, network, wiring, seed, calendar)
        self.graph = Graph(self.topology)
        self.scripted: list[Scripted] = []

    def schedule_outage(self, links: Sequence[str], start: float, length: float) -> None:
        """Force the named links down from ``start`` for ``length`` seconds, as
        :meth:`FactoryModel.schedule_outage` does."""
        top = self.topology
        for name in links:
            element = top.element(Ref(Kind.LINK, top.link_index[name]))
            self.scripted += [Scripted(start, element, False),
                              Scripted(start + length, element, True)]

    def run(self, horizon: float) -> RunRecord:
        windows = self.windows or measure_windows(
            self.instances, self.network, self.wiring, self.seed, min(self.window, horizon),
            self.topology.calendar.share_of(horizon))
        return FlowRun(self.graph, windows, self.scripted, horizon).run()
