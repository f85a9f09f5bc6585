"""The simulation's clock against the wall clock, and the task that keeps them together.

SimPy's ``RealtimeEnvironment`` sleeps between events and would block the asyncio loop the
servers run on, so live mode steps a plain ``Environment`` from an asyncio task instead: it
processes every event that is due by the (scaled) wall clock, a slice at a time, and yields to
the loop between slices so that no client waits on the simulation for long.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from simpy import Environment

# The longest the loop is held by the simulation at once. asyncua clients drop a session whose
# server does not answer for about a second (REFERENCES.md), so slices stay far below that.
SLICE_S = 0.02
# Even with nothing due, wake this often to flush writes and refresh the status.
IDLE_WAKE_S = 0.05
_CHECK_EVERY = 256


# How simulated instants become OPC UA source timestamps (``--timestamps``): "simulated" dates
# each instant at ``epoch`` + simulated seconds, which at speed above 1 runs ahead of the wall
# clock; "wall" dates it at the real moment the simulation reached it, ``epoch`` + simulated
# seconds / speed. At speed 1 the two are the same.
TIMESTAMPS = ("simulated", "wall")


@dataclass
class SimClock:
    """Maps simulated seconds to the wall clock: ``speed`` simulated seconds per real one.

    Simulated time 0 is the moment the run starts; ``epoch`` is that moment as a date, so at
    speed 1 a source timestamp is the real time of the event.
    """

    speed: float
    epoch: datetime = field(default_factory=lambda: datetime.now(UTC))
    started: float = field(default_factory=time.monotonic)
    timestamps: str = "simulated"  # one of TIMESTAMPS

    def __post_init__(self) -> None:
        if self.timestamps not in TIMESTAMPS:
            raise ValueError(f"timestamps must be one of {TIMESTAMPS}, not {self.timestamps!r}")

    def now(self) -> float:
        """The simulated time the wall clock says it is."""
        return (time.monotonic() - self.started) * self.speed

    def wall_delay(self, sim_seconds: float) -> float:
        """Real seconds that ``sim_seconds`` of simulated time take."""
        return sim_seconds / self.speed

    def _scale(self) -> float:
        return 1.0 if self.timestamps == "simulated" else self.speed

    def timestamp(self, sim_time: float) -> datetime:
        """A simulated instant as a date, for OPC UA source timestamps (see TIMESTAMPS)."""
        return self.epoch + timedelta(seconds=sim_time / self._scale())

    def sim_time(self, stamp: datetime) -> float:
        """The simulated instant of a source timestamp (the inverse of :meth:`timestamp`)."""
        return (stamp - self.epoch).total_seconds() * self._scale()

    def simulated_date(self, sim_time: float) -> datetime:
        """A simulated instant on the simulated calendar, whatever the timestamps."""
        return self.epoch + timedelta(seconds=sim_time)


@dataclass
class Pace:
    """How well the simulation keeps up: events processed and how far it lags the clock."""

    events: int = 0
    lag_s: float = 0.0  # simulated seconds of due events not yet processed
    worst_lag_s: float = 0.0


async def drive(env: Environment, clock: SimClock, until: float | None, pace: Pace,
                after_slice: Callable[[], Awaitable[None]],
                stop: asyncio.Event) -> None:
    """Process events as the clock makes them due until ``until`` (simulated seconds) or
    until ``stop`` is set; ``after_slice`` runs after every slice (it publishes)."""
    while not stop.is_set():
        target = clock.now()
        if until is not None:
            target = min(target, until)
        deadline = time.monotonic() + SLICE_S
        steps = 0
        while env.peek() <= target:
            env.step()
            steps += 1
            if steps % _CHECK_EVERY == 0 and time.monotonic() > deadline:
                break
        pace.events += steps
        due = env.peek()
        pace.lag_s = max(0.0, target - due) if due <= target else 0.0
        pace.worst_lag_s = max(pace.worst_lag_s, pace.lag_s)
        await after_slice()
        if until is not None and target >= until and env.peek() > until:
            return
        if pace.lag_s > 0:
            await asyncio.sleep(0)  # behind: let the servers answer, then catch up
            continue
        wait = clock.wall_delay(due - clock.now()) if math.isfinite(due) else IDLE_WAKE_S
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=min(max(wait, 0.0), IDLE_WAKE_S))
