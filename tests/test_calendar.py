"""The shop's calendar: machines make parts, wear and write production records only in working
time, and the benefits that depend on production follow.

The shop of tests/scenarios/shifts.yaml makes a part every three minutes exactly, so a week's
parts and records have exact answers: 3,360 parts around the clock, 1,600 on two eight-hour
shifts Monday to Friday (80 of the week's 168 hours).
"""

from __future__ import annotations

import bisect
import itertools
from pathlib import Path

import pytest
from conftest import TEST_SCENARIOS, load

from testbed.assemble import assemble
from testbed.errors import InputError
from testbed.experiments.replications import run_replication, simulate
from testbed.params import Calendar, Constant, Faults
from testbed.registry import Registry
from testbed.scenario import Scenario, load_scenario
from testbed.sim.calendar import WorkingTime
from testbed.sim.faults import timeline
from testbed.sim.flow import FlowModel
from testbed.sim.model import FactoryModel

SHIFTS = TEST_SCENARIOS / "shifts.yaml"
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
TWO_SHIFTS = Calendar(days=WEEKDAYS, shifts=["06:00-14:00", "14:00-22:00"])
AROUND_THE_CLOCK = Calendar()
# a week and a minute: the last part of the week is made before the horizon at both fidelities
WEEK_AND_A_MINUTE = 7 * 86_400.0 + 60.0


def shop(registry: Registry, calendar: Calendar, fidelity: str = "message",
         **machine: object) -> Scenario:
    scenario = load(registry, SHIFTS, fidelity=fidelity, horizon=WEEK_AND_A_MINUTE)
    cell = scenario.shop.machines[0].model_copy(update=machine)
    return scenario.model_copy(update={"shop": scenario.shop.model_copy(
        update={"calendar": calendar, "machines": [cell]})})


def minutes(n: float) -> Constant:
    return Constant(dist="constant", value=60.0 * n)


def rekeying(registry: Registry, scenario: Scenario) -> float:
    return run_replication(scenario, registry, 0, 0).metrics["benefit_rekeying_gbp_per_month"]


@pytest.mark.parametrize("fidelity", ["message", "flow"])
def test_two_shifts_on_weekdays_make_80_of_168_hours_of_parts_and_rekeying(
        registry: Registry, fidelity: str) -> None:
    runs = {}
    for calendar in (AROUND_THE_CLOCK, TWO_SHIFTS):
        scenario = shop(registry, calendar, fidelity)
        record = simulate(scenario, assemble(scenario, 0, registry), 1)
        runs[calendar.days[-1]] = (record.parts[0], record.records[0],
                                   rekeying(registry, scenario))
    assert runs["sun"][:2] == (3360, 168)
    assert runs["fri"][:2] == (1600, 80)
    # every record is fed to the one MES: 30 s of typing at £14 an hour each, per month
    months = WEEK_AND_A_MINUTE / (365.25 / 12 * 86_400.0)
    assert runs["sun"][2] == pytest.approx(168 * 30 / 3600 * 14 / months)
    assert runs["fri"][2] / runs["sun"][2] == pytest.approx(80 / 168)


@pytest.mark.parametrize("fidelity", ["message", "flow"])
def test_halving_the_parts_made_halves_the_rekeying_benefit(registry: Registry,
                                                            fidelity: str) -> None:
    quick = shop(registry, AROUND_THE_CLOCK, fidelity, cycle_time=minutes(3))
    slow = shop(registry, AROUND_THE_CLOCK, fidelity, cycle_time=minutes(6))
    assert simulate(slow, assemble(slow, 0, registry), 1).parts == [1680]
    assert rekeying(registry, slow) == pytest.approx(rekeying(registry, quick) / 2)


def minute_by_minute(calendar: Calendar, weeks: int) -> list[bool]:
    """Whether each minute of ``weeks`` weeks from Monday 00:00 is working time, marked from
    the calendar's text (a shift past Sunday midnight wraps into the first Monday)."""
    grid = [False] * (weeks * 7 * 1440)
    for day in calendar.days:
        offset = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].index(day) * 1440
        for shift in calendar.shifts:
            (h0, m0), (h1, m1) = (map(int, end.split(":")) for end in shift.split("-"))
            start, end = offset + 60 * h0 + m0, offset + 60 * h1 + m1
            end += 1440 if end <= start else 0
            for week in range(weeks):
                for minute in range(start, end):
                    grid[(week * 7 * 1440 + minute) % len(grid)] = True
    return grid


@pytest.mark.parametrize("calendar", [
    TWO_SHIFTS, Calendar(days=["sun", "mon"], shifts=["22:00-06:00"]),
    Calendar(days=["mon", "wed", "sat"], shifts=["00:00-04:30", "08:00-12:00", "20:00-24:00"]),
])
def test_a_stretch_of_working_time_takes_as_long_on_the_clock_as_counting_minutes_says(
        calendar: Calendar) -> None:
    """Against a count minute by minute: the working time between two instants, the instant
    a stretch of working time ends, and the wait for the next shift."""
    working = WorkingTime(calendar)
    grid = minute_by_minute(calendar, 6)
    worked = [0, *itertools.accumulate(grid)]
    assert working.share == pytest.approx(sum(grid) / len(grid))
    for start in range(0, 2 * 7 * 1440, 97):
        assert working.working(60.0 * start) == grid[start]
        for work in (1, 59, 480, 1441, 2000):
            end = bisect.bisect_left(worked, worked[start] + work)
            assert working.span(60.0 * start, 60.0 * work) == pytest.approx(60.0 * (end - start))
            assert working.worked_between(60.0 * start, 60.0 * end) == pytest.approx(60.0 * work)
        assert working.until_working(60.0 * start) == pytest.approx(60.0 * grid[start:].index(True))


