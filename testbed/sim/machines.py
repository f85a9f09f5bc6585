"""Machines as data sources, and the production gate that stops them when a critical piece of
software is unreachable for longer than the line can run without it."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from simpy import Environment
from simpy.events import Event

from testbed.sim.calendar import WorkingTime
from testbed.sim.faults import GateChange, GateState
from testbed.sim.ledger import Ledger
from testbed.sim.network import ALARM, COUNT, SAMPLE, STATE, Message, Route, Stateful
from testbed.sim.randomness import Sampler

Process = Generator[Event, Any, None]


class Origin:
    """Where one machine's data enters one reader (the first hop of a data path).

    A pushing machine sends each message at once. A polled one latches events (a counter
    register, an alarm latch) until the reader's next poll, and each successful poll also reads
    one sample of the process values: the cost of polling is the wait, not the loss.
    """

    def __init__(self, route: Route, mask: int, poll_interval: float | None) -> None:
        self.route = route
        self.mask = mask
        self.poll_interval = poll_interval
        self.counts = [0, 0, 0, 0]
        self.latch: list[Message] = []


class Machine(Stateful):
    def __init__(self, env: Environment, ledger: Ledger, index: int, name: str,
                 cycle: Sampler, sample_interval: float) -> None:
        super().__init__(env, name)
        self.ledger = ledger
        self.index = index
        self.cycle = cycle
        self.sample_interval = sample_interval
        self.origins: list[Origin] = []
        self.running = True
        self.parts = 0
        self.breakdowns = 0
        self.blocked_time = 0.0
        self.gates: list[ProductionGate] = []
        # the shop's working week: parts are made only in it
        self.calendar = WorkingTime()
        self._repaired = env.event()

    def message(self, kind: int) -> Message:
        """A new message of ``kind`` from this machine, stamped now."""
        return (self.env.now, self.index, kind)

    def emit(self, kind: int) -> None:
        msg = self.message(kind)
        for origin in self.origins:
            if origin.mask >> kind & 1:
                origin.counts[kind] += 1
                if origin.poll_interval is None:
                    origin.route.send(msg)
                else:
                    origin.latch.append(msg)

    def set_up(self, up: bool) -> None:
        was_up = self.up
        super().set_up(up)
        # After the horizon machines make nothing: breakdowns then are not the run's.
        if was_up and not up and self.running:
            self.breakdowns += 1
            self.emit(ALARM)
        elif up and not was_up:
            if self.running:
                self.emit(STATE)
            self._repaired.succeed()
            self._repaired = self.env.event()

    def production(self) -> Process:
        env = self.env
        calendar = self.calendar
        while self.running:
            off = calendar.until_working(env.now)
            if off:
                # out of hours: the next cycle starts with the shift, gates checked then
                yield env.timeout(off)
                continue
            for gate in self.gates:
                while gate.state.blocked:
                    since = env.now
                    yield gate.opened
                    # production is lost only in the hours the shop would have worked
                    self.blocked_time += calendar.worked_between(since, env.now)
            if not self.up:
                yield self._repaired
            # The cycle is working time: a part under way at the end of a shift pauses.
            yield env.timeout(calendar.span(env.now, self.cycle()))
            if not self.up:
                yield self._repaired
            if self.running:
                self.parts += 1
                self.emit(COUNT)

    def state_process(self, draw: Sampler) -> Process:
        env = self.env
        while True:
            yield env.timeout(draw())
            if not self.running:
                return
            self.emit(STATE)

    def pushing_samples(self, phase: float) -> Process:
        """A sample every ``sample_interval`` from ``phase`` on: machines switched on at
        different moments publish out of step, not as one burst."""
        env = self.env
        yield env.timeout(phase)
        while self.running:
            self.emit(SAMPLE)
            yield env.timeout(self.sample_interval)

    def polling(self, origin: Origin, phase: float) -> Process:
        interval = origin.poll_interval
        assert interval is not None
        yield self.env.timeout(phase)
        while self.poll(origin):
            yield self.env.timeout(interval)

    def poll(self, origin: Origin) -> bool:
        """One read by the origin's reader: it collects the latched events and one sample if
        the path is up; a sample it cannot read is lost. False once nothing is left to read."""
        route = origin.route
        wants_samples = origin.mask >> SAMPLE & 1 and self.running
        if route.reachable():
            if origin.latch:
                latched, origin.latch = origin.latch, []
                for msg in latched:
                    route.send(msg)
            if wants_samples:
                origin.counts[SAMPLE] += 1
                route.send(self.message(SAMPLE))
        elif wants_samples:
            origin.counts[SAMPLE] += 1
            reason = "outage" if route.target.up else "receiver down"
            self.ledger.lose(route, self.message(SAMPLE), reason)
        return self.running or bool(origin.latch)


class ProductionGate:
    """Blocks production when what it watches (a critical consumer and the links to it) has
    been unreachable for longer than ``tolerance``; reopens the moment it is reachable. The
    state machine is :class:`~testbed.sim.faults.GateState`; this drives it on SimPy's clock."""

    def __init__(self, env: Environment, watched: list[Stateful], tolerance: float) -> None:
        self.env = env
        self.watched = watched
        self.state = GateState(tolerance)
        self.opened = env.event()
        for element in watched:
            element.watchers.append(self._changed)

    def _changed(self, _up: bool) -> None:
        change = self.state.watched(all(w.up for w in self.watched))
        if change is GateChange.OPENED:
            self.opened.succeed()
            self.opened = self.env.event()
        elif change is GateChange.ARM:
            self.env.timeout(self.state.tolerance).callbacks.append(self._expire(self.state.epoch))

    def _expire(self, epoch: int) -> Callable[[Event], None]:
        def expire(_event: Event) -> None:
            self.state.expire(epoch)
        return expire
