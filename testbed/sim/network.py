"""Runtime pieces of the message-level engine: links, routes, translators and consumers.

A message is a tuple ``(created_at, machine_index, kind)``. It is shared, never copied, when it
fans out, and it carries no per-hop state, so one tuple serves every consumer it reaches. Every
hop is a SimPy ``Timeout`` whose callback is a bound method: no process, pluggy hook or pydantic
model is created per message.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from simpy import Environment
from simpy.events import Event, Timeout

from testbed.sim.randomness import Sampler
from testbed.sim.sketch import QuantileSketch

if TYPE_CHECKING:
    from testbed.sim.ledger import Ledger

Message = tuple[float, int, int]
COUNT, STATE, ALARM, SAMPLE = 0, 1, 2, 3
KIND_NAMES = ("count", "state", "alarm", "sample")


class Stateful:
    """Something that can be up or down: it records its downtime and tells its watchers."""

    def __init__(self, env: Environment, name: str) -> None:
        self.env = env
        self.name = name
        self.up = True
        self.downtime = 0.0
        self.outages = 0
        self._down_since = 0.0
        self.watchers: list[Callable[[bool], None]] = []
        # down[m]: the consumers this element feeds with machine m's data, for loss accounting
        self.down: list[list[int]] = []

    def set_up(self, up: bool) -> None:
        if up == self.up:
            return
        self.up = up
        if up:
            self.downtime += self.env.now - self._down_since
        else:
            self.outages += 1
            self._down_since = self.env.now
        for watcher in self.watchers:
            watcher(up)

    def downtime_until(self, t: float) -> float:
        return self.downtime + (t - self._down_since if not self.up else 0.0)


class Receiver(Protocol):
    name: str
    up: bool
    watchers: list[Callable[[bool], None]]

    def receive(self, msg: Message) -> None: ...

    def arrive(self, event: Event) -> None: ...


class Link(Stateful):
    """A network link: FIFO serialisation at its bandwidth, then a random delay."""

    def __init__(self, env: Environment, name: str, latency: Sampler, bytes_per_s: float) -> None:
        super().__init__(env, name)
        self.latency = latency
        self.byte_time = 1.0 / bytes_per_s
        self.free_at = 0.0

    def occupy(self, size: int, now: float) -> float:
        """Reserve the link for one message; return when it has crossed."""
        start = self.free_at if self.free_at > now else now
        self.free_at = start + size * self.byte_time
        return self.free_at + self.latency()


class Route:
    """One hop from a sender to a receiver over zero or more links in series.

    A route with a store-and-forward buffer holds messages while its path is down and sends
    them all when it comes back (the links' bandwidth spaces them); without one, a message sent
    into a down path is lost.
    """

    def __init__(self, env: Environment, ledger: Ledger, owner: str, links: Sequence[Link],
                 target: Receiver, sizes: Sequence[int], buffer_capacity: int) -> None:
        self.env = env
        self.ledger = ledger
        self.owner = owner
        self.links = tuple(links)
        self.target = target
        self.sizes = sizes
        self.capacity = buffer_capacity
        self.buffer: deque[tuple[Message, float]] = deque()
        self.peak_buffer = 0
        # Little's law bookkeeping: the integral of the buffer's content over time, and the
        # total time messages spent in it.
        self.buffer_area = 0.0
        self.buffer_wait = 0.0
        self._area_since = 0.0
        self.buffered_total = 0
        # What this hop dropped, and when its last flush finished crossing its links.
        self.lost = 0
        self.drained_at = 0.0
        self.down: list[list[int]] = []
        for link in self.links:
            link.watchers.append(self._on_change)
        target.watchers.append(self._on_change)

    def reachable(self) -> bool:
        if not self.target.up:
            return False
        return all(link.up for link in self.links)

    def send(self, msg: Message) -> None:
        target = self.target
        links = self.links
        if target.up and (not links or all(link.up for link in links)):
            if not links:
                target.receive(msg)
                return
            now = self.env.now
            t = now
            size = self.sizes[msg[1]]
            for link in links:
                t = link.occupy(size, t)
            Timeout(self.env, t - now, msg).callbacks.append(target.arrive)
        elif len(self.buffer) < self.capacity:
            self._account()
            self.buffer.append((msg, self.env.now))
            self.buffered_total += 1
            if len(self.buffer) > self.peak_buffer:
                self.peak_buffer = len(self.buffer)
        elif self.capacity:
            self.lost += 1
            self.ledger.lose(self, msg, "buffer full")
        else:
            self.lost += 1
            self.ledger.lose(self, msg, "outage" if target.up else "receiver down")

    def _account(self) -> None:
        now = self.env.now
        self.buffer_area += len(self.buffer) * (now - self._area_since)
        self._area_since = now

    def _on_change(self, up: bool) -> None:
        if up and self.buffer and self.reachable():
            self._account()
            buffered, self.buffer = self.buffer, deque()
            now = self.env.now
            for msg, since in buffered:
                self.buffer_wait += now - since
                self.send(msg)
            self.drained_at = max([now, *(link.free_at for link in self.links)])


class Server(Stateful):
    """A translator, broker or aggregation server: ``servers`` parallel workers in front of a
    FIFO waiting room of ``queue_capacity``. A crash loses what is queued or in service."""

    def __init__(self, env: Environment, ledger: Ledger, name: str, service: Sampler,
                 servers: int, queue_capacity: int, omission: float,
                 chance: Callable[[], float]) -> None:
        super().__init__(env, name)
        self.ledger = ledger
        self.service = service
        self.servers = servers
        self.capacity = queue_capacity
        self.omission = omission
        self.chance = chance
        self.queue: deque[tuple[Message, float]] = deque()
        self.busy = 0
        self.generation = 0
        self.routes: list[list[tuple[Route, int]]] = []
        # For Little's law: time-integral of the number in the system, and arrivals admitted.
        self.area = 0.0
        self._area_since = 0.0
        self.admitted = 0
        self.sojourn_sum = 0.0
        self.completed = 0
        # arrivals a full waiting room turned away: the flow engine's blocking share
        self.refused = 0

    def arrive(self, event: Event) -> None:
        self.receive(event._value)

    def in_system(self) -> int:
        return self.busy + len(self.queue)

    def _account(self) -> None:
        now = self.env.now
        self.area += (self.busy + len(self.queue)) * (now - self._area_since)
        self._area_since = now

    def receive(self, msg: Message) -> None:
        if not self.up:
            self.ledger.lose(self, msg, "crash")
            return
        if self.busy < self.servers:
            self._account()
            self.busy += 1
            self.admitted += 1
            job = (msg, self.generation, self.env.now)
            Timeout(self.env, self.service(), job).callbacks.append(self._done)
        elif len(self.queue) < self.capacity:
            self._account()
            self.admitted += 1
            self.queue.append((msg, self.env.now))
        else:
            self.refused += 1
            self.ledger.lose(self, msg, "queue full")

    def _done(self, event: Event) -> None:
        msg, generation, arrived = event._value
        if generation != self.generation:
            self.ledger.lose(self, msg, "crash")
            return
        env = self.env
        self._account()
        self.sojourn_sum += env.now - arrived
        self.completed += 1
        if self.queue:
            nxt, queued_at = self.queue.popleft()
            Timeout(env, self.service(), (nxt, generation, queued_at)).callbacks.append(self._done)
        else:
            self.busy -= 1
        if self.omission and self.chance() < self.omission:
            self.ledger.lose(self, msg, "omitted in handling")
            return
        kind = msg[2]
        for route, mask in self.routes[msg[1]]:
            if mask >> kind & 1:
                route.send(msg)

    def set_up(self, up: bool) -> None:
        if not up and self.up:
            self._account()
            self.generation += 1
            self.busy = 0
            for msg, _ in self.queue:
                self.ledger.lose(self, msg, "crash")
            self.queue.clear()
        super().set_up(up)


class Consumer(Stateful):
    """A vendor software stub: it ingests messages, in batches if it batches, and measures."""

    def __init__(self, env: Environment, ledger: Ledger, name: str, machines: int,
                 batch_interval: float, deadline: float) -> None:
        super().__init__(env, name)
        self.ledger = ledger
        self.batch_interval = batch_interval
        self.deadline = deadline
        # batches close at batch_phase + k * batch_interval; the model draws the phase
        self.batch_phase = 0.0
        self.pending: list[Message] = []
        self.latency = QuantileSketch()
        self.delivered = [0] * machines
        self.late = [0] * machines
        self.last = [0.0] * machines
        self.max_gap = [0.0] * machines
        self.counts_delivered = [0] * machines
        self.alarm_count = [0] * machines
        self.alarm_sum = [0.0] * machines

    def arrive(self, event: Event) -> None:
        self.receive(event._value)

    def receive(self, msg: Message) -> None:
        if not self.up:
            self.ledger.lose(self, msg, "software unavailable")
        elif self.batch_interval:
            if not self.pending:
                # Batches are ingested on the boundaries of the interval; an idle consumer
                # schedules nothing, so quiet periods cost no events.
                interval, phase = self.batch_interval, self.batch_phase
                now = self.env.now
                boundary = (math.floor((now - phase) / interval) + 1) * interval + phase
                Timeout(self.env, boundary - now).callbacks.append(self._ingest)
            self.pending.append(msg)
        else:
            self.record(msg, self.env.now)

    def record(self, msg: Message, now: float) -> None:
        latency = now - msg[0]
        self.latency.add(latency)
        m = msg[1]
        self.delivered[m] += 1
        if latency > self.deadline:
            self.late[m] += 1
        gap = now - self.last[m]
        if gap > self.max_gap[m]:
            self.max_gap[m] = gap
        self.last[m] = now
        kind = msg[2]
        if kind == COUNT:
            self.counts_delivered[m] += 1
        elif kind == ALARM:
            self.alarm_count[m] += 1
            self.alarm_sum[m] += latency

    def _ingest(self, _event: Event) -> None:
        now = self.env.now
        pending, self.pending = self.pending, []
        for msg in pending:
            self.record(msg, now)

    def close_gaps(self, horizon: float) -> None:
        """A machine silent since its last delivery is a gap that runs to the horizon."""
        for m, last in enumerate(self.last):
            self.max_gap[m] = max(self.max_gap[m], horizon - last)
