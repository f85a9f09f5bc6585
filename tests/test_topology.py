"""The shop elaborated once: the topology both engines consume, what they share, and the
flow engine's package importing one way."""

from __future__ import annotations

import ast

import pytest
from conftest import BUNDLED, ROOT, load

from testbed.assemble import assemble
from testbed.registry import Registry
from testbed.sim.faults import GateChange, GateState
from testbed.sim.flow import FlowModel
from testbed.sim.flow.plan import Planner
from testbed.sim.flow.steady import SteadyState
from testbed.sim.flow.window import measure_windows
from testbed.sim.model import FactoryModel

SME = BUNDLED / "sme-legacy-shop.yaml"


def test_both_engines_consume_the_same_topology(registry: Registry) -> None:
    scenario = load(registry, SME)
    assembly = assemble(scenario, 3, registry, str(SME))
    message = FactoryModel(assembly.machines, assembly.network, assembly.wiring, 4)
    flow = FlowModel(assembly.machines, assembly.network, assembly.wiring, 4)
    assert message.topology == flow.topology
    top = message.topology
    # the SimPy objects are the topology's nodes, in its order
    assert list(message.links) == [link.name for link in top.links]
    assert list(message.servers) == [s.name for s in top.servers]
    assert list(message.consumers) == [c.name for c in top.consumers]
    assert list(message.routes) == [r.pair for r in top.hops]
    for (m, reader), origin in message.origins.items():
        node = top.origins[top.origin_index[(m, reader)]]
        assert (origin.mask, origin.poll_interval) == (node.mask, node.poll_interval)
        assert origin in message.machines[m].origins
    # One fault process for both: the same seed draws the same outages and downtime of every
    # element, whichever engine runs them.
    day = 86_400.0
    by_message = FactoryModel(assembly.machines, assembly.network, assembly.wiring, 4).run(day)
    by_flow = FlowModel(assembly.machines, assembly.network, assembly.wiring, 4).run(day)
    assert by_message.outages == by_flow.outages
    assert sum(by_message.outages.values()) > 0
    for element, down in by_message.downtime.items():
        assert by_flow.downtime[element] == pytest.approx(down, rel=1e-9, abs=1e-6), element


def test_a_share_is_a_function_of_its_arguments(registry: Registry) -> None:
    # The run keeps one planner and reuses its scratch; a fresh one gives the same share.
    scenario = load(registry, SME)
    assembly = assemble(scenario, 0, registry, str(SME))
    flow = FlowModel(assembly.machines, assembly.network, assembly.wiring, 2)
    windows = measure_windows(assembly.machines, assembly.network, assembly.wiring, 2, 300.0)
    steady = SteadyState(flow.graph, windows, 86_400.0)
    planner = Planner(flow.graph, steady)
    everything = (1 << len(flow.graph.bits)) - 1
    for m, passes in enumerate(flow.graph.passes):
        for down in (0, passes & everything):
            for producing in (True, False, None):
                assert planner.share(down, m, producing) == Planner(
                    flow.graph, steady).share(down, m, producing)


def test_the_gate_closes_after_its_tolerance_and_opens_at_once() -> None:
    gate = GateState(60.0)
    assert gate.watched(True) is None
    assert gate.watched(False) is GateChange.ARM
    armed = gate.epoch
    assert gate.watched(True) is None  # back before the timer ran out: it never closes
    assert not gate.expire(armed)
    assert gate.watched(False) is GateChange.ARM
    assert gate.expire(gate.epoch) and gate.blocked
    assert gate.watched(True) is GateChange.OPENED and not gate.blocked


def test_the_engine_imports_one_way() -> None:
    sim = ROOT / "testbed" / "sim"
    graph: dict[str, set[str]] = {}
    for path in sim.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                deps.add(node.module)
        graph[name] = {d for d in deps if d.startswith("testbed.sim") and d != name}
    done: set[str] = set()

    def visit(module: str, stack: tuple[str, ...]) -> None:
        assert module not in stack, " -> ".join([*stack, module])
        if module in done:
            return
        for dep in graph.get(module, ()):
            visit(dep, (*stack, module))
        done.add(module)

    for module in graph:
        visit(module, ())
