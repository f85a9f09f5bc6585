"""Closed forms the flow-level engine uses where queueing and renewal theory are exact."""

from __future__ import annotations

import math

from testbed.params import (
    Constant,
    DistributionSpec,
    Exponential,
    LogNormal,
    ShiftedExponential,
    Uniform,
)

EULER_GAMMA = 0.5772156649015329


def mean_residual(spec: DistributionSpec) -> float:
    """Mean time from a random moment to the end of the cycle under way, E[X^2] / (2 E[X]):
    how long a machine runs on into a production stop before it notices the stop."""
    mean = spec.mean
    if isinstance(spec, Constant):
        second = mean * mean
    elif isinstance(spec, Exponential):
        second = 2 * mean * mean
    elif isinstance(spec, ShiftedExponential):
        tail = spec.mean - spec.min
        second = mean * mean + tail * tail
    elif isinstance(spec, LogNormal):
        second = mean * mean * (1 + spec.cv * spec.cv)
    elif isinstance(spec, Uniform):
        second = (spec.low ** 2 + spec.low * spec.high + spec.high ** 2) / 3
    else:
        raise TypeError(f"unknown distribution {spec!r}")
    return second / (2 * mean) if mean > 0 else 0.0


def expected_longest_exponential_gap(rate: float, span: float) -> float:
    """Expected longest of the gaps that Poisson events of ``rate`` cut ``span`` into, the
    stretches before the first and after the last included.

    Given n events, the n + 1 gaps are the spacings of n uniform points, whose longest has
    mean span * H(n + 1) / (n + 1) (H the harmonic number); n is taken at its mean rate * span,
    which for many events gives the familiar (ln n + Euler's gamma) / rate.
    """
    k = rate * span + 1.0
    harmonic = math.log(k) + EULER_GAMMA + 1 / (2 * k) - 1 / (12 * k * k)
    return span * min(1.0, harmonic / k)
