"""Seeded random streams and samplers.

Every stochastic element draws from its own stream, derived by hashing the replication's seed
with the element's name. Streams never come from global state, so a run is reproducible from
(scenario, seed) on any executor, and the same machine breaks down at the same moments under
every architecture (common random numbers, which sharpen comparisons).
"""

from __future__ import annotations

import hashlib
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


def derive_seed(seed: int, *names: object) -> int:
    """A 63-bit seed derived from ``seed`` and names: valid as a scenario's own seed too."""
    text = ":".join([str(seed), *map(str, names)]).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big") >> 1


def stream(seed: int, *names: object) -> random.Random:
    return random.Random(derive_seed(seed, *names))


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
