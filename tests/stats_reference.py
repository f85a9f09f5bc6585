"""Interval helpers only the tests use, moved out of testbed.metrics.stats (which ships)."""

from __future__ import annotations

from testbed.metrics.stats import Interval


def half_width(interval: Interval) -> float:
    """Half the width of a defined interval."""
    assert interval.lo is not None and interval.hi is not None, interval
    return (interval.hi - interval.lo) / 2.0


def distinguishable(a: Interval, b: Interval) -> bool:
    """True when both intervals are defined and disjoint.

    Disjoint 95 % intervals imply a difference at a stricter level than 5 %, while overlapping
    ones do not prove equality; prefer a paired interval when runs are paired.
    """
    if None in (a.lo, a.hi, b.lo, b.hi):
        return False
    assert a.lo is not None and a.hi is not None and b.lo is not None and b.hi is not None
    return a.hi < b.lo or b.hi < a.lo
