"""The flow-level engine: traffic as rates between state changes, buffers in closed form.

It elaborates the shop into the message engine's :class:`~testbed.sim.topology.Topology`, draws
every outage, crash, software failure and breakdown from the same fault processes
(:mod:`testbed.sim.faults`), and walks from one state change to the next. Between two changes
nothing is random: each machine emits each kind of message at a constant rate, each route is
open or closed, and the traffic of the segment moves as *slabs* (an amount of one machine's
messages of one kind, created evenly over a span of time):

* through an open route to the next translator or to the consumer;
* into a closed route's store-and-forward buffer, which fills at the arrival rate up to its
  capacity (the rest is lost, "buffer full"), or, with no buffer, lost ("outage", "receiver
  down"); a polled machine's latched events wait for the next successful poll instead;
* out of a buffer all at once when its route opens again, spaced by the route's slowest link,
  as the message engine flushes it.

Latencies of traffic that never waited are the short fault-free message-level window's
(:mod:`~testbed.sim.flow.window`), scaled to the deliveries; a message that waited in a buffer
has the wait computed from its slab. The cost grows with the number of state changes, not the
number of messages. docs/architecture.md says what is approximated and how the modules depend
on each other; docs/metrics.md how each figure is derived.

Modules, each importing only those above it: ``buffer`` (slabs and a closed route's buffer),
``tally`` (the counters linear in time), ``window`` (the fault-free windows), ``graph`` (the
topology as bits and indices), ``steady`` (the up state from windows and theory), ``push``
(slabs through routes and translators), ``plan`` (a machine's share of a state's plan, a pure
function of graph, up state and state), ``traffic`` (the run's instants and segments),
``faults`` (the state changes and the state), ``record`` (the run record), ``run`` (the loop),
``model`` (:class:`FlowModel`).
"""

from testbed.sim.flow.model import DEFAULT_WINDOW_S, FlowModel

__all__ = ["DEFAULT_WINDOW_S", "FlowModel"]
