"""One flow-level run: from one state change to the next until the horizon, then the drain of
what is still buffered.

Each segment between two changes is steady, so the first segment in each state makes the
state's :class:`~testbed.sim.flow.plan.Plan` from its machines' shares (each worked out once
per state of what the machine's data passes, by the
:class:`~testbed.sim.flow.plan.Planner`), and every segment in that state adds its length to
the state's time and replays what does not scale with it. The rates times the times go into
the run's counters when a plan is forgotten or at the end.
"""

from __future__ import annotations

from collections import OrderedDict

from testbed.sim.flow.faults import FaultState, Scripted, StateKey
from testbed.sim.flow.graph import Graph
from testbed.sim.flow.plan import Plan, Planner, combine
from testbed.sim.flow.record import flow_record
from testbed.sim.flow.steady import SteadyState
from testbed.sim.flow.tally import PARTS
from testbed.sim.flow.traffic import Traffic
from testbed.sim.flow.window import Window
from testbed.sim.model import DRAIN_LIMIT_S
from testbed.sim.record import RunRecord

# How many rates the remembered plans may hold in all (about 100 bytes each): a year of the
# SME shop visits about 200 states of a few hundred rates each and keeps them all.
PLAN_CELLS_KEPT = 1_000_000


class FlowRun:
    def __init__(self, graph: Graph, windows: list[Window], scripted: list[Scripted],
                 horizon: float) -> None:
        self.graph = graph
        self.horizon = horizon
        self.steady = SteadyState(graph, windows, horizon)
        self.traffic = Traffic(graph, self.steady)
        self.planner = Planner(graph, self.steady)
        self.faults = FaultState(graph, scripted, horizon)
        # the plans of the states visited, least recently used first, with the time spent
        # in each since its plan was made
        self.plans: OrderedDict[StateKey, Plan] = OrderedDict()
        self.time_in: dict[StateKey, float] = {}
        self.cells_kept = 0
        # each machine's shares, by the state of what its data passes and whether it produces
        self.shares: list[dict[tuple[int, bool | None], Plan]] = [
            {} for _ in graph.top.machines]

    def run(self) -> RunRecord:
        traffic, faults = self.traffic, self.faults
        horizon = self.horizon
        deadline = horizon + DRAIN_LIMIT_S
        t = 0.0
        while True:
            nxt = faults.next_change(horizon if faults.running else deadline)
            self.segment(t, nxt)
            t = nxt
            if faults.running and t >= horizon:
                faults.end_production(t)
                if traffic.buffered() <= 0:
                    break
                continue
            if t >= deadline:
                break
            changes = faults.happen(t)
            for s in changes.crashed:
                traffic.crash(s)
            traffic.impulse(t, faults.down_mask, changes.emitted)
            if not faults.running and traffic.buffered() <= 0:
                break
        self._settle()
        return flow_record(self.steady, traffic, faults, t)

    def segment(self, t0: float, t1: float) -> None:
        d = t1 - t0
        if d <= 0:
            return
        key = self.faults.key()
        plan = self.plans.get(key)
        if plan is None:
            plan = self.plans[key] = self._plan()
            self.time_in[key] = 0.0
            self.cells_kept += len(plan.cells)
            # A big shop seldom returns to a state (each of hundreds of machines breaks down
            # on its own), so plans are forgotten, oldest first, once they hold too much.
            while self.cells_kept > PLAN_CELLS_KEPT and len(self.plans) > 1:
                self._settle_oldest()
        else:
            self.plans.move_to_end(key)
        # What is linear in time is added once, when the plan is forgotten or at the end, from
        # the time spent in its state.
        self.time_in[key] += d
        self.traffic.replay(plan, t0, t1)

    def _plan(self) -> Plan:
        """The present state's plan, from each machine's share in the state of what its data
        passes, worked out the first time the machine meets that state."""
        faults = self.faults
        shares = []
        for m, passes in enumerate(self.graph.passes):
            producing = faults.producing(m) if faults.running else None
            down = faults.down_mask & passes
            key = (down, producing)
            share = self.shares[m].get(key)
            if share is None:
                share = self.shares[m][key] = self.planner.share(down, m, producing)
            shares.append(share)
        return combine(shares)

    def _settle_oldest(self) -> None:
        key, plan = self.plans.popitem(last=False)
        self.cells_kept -= len(plan.cells)
        self._add(plan, self.time_in.pop(key))

    def _add(self, plan: Plan, d: float) -> None:
        """A state's rates times the time spent in it, into the run's counters."""
        totals = self.traffic.totals
        matrices = totals.matrices()
        for counter, c, m, rate in plan.cells:
            if counter == PARTS:
                totals.parts[m] += rate * d
            else:
                matrices[counter][c][m] += rate * d
        for s, rate in plan.arrivals:
            totals.arrivals[s] += rate * d
        for reason, rate in plan.reasons:
            totals.reasons[reason] += rate * d

    def _settle(self) -> None:
        """Add each state's rates times the time spent in it; stop the flowing clocks."""
        for key, d in self.time_in.items():
            self._add(self.plans[key], d)
        self.time_in = {}
        self.traffic.stop_flowing()
