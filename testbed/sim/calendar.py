"""The shop's working week on the simulation's clock, for both engines.

Time 0 is a Monday at 00:00. Machines make parts only in working time, and a breakdown's up
time (its MTBF) is operating time: a part in progress at the end of a shift resumes at the
start of the next, and a machine standing idle over the weekend does not wear. Repairs, links,
software and data run on the ordinary clock. Around the clock (the default) every method is
the identity, so a shop without a calendar runs exactly as before.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from testbed.params import WEEK_S, Calendar


class WorkingTime:
    def __init__(self, calendar: Calendar | None = None) -> None:
        spans = (calendar or Calendar()).working_spans()
        self.always = spans == [(0.0, WEEK_S)]
        self.starts = [s for s, _ in spans]
        self.ends = [e for _, e in spans]
        # working time in the week before each span starts
        self.before: list[float] = []
        total = 0.0
        for start, end in spans:
            self.before.append(total)
            total += end - start
        self.per_week = total

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WorkingTime) and (self.starts, self.ends) == (other.starts,
                                                                                other.ends)

    def __hash__(self) -> int:
        return hash((tuple(self.starts), tuple(self.ends)))

    @property
    def share(self) -> float:
        """The share of the week that is working time."""
        return self.per_week / WEEK_S

    def share_of(self, horizon: float) -> float:
        """The share of a run from 0 to ``horizon`` that is working time."""
        return self.worked(horizon) / horizon if horizon > 0 else 1.0

    def worked(self, t: float) -> float:
        """Working time from 0 to ``t``."""
        if self.always:
            return t
        weeks, into = divmod(t, WEEK_S)
        i = bisect.bisect_right(self.starts, into) - 1
        done = self.before[i] + min(into, self.ends[i]) - self.starts[i] if i >= 0 else 0.0
        return weeks * self.per_week + done

    def worked_between(self, t0: float, t1: float) -> float:
        """Working time in [t0, t1]."""
        return t1 - t0 if self.always else self.worked(t1) - self.worked(t0)

    def when_worked(self, work: float) -> float:
        """The first instant by which ``work`` of working time has passed since 0."""
        if self.always:
            return work
        weeks, rest = divmod(work, self.per_week)
        if rest == 0:
            # it completes at the end of the last span of the week before
            return weeks * WEEK_S - (WEEK_S - self.ends[-1]) if weeks else 0.0
        i = bisect.bisect_left(self.before, rest) - 1
        return weeks * WEEK_S + self.starts[i] + rest - self.before[i]

    def span(self, t: float, work: float) -> float:
        """How long on the clock, from ``t``, until ``work`` of working time has passed: a part
        of that cycle time, or a breakdown after that much operating time."""
        if self.always:
            return work
        if work <= 0:
            return 0.0
        return self.when_worked(self.worked(t) + work) - t

    def until_working(self, t: float) -> float:
        """How long from ``t`` until working time: 0 in working time, else until the next
        shift starts."""
        if self.working(t):
            return 0.0
        weeks, into = divmod(t, WEEK_S)
        i = bisect.bisect_right(self.starts, into)
        start = weeks * WEEK_S + self.starts[i] if i < len(self.starts) \
            else (weeks + 1) * WEEK_S + self.starts[0]
        return start - t

    def changes(self, after: float = 0.0) -> Iterator[tuple[float, bool]]:
        """The starts and ends of working time after ``after``, as (time, working from then
        on), for ever. Nothing around the clock."""
        if self.always:
            return
        week = after // WEEK_S * WEEK_S
        while True:
            for start, end in zip(self.starts, self.ends, strict=True):
                for t, working in ((week + start, True), (week + end, False)):
                    # spans touching across Sunday midnight are one: no change there
                    if t > after and not (t % WEEK_S == 0 and self._wraps()):
                        yield t, working
            week += WEEK_S

    def working(self, t: float) -> bool:
        """Whether ``t`` is in working time (a span includes its start, not its end)."""
        if self.always:
            return True
        into = t % WEEK_S
        i = bisect.bisect_right(self.starts, into) - 1
        return i >= 0 and into < self.ends[i]

    def _wraps(self) -> bool:
        return self.starts[0] == 0.0 and self.ends[-1] == WEEK_S
