"""Honest summary statistics over replications: one number per independent run, a Student-t
interval around their mean.  One replication gives no interval at all.

Only the standard library is used, so the Student-t quantile is computed here as well.  The
streaming latency sketch each run records into is the engine's: :mod:`testbed.sim.sketch`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from math import exp, lgamma, log, log1p
from statistics import NormalDist

__all__ = [
    "Interval",
    "confidence_interval",
    "paired_difference_interval",
    "t_quantile",
]


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