def test_a_machine_wears_only_while_it_works() -> None:
    """The same draws of up time, counted on operating time: each breakdown comes after
    exactly the up time it would have had around the clock, counted in working hours only,
    and always while the machine is working."""
    faults = Faults(mtbf=100 * 3600.0, mttr=4 * 3600.0)
    working = WorkingTime(TWO_SHIFTS)
    around = itertools.islice(timeline(faults, 3, "breakdown", "cell"), 200)
    shifts = itertools.islice(timeline(faults, 3, "breakdown", "cell", operating=working), 200)
    repaired = repaired_around = failed = failed_around = 0.0
    for (t_around, up), (t_shifts, same) in zip(around, shifts, strict=True):
        assert up == same
        if not up:
            assert working.working(t_shifts - 1e-6)
            assert working.worked_between(repaired, t_shifts) == \
                pytest.approx(t_around - repaired_around)
        else:
            # repairs take the same clock time either way
            assert t_shifts - failed == pytest.approx(t_around - failed_around)
            repaired, repaired_around = t_shifts, t_around
        failed, failed_around = t_shifts, t_around


def test_both_fidelities_see_the_same_breakdowns_on_the_calendar(registry: Registry) -> None:
    """Breakdowns every 20 operating hours on average: both engines break the machine down
    exactly when its draws, counted on operating time, say, which over four weeks of 80-hour
    weeks is fewer times than the same draws around the clock."""
    faults = Faults(mtbf=20 * 3600.0, mttr=3600.0)
    scenario = shop(registry, TWO_SHIFTS, breakdowns=faults)
    assembly = assemble(scenario, 0, registry)
    horizon = 28 * 86_400.0
    calendar = WorkingTime(TWO_SHIFTS)
    args = (assembly.machines, assembly.network, assembly.wiring, 5)
    message = FactoryModel(*args, calendar=calendar).run(horizon)
    flow = FlowModel(*args, calendar=calendar).run(horizon)

    def failures(operating: WorkingTime | None) -> int:
        changes = timeline(faults, 5, "breakdown", "cell", operating=operating)
        return sum(not up for _, up in itertools.takewhile(lambda c: c[0] < horizon, changes))

    assert message.breakdowns == flow.breakdowns == [failures(calendar)]
    assert failures(calendar) < failures(None)
    assert flow.downtime["cell"] == pytest.approx(message.downtime["cell"])
    # parts agree to the part under way at each breakdown and shift end
    assert flow.parts[0] == pytest.approx(message.parts[0], rel=0.02)


@pytest.mark.parametrize("fidelity", ["message", "flow"])
def test_a_production_stop_costs_parts_only_in_working_hours(registry: Registry,
                                                             fidelity: str) -> None:
    """The vendor's cloud MES stops the line 15 minutes into a broadband outage: four hours
    on a Saturday cost nothing on a weekday calendar; on Monday afternoon they cost 3 h 45 min
    of parts, less the part under way."""
    scenario = shop(registry, TWO_SHIFTS, fidelity)
    assembly = assemble(scenario, 1, registry)
    lost = {}
    for day, start in (("saturday", 5 * 86_400.0 + 12 * 3600.0), ("monday", 14 * 3600.0)):
        args = (assembly.machines, assembly.network, assembly.wiring, 1)
        calendar = WorkingTime(TWO_SHIFTS)
        model = FactoryModel(*args, calendar=calendar) if fidelity == "message" \
            else FlowModel(*args, calendar=calendar)
        model.schedule_outage(["broadband"], start, 4 * 3600.0)
        record = model.run(7 * 86_400.0)
        lost[day] = record.blocked_time[0] / record.mean_cycle[0]
    assert lost["saturday"] == 0
    assert lost["monday"] == pytest.approx((3.75 * 3600 - 90) / 180, abs=1)


@pytest.mark.parametrize(("calendar", "field", "says"), [
    ({"shifts": ["6-14"]}, "shop.calendar.shifts[0]", "HH:MM-HH:MM"),
    ({"shifts": ["06:00-14:00", "13:00-22:00"]}, "shop.calendar", "overlap"),
    ({"days": ["monday"]}, "shop.calendar.days[0]", "'mon'"),
    ({"days": ["mon", "mon"]}, "shop.calendar", "once"),
    ({"shifts": ["24:00-06:00"]}, "shop.calendar.shifts[0]", "23:59"),
])
def test_a_bad_calendar_is_refused_naming_the_field_and_what_is_allowed(
        registry: Registry, tmp_path: Path, calendar: dict[str, object], field: str,
        says: str) -> None:
    text = SHIFTS.read_text().replace("  backbone: lan\n",
                                      f"  backbone: lan\n  calendar: {calendar}\n")
    path = tmp_path / "shop.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as refused:
        load_scenario(path, registry)
    message = str(refused.value)
    assert field in message and says in message
