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


def mmck_blocking(arrival_rate: float, service_mean: float, servers: int,
                  queue_capacity: int) -> float:
    """Share of arrivals turned away by an M/M/c/K queue with K = servers + queue_capacity.

    Exact for Poisson arrivals and exponential service; for other service times the flow
    engine uses it as an approximation (docs/architecture.md). Computed in logarithms, so a
    waiting room of millions neither overflows nor takes long: past the point where the
    terms have fallen below 1e-300 of the largest, the rest cannot change the answer.
    """
    if arrival_rate <= 0 or service_mean <= 0:
        return 0.0
    a = arrival_rate * service_mean  # offered load in Erlangs
    log_a = math.log(a)
    log_rho = log_a - math.log(servers)
    logs = [0.0]
    for n in range(1, servers + 1):
        logs.append(logs[-1] + log_a - math.log(n))
    top = logs[-1]
    if log_rho < 0:
        # Geometric tail beyond the servers: sum it in closed form.
        ratio = math.exp(log_rho)
        tail = ratio * (1 - ratio ** queue_capacity) / (1 - ratio)
        last = top + queue_capacity * log_rho
        total = math.fsum(math.exp(x - top) for x in logs) + tail
        return math.exp(last - top) / total
    if log_rho == 0:
        total = math.fsum(math.exp(x - top) for x in logs) + queue_capacity
        return 1.0 / total
    # Overloaded: the last state dominates; sum downwards from it.
    ratio = math.exp(-log_rho)
    tail = (1 - ratio ** queue_capacity) / (1 - ratio)  # states servers+1 .. servers+K
    last = top + queue_capacity * log_rho
    total = math.fsum(math.exp(x - last) for x in logs) + tail
    return 1.0 / total


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
