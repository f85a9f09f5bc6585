"""Honest summary statistics: streaming latency quantiles and replication confidence intervals.

Two tools live here, for the two kinds of numbers a testbed figure reports.

* :class:`QuantileSketch` summarises one run's stream of latencies (millions of values) in
  bounded memory with a guaranteed relative error, and merges across runs.
* :func:`confidence_interval` and friends summarise *replications*: one number per independent
  run, a Student-t interval around their mean.  One replication gives no interval at all.

Only the standard library is used, so the Student-t quantile is computed here as well.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import ceil, exp, lgamma, log, log1p
from statistics import NormalDist
from typing import Any

__all__ = [
    "Interval",
    "QuantileSketch",
    "confidence_interval",
    "paired_difference_interval",
    "t_quantile",
]

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


# --- Student-t quantiles -------------------------------------------------------------------

_TINY = 1e-300  # keeps the Lentz recurrences away from division by zero
_CF_EPS = 1e-15
# Below _LARGE_DF the continued fraction converges within about 60 terms; the cap only turns a
# failure to converge into an error instead of a hang.
_CF_MAX_TERMS = 1_000
_NEWTON_MAX_STEPS = 200
_LARGE_DF = 1e6
_T_REL_TOL = 1e-13


def _away_from_zero(v: float) -> float:
    return v if abs(v) >= _TINY else _TINY


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (Numerical Recipes ``betacf``)."""
    qab = a + b
    qap = a + 1.0
    qam = a - 1.0
    c = 1.0
    d = 1.0 / _away_from_zero(1.0 - qab * x / qap)
    h = d
    for m in range(1, _CF_MAX_TERMS + 1):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 / _away_from_zero(1.0 + aa * d)
        c = _away_from_zero(1.0 + aa / c)
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 / _away_from_zero(1.0 + aa * d)
        c = _away_from_zero(1.0 + aa / c)
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _CF_EPS:
            return h
    raise ArithmeticError(f"incomplete beta continued fraction did not converge (a={a}, b={b})")


def _stirling_remainder(x: float) -> float:
    """lgamma(x) minus Stirling's formula, to double precision for x >= 100."""
    inv = 1.0 / x
    inv2 = inv * inv
    return inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 / 1260.0))


def _lgamma_half_step(a: float) -> float:
    """lgamma(a + 1/2) - lgamma(a).

    For large a the two lgamma values are huge and nearly equal, and their difference loses
    about log10(a log a) digits, which would end up in every t tail probability.  Writing both
    as Stirling's formula plus remainder leaves only small, well-conditioned terms.
    """
    if a < 100.0:
        return lgamma(a + 0.5) - lgamma(a)
    return (
        0.5 * log(a)
        + (a * log1p(0.5 / a) - 0.5)
        + (_stirling_remainder(a + 0.5) - _stirling_remainder(a))
    )


def _t_log_probs(t: float, df: float) -> tuple[float, float, float]:
    """For t > 0: log P(|T| > t), log P(|T| <= t) and log of the density at t.

    Both probabilities are regularized incomplete beta functions,
    ``P(|T| > t) = I_x(df/2, 1/2)`` and ``P(|T| <= t) = I_y(1/2, df/2)`` with
    ``x = df / (df + t^2)`` and ``y = 1 - x``.  Whichever is computed by the continued fraction
    is accurate relative to its own size, even when tiny; the other is 1 minus it.
    """
    r = t / math.sqrt(df)
    # log x and log y (and x, y themselves) are formed without cancellation or overflow of t^2.
    if r > 1.0:
        inv_r2 = 1.0 / (r * r)
        log_y = -log1p(inv_r2)
        log_x = -2.0 * log(r) + log_y
        x, y = inv_r2 / (1.0 + inv_r2), 1.0 / (1.0 + inv_r2)
    else:
        r2 = r * r
        log_x = -log1p(r2)
        log_y = 2.0 * log(r) + log_x
        x, y = 1.0 / (1.0 + r2), r2 / (1.0 + r2)
    a, b = 0.5 * df, 0.5
    log_norm = _lgamma_half_step(a) - lgamma(b)
    log_front = log_norm + a * log_x + b * log_y
    if x < (a + 1.0) / (a + b + 2.0):
        log_tail = log_front + log(_betacf(a, b, x) / a)
        log_center = log1p(-exp(log_tail))
    else:
        log_center = log_front + log(_betacf(b, a, y) / b)
        log_tail = log1p(-exp(log_center))
    # The t density is (x^((df+1)/2)) / (sqrt(df) * B(df/2, 1/2)).
    log_pdf = log_norm - 0.5 * log(df) + (a + b) * log_x
    return log_tail, log_center, log_pdf


def _t_quantile_large_df(p: float, df: float) -> float:
    # x = df / (df + t^2) carries 1 - x only to about df * 1e-16 relative, so for large df the
    # incomplete beta route loses digits.  The expansion about the normal quantile (Abramowitz
    # and Stegun 26.7.5) takes over: its first omitted term is below 3e-11 relative even at the
    # extreme |z| = 38 of doubles, and far smaller for ordinary p.
    z = NormalDist().inv_cdf(p)
    z2 = z * z
    return z * (1.0 + (z2 + 1.0) / (4.0 * df) + ((5.0 * z2 + 16.0) * z2 + 3.0) / (96.0 * df * df))


