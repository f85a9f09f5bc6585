"""Streaming latency quantiles: one run's stream of latencies (millions of values) summarised in
bounded memory with a guaranteed relative error, mergeable across runs.

The engine records every delivery into a sketch, so it lives with the engine; statistics over
replications are in :mod:`testbed.metrics.stats`.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from math import ceil, exp, log
from typing import Any

__all__ = ["DEFAULT_ACCURACY", "QuantileSketch"]

# Below a nanosecond a latency is simulator noise; lumping such values together as zero keeps
# the logarithmic buckets from stretching down towards 5e-324.
_ZERO_CUTOFF = 1e-9


# Relative accuracy of the latency sketches: a reported quantile is within this share of the
# exact sample quantile, so intervals of quantiles are widened by it (docs/metrics.md).
DEFAULT_ACCURACY = 0.005


class QuantileSketch:
    """Mergeable streaming quantiles of non-negative values with bounded relative error.

    This is the DDSketch of Masson, Rim and Lee (VLDB 2019).  A value x > 1e-9 is counted in
    bucket ``i = ceil(log(x) / log(gamma))`` with ``gamma = (1 + a) / (1 - a)``, so that every
    value in bucket i lies in ``(gamma**(i-1), gamma**i]`` and the estimate
    ``2 * gamma**i / (gamma + 1)`` is within relative error ``a`` of each of them.  Values in
    ``[0, 1e-9]`` go to a separate zero bucket and are reported as 0.  Count, sum, minimum and
    maximum are kept exactly; the sum is an ordinary float sum, so the mean carries a relative
    rounding error of at most about count * 1e-16.

    ``quantile(q)`` estimates the sample value of 0-based rank ``floor(q * (count - 1))`` in
    sorted order (the lower-rank convention), clamped to the exact ``[min, max]``.

    Memory is bounded by ``max_buckets``.  With the default a = 0.005 each bucket spans a factor
    of about 1.01, so 4096 buckets cover a ratio of about 6e17 between the largest and smallest
    value: a microsecond to 20,000 years without loss.  Past the cap, the lowest buckets are
    collapsed into one, as DDSketch does; every later value below it is counted there too.
    Quantiles that fall in the collapsed bucket are then over-estimated, while upper quantiles
    (the tail latencies a report cares about) keep the guarantee.
    """

    __slots__ = (
        "_bins",
        "_floor",
        "_inv_log_gamma",
        "_log_gamma",
        "_log_scale",
        "_max",
        "_max_buckets",
        "_min",
        "_relative_accuracy",
        "_sum",
        "_zero_count",
    )

    def __init__(self, relative_accuracy: float = DEFAULT_ACCURACY,
                 max_buckets: int = 4096) -> None:
        if not 0.0 < relative_accuracy < 1.0:
            raise ValueError(f"relative_accuracy must be in (0, 1), got {relative_accuracy!r}")
        if max_buckets < 1:
            raise ValueError(f"max_buckets must be at least 1, got {max_buckets!r}")
        gamma = (1.0 + relative_accuracy) / (1.0 - relative_accuracy)
        self._relative_accuracy = relative_accuracy
        self._max_buckets = max_buckets
        self._log_gamma = log(gamma)
        self._inv_log_gamma = 1.0 / self._log_gamma
        self._log_scale = log(2.0 / (gamma + 1.0))
        self._bins: dict[int, int] = {}
        self._zero_count = 0
        # Lowest bucket still kept apart; None until the bucket cap has first been exceeded.
        self._floor: int | None = None
        self._sum = 0.0
        self._min = math.inf
        self._max = -math.inf

    def add(self, x: float) -> None:
        """Count one value.  Raises ValueError for negative, NaN or infinite values."""
        # The hot path: one call per simulated message.  The bucket arithmetic is inlined rather
        # than shared with add_many, and a missing bucket is handled by the (rare) KeyError so
        # that the common case is a single dict increment.
        if x > _ZERO_CUTOFF:
            try:
                i = ceil(log(x) * self._inv_log_gamma)
            except OverflowError:
                raise ValueError(f"cannot add {x!r}: only finite values") from None
            try:
                self._bins[i] += 1
            except KeyError:
                self._new_bucket(i, 1)
        elif x >= 0.0:
            self._zero_count += 1
        else:
            raise ValueError(f"cannot add {x!r}: only non-negative values")
        self._sum += x
        if x < self._min:
            self._min = x
        if x > self._max:
            self._max = x

    def add_many(self, x: float, n: int) -> None:
        """Count the value ``x`` ``n`` times (n >= 0)."""
        if n < 0:
            raise ValueError(f"n must be non-negative, got {n!r}")
        i = self._index(x)  # rejects a bad x even when n == 0
        if n == 0:
            return
        if i is None:
            self._zero_count += n
        elif i in self._bins:
            self._bins[i] += n
        else:
            self._new_bucket(i, n)
        self._sum += x * n
        self._min = min(self._min, x)
        self._max = max(self._max, x)

    def add_uniform(self, low: float, high: float, n: float, pieces: int = 64) -> int:
        """Count about ``n`` values spread evenly over ``[low, high]``; return how many whole
        values were counted (``n`` may be fractional: an expected count).

        The range is cut into at most ``pieces`` equal parts, each counted at its midpoint, so a
        quantile is placed within ``(high - low) / (2 * pieces)`` of the exact one; the counts
        are rounded cumulatively, so the total is within one half of ``n``; the minimum and
        maximum are ``low`` and ``high`` exactly. The flow-level engine
        uses this for messages that waited out an outage in a buffer (docs/metrics.md).
        """
        if not n >= 0 or not 0 <= low <= high < math.inf:
            raise ValueError(f"need n >= 0 and 0 <= low <= high < inf, got n={n!r}, "
                             f"[{low!r}, {high!r}]")
        parts = max(1, min(pieces, ceil(n)))
        step = (high - low) / parts
        counted = 0
        # add_many inlined, with what the loop reads in locals: the flow engine calls this for
        # every buffered slab it delivers
        bins, inv_log_gamma, total = self._bins, self._inv_log_gamma, self._sum
        for k in range(1, parts + 1):
            whole = round(n * k / parts) - counted
            if whole > 0:
                x = low + (k - 0.5) * step
                if x > _ZERO_CUTOFF:
                    i = ceil(log(x) * inv_log_gamma)
                    if i in bins:
                        bins[i] += whole
                    else:
                        self._new_bucket(i, whole)
                else:
                    self._zero_count += whole
                total += x * whole
                counted += whole
        self._sum = total
        if counted:  # the spread's ends are its exact minimum and maximum
            self._min = min(self._min, low)
            self._max = max(self._max, high)
        return counted

    def add_scaled(self, other: QuantileSketch, factor: float) -> int:
        """Add ``other`` as if each of its values had been seen ``factor`` times, rounded
        cumulatively over its buckets; return the whole number of values added. A short
        message-level window's latencies standing for a long flow-level run's deliveries."""
        if other._relative_accuracy != self._relative_accuracy:
            raise ValueError("cannot add a sketch of a different relative accuracy")
        if not factor >= 0:
            raise ValueError(f"factor must be non-negative, got {factor!r}")
        exact = 0.0
        counted = 0
        for i, c in [(None, other._zero_count), *sorted(other._bins.items())]:
            exact += c * factor
            whole = round(exact) - counted
            if whole <= 0:
                continue
            counted += whole
            if i is None:
                self._zero_count += whole
            elif i in self._bins:
                self._bins[i] += whole
            else:
                self._new_bucket(i, whole)
        if counted:
            self._sum += other._sum * counted / other.count
            self._min = min(self._min, other._min)
            self._max = max(self._max, other._max)
        return counted

    def merge(self, other: QuantileSketch) -> None:
        """Add every value counted by ``other`` to this sketch (which keeps its bucket cap)."""
        if other._relative_accuracy != self._relative_accuracy:
            raise ValueError(
                "cannot merge sketches of different relative accuracy: "
                f"{self._relative_accuracy!r} and {other._relative_accuracy!r}"
            )
        bins = self._bins
        for i, c in other._bins.items():
            bins[i] = bins.get(i, 0) + c
        self._zero_count += other._zero_count
        self._sum += other._sum
        self._min = min(self._min, other._min)
        self._max = max(self._max, other._max)
        floors = [f for f in (self._floor, other._floor) if f is not None]
        if floors:
            # What one side already lumped together cannot be split again, so lump the other
            # side's low values the same way.
            self._fold_below(max(floors))
        if len(bins) > self._max_buckets:
            self._collapse()

    def quantile(self, q: float) -> float:
        """Estimate the value of rank ``floor(q * (count - 1))``; exact min and max at 0 and 1."""
        if not 0.0 <= q <= 1.0:
            raise ValueError(f"q must be in [0, 1], got {q!r}")
        n = self.count
        if n == 0:
            raise ValueError("quantile of an empty sketch is undefined")
        if q == 0.0:
            return self._min
        if q == 1.0:
            return self._max
        rank = int(q * (n - 1))
        if rank < self._zero_count:
            return max(0.0, self._min)
        bins = self._bins
        seen = self._zero_count
        for i in sorted(bins):
            seen += bins[i]
            if seen > rank:
                break
        # Capping the exponent at log(max) keeps exp() from overflowing for values near the
        # float limit; the clamp below would discard anything larger anyway.
        estimate = exp(min(i * self._log_gamma + self._log_scale, log(self._max)))
        return min(max(estimate, self._min), self._max)

    @property
    def relative_accuracy(self) -> float:
        return self._relative_accuracy

    @property
    def count(self) -> int:
        # Summed on demand rather than incremented in add(), which is called far more often.
        return self._zero_count + sum(self._bins.values())

    @property
    def mean(self) -> float:
        return self._sum / self._nonempty_count()

    @property
    def min(self) -> float:
        self._nonempty_count()
        return self._min

    @property
    def max(self) -> float:
        self._nonempty_count()
        return self._max

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready snapshot; floats survive ``json`` round trips exactly."""
        empty = self.count == 0
        return {
            "relative_accuracy": self._relative_accuracy,
            "max_buckets": self._max_buckets,
            "sum": self._sum,
            "min": None if empty else self._min,
            "max": None if empty else self._max,
            "zero_count": self._zero_count,
            "collapsed_below": self._floor,
            "buckets": [[i, self._bins[i]] for i in sorted(self._bins)],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuantileSketch:
        """Rebuild a sketch from :meth:`to_dict` output."""
        sketch = cls(float(data["relative_accuracy"]), int(data["max_buckets"]))
        sketch._bins = {int(i): int(c) for i, c in data["buckets"]}
        sketch._zero_count = int(data["zero_count"])
        floor = data["collapsed_below"]
        sketch._floor = None if floor is None else int(floor)
        sketch._sum = float(data["sum"])
        if data["min"] is not None:
            sketch._min = float(data["min"])
            sketch._max = float(data["max"])
        return sketch

    def _index(self, x: float) -> int | None:
        """Bucket of ``x``, None for the zero bucket."""
        if x > _ZERO_CUTOFF:
            if x == math.inf:
                raise ValueError(f"cannot add {x!r}: only finite values")
            return ceil(log(x) * self._inv_log_gamma)
        if x >= 0.0:
            return None
        raise ValueError(f"cannot add {x!r}: only non-negative values")

    def _new_bucket(self, i: int, n: int) -> None:
        floor = self._floor
        if floor is not None and i < floor:
            # Once set, the floor bucket always exists: it holds what was collapsed into it.
            self._bins[floor] += n
            return
        self._bins[i] = n
        if len(self._bins) > self._max_buckets:
            self._collapse()

    def _collapse(self) -> None:
        excess = len(self._bins) - self._max_buckets
        # The lowest surviving bucket absorbs the `excess` buckets below it.
        self._fold_below(heapq.nsmallest(excess + 1, self._bins)[-1])

    def _fold_below(self, floor: int) -> None:
        bins = self._bins
        low = [i for i in bins if i < floor]
        if low:
            bins[floor] = bins.get(floor, 0) + sum(bins.pop(i) for i in low)
        self._floor = floor

    def _nonempty_count(self) -> int:
        n = self.count
        if n == 0:
            raise ValueError("statistics of an empty sketch are undefined")
        return n
