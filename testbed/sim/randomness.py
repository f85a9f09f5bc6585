"""Samplers for the engine's distributions and faults, each bound to a seeded stream
(:mod:`testbed.seeds`) once at elaboration and called per message."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from testbed.params import (
    Constant,
    DistributionSpec,
    Exponential,
    Faults,
    LogNormal,
    ShiftedExponential,
    Uniform,
)

Sampler = Callable[[], float]


def sampler(spec: DistributionSpec, rng: random.Random) -> Sampler:
    """A zero-argument function drawing from ``spec``; bound once, called per message."""
    if isinstance(spec, Constant):
        value = spec.value
        return lambda: value
    if isinstance(spec, Exponential):
        rate = 1.0 / spec.mean
        return lambda: rng.expovariate(rate)
    if isinstance(spec, ShiftedExponential):
        floor, tail = spec.min, spec.mean - spec.min
        if tail <= 0:
            return lambda: floor
        tail_rate = 1.0 / tail
        return lambda: floor + rng.expovariate(tail_rate)
    if isinstance(spec, LogNormal):
        mu, sigma = lognormal_parameters(spec.mean, spec.cv)
        return lambda: rng.lognormvariate(mu, sigma)
    if isinstance(spec, Uniform):
        low, high = spec.low, spec.high
        return lambda: rng.uniform(low, high)
    raise TypeError(f"unknown distribution {spec!r}")


def lognormal_parameters(mean: float, cv: float) -> tuple[float, float]:
    """mu and sigma of the underlying normal for a lognormal of this mean and cv."""
    sigma2 = math.log(1.0 + cv * cv)
    return math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)


def fault_samplers(faults: Faults, rng: random.Random) -> tuple[Sampler, Sampler]:
    """Up-time and down-time samplers of an alternating renewal process."""
    up_rate = 1.0 / faults.mtbf
    mttr = faults.mttr

    def up() -> float:
        return rng.expovariate(up_rate)

    down: Sampler
    if faults.repair == "exponential":
        down_rate = 1.0 / mttr

        def down() -> float:
            return rng.expovariate(down_rate)
    elif faults.repair == "constant":
        def down() -> float:
            return mttr
    else:
        mu, sigma = lognormal_parameters(mttr, faults.repair_cv)

        def down() -> float:
            return rng.lognormvariate(mu, sigma)
    return up, down