def t_quantile(p: float, df: float) -> float:
    """Inverse CDF of Student's t with ``df`` >= 1 degrees of freedom (need not be whole).

    Relative error is below 1e-10 for every p in (0, 1) and df >= 1 (checked against 60-digit
    mpmath); ``df = inf`` gives the normal quantile.  The CDF is the regularized incomplete
    beta function, inverted by Newton's method on the log of whichever of the two-sided tail and
    the central probability is smaller, so that neither extreme tails nor p close to 1/2 lose
    precision to cancellation; bisection keeps Newton inside a bracket.
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p!r}")
    if not df >= 1.0:
        raise ValueError(f"df must be at least 1, got {df!r}")
    if df >= _LARGE_DF:
        return _t_quantile_large_df(p, df)
    if p == 0.5:
        return 0.0
    sign = 1.0 if p > 0.5 else -1.0
    # Both are exact in floating point in the ranges where they are used (Sterbenz).
    two_tail = 2.0 * min(p, 1.0 - p)
    use_tail = two_tail <= 0.5
    log_target = log(two_tail) if use_tail else log(abs(2.0 * p - 1.0))

    def newton_terms(t: float) -> tuple[float, float]:
        # g(t) increases through 0 at the root, with g' = 2 * pdf / prob; the second value
        # returned is the Newton correction g / g'.
        log_tail, log_center, log_pdf = _t_log_probs(t, df)
        if use_tail:
            g, log_prob = log_target - log_tail, log_tail
        else:
            g, log_prob = log_center - log_target, log_center
        return g, 0.5 * g * exp(log_prob - log_pdf)

    lo, hi = 0.0, 1.0
    g, correction = newton_terms(hi)
    while g < 0.0:
        lo, hi = hi, 2.0 * hi
        if math.isinf(hi):
            raise OverflowError(f"t quantile for p={p!r}, df={df!r} exceeds the float range")
        g, correction = newton_terms(hi)
    t = hi
    for _ in range(_NEWTON_MAX_STEPS):
        t_next = t - correction
        if not lo < t_next < hi:
            t_next = 0.5 * (lo + hi)
        if abs(t_next - t) <= _T_REL_TOL * t_next:
            return sign * t_next
        t = t_next
        g, correction = newton_terms(t)
        if g < 0.0:
            lo = t
        else:
            hi = t
    raise ArithmeticError(f"t quantile did not converge for p={p!r}, df={df!r}")


# --- Replication confidence intervals ------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """A confidence interval for a mean.  ``lo`` and ``hi`` are None when ``n`` < 2."""

    mean: float
    lo: float | None
    hi: float | None
    n: int

    def contains(self, x: float) -> bool:
        """Whether ``x`` is inside; raises ValueError for an undefined interval."""
        lo, hi = self._bounds()
        return lo <= x <= hi

    def _bounds(self) -> tuple[float, float]:
        # An undefined interval must not silently answer "yes" or "no".
        if self.lo is None or self.hi is None:
            raise ValueError(f"the interval from n={self.n} value(s) is undefined")
        return self.lo, self.hi


def _finite(values: Sequence[float], name: str) -> list[float]:
    xs = list(values)
    for i, x in enumerate(xs):
        if not math.isfinite(x):
            raise ValueError(f"{name}[{i}] is {x!r}; only finite values can be summarised")
    return xs


def _t_interval(xs: list[float], level: float) -> Interval:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    n = len(xs)
    if n == 0:
        raise ValueError("a confidence interval needs at least one value")
    if n == 1:
        return Interval(xs[0], None, None, 1)
    if min(xs) == max(xs):
        # Stated outright: fsum(xs) / n need not round back to the common value.
        return Interval(xs[0], xs[0], xs[0], n)
    mean = math.fsum(xs) / n
    # Two passes: summing squared deviations avoids the cancellation of sum(x^2) - n*mean^2.
    variance = math.fsum((x - mean) ** 2 for x in xs) / (n - 1)
    half = t_quantile((1.0 + level) / 2.0, n - 1) * math.sqrt(variance / n)
    return Interval(mean, mean - half, mean + half, n)


def confidence_interval(values: Sequence[float], level: float = 0.95) -> Interval:
    """Student-t interval for the mean of independent replications.

    One value yields an Interval with ``lo = hi = None``: a single replication says nothing
    about its own variability.  NaN or infinite values raise ValueError.
    """
    return _t_interval(_finite(values, "values"), level)


def paired_difference_interval(
    a: Sequence[float], b: Sequence[float], level: float = 0.95
) -> Interval:
    """Interval for the mean of ``a[i] - b[i]``, for runs paired by common random numbers.

    Pairing removes the variability the two configurations share, so this is usually far
    narrower than comparing two separate intervals.
    """
    xs, ys = _finite(a, "a"), _finite(b, "b")
    if len(xs) != len(ys):
        raise ValueError(f"paired samples differ in length: {len(xs)} and {len(ys)}")
    return _t_interval(_finite([x - y for x, y in zip(xs, ys, strict=True)], "a - b"), level)


def widened(interval: Interval, resolution: float) -> Interval:
    """The interval with each end moved out by ``resolution`` of itself: for figures that are
    themselves estimated to within a relative error."""
    if not resolution or interval.lo is None or interval.hi is None:
        return interval
    return Interval(interval.mean, interval.lo - abs(interval.lo) * resolution,
                    interval.hi + abs(interval.hi) * resolution, interval.n)
