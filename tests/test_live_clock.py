"""How a live run dates simulated instants as OPC UA source timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from testbed.live.clock import SimClock

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def test_simulated_timestamps_follow_the_simulated_calendar_and_wall_ones_the_clock() -> None:
    simulated = SimClock(60.0, epoch=EPOCH)
    wall = SimClock(60.0, epoch=EPOCH, timestamps="wall")
    # An hour of simulated time at speed 60 is a minute of wall clock.
    assert simulated.timestamp(3600.0) == EPOCH + timedelta(hours=1)
    assert wall.timestamp(3600.0) == EPOCH + timedelta(minutes=1)
    for clock in (simulated, wall):
        assert clock.sim_time(clock.timestamp(1234.5)) == pytest.approx(1234.5)
        assert clock.simulated_date(3600.0) == EPOCH + timedelta(hours=1)


def test_an_unknown_way_of_dating_is_refused() -> None:
    with pytest.raises(ValueError, match="timestamps must be one of"):
        SimClock(1.0, timestamps="local")
