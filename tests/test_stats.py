"""The statistics behind every testbed figure: latency sketches and replication intervals."""

import json
import math
import random
from collections.abc import Callable
from statistics import NormalDist

import pytest
from stats_reference import distinguishable, half_width

from testbed.metrics.stats import (
    Interval,
    confidence_interval,
    paired_difference_interval,
    t_quantile,
)
from testbed.sim.sketch import QuantileSketch

QUANTILES = (0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999)


def exact_quantile(sorted_values: list[float], q: float) -> float:
    """The sketch's documented convention: the value of 0-based rank floor(q * (n - 1))."""
    return sorted_values[int(q * (len(sorted_values) - 1))]


def relative_error(estimate: float, exact: float) -> float:
    return abs(estimate - exact) / exact if exact else abs(estimate)


def sketch_of(values: list[float], **kwargs: int) -> QuantileSketch:
    sketch = QuantileSketch(**kwargs)
    for x in values:
        sketch.add(x)
    return sketch


def log_uniform(rng: random.Random) -> float:
    return 10.0 ** rng.uniform(-6.0, 6.0)


DISTRIBUTIONS: dict[str, Callable[[random.Random], float]] = {
    "exponential": lambda rng: rng.expovariate(2.0),
    "lognormal with a wide spread": lambda rng: rng.lognormvariate(-3.0, 2.5),
    "uniform": lambda rng: rng.uniform(0.0, 1.0),
    "constant": lambda rng: 0.25,
    "log-uniform from 1e-6 to 1e6": log_uniform,
}


# --- Latency sketch ------------------------------------------------------------------------


def test_a_sketch_fed_a_million_exponential_latencies_reports_the_median_within_1_percent():
    rate = 4.0
    rng = random.Random(1)
    sketch = QuantileSketch()
    for _ in range(1_000_000):
        sketch.add(rng.expovariate(rate))

    # Sampling noise on the median is about 0.05 % here; the rest of the 1 % is the sketch's.
    assert relative_error(sketch.quantile(0.5), math.log(2) / rate) <= 0.01


@pytest.mark.parametrize("name", DISTRIBUTIONS)
def test_every_reported_quantile_is_within_1_percent_of_the_exact_sample_quantile(name):
    rng = random.Random(20240601)
    draw = DISTRIBUTIONS[name]
    values = [draw(rng) for _ in range(100_000)]

    sketch = sketch_of(values)
    values.sort()

    for q in QUANTILES:
        assert relative_error(sketch.quantile(q), exact_quantile(values, q)) <= 0.01, q


def test_no_rank_is_ever_off_by_more_than_the_configured_accuracy():
    rng = random.Random(7)
    values = sorted(log_uniform(rng) for _ in range(10_000))
    sketch = sketch_of(values)

    # Float rounding at bucket edges may add a few ulps to the 0.5 % bound, nothing more.
    bound = sketch.relative_accuracy * (1 + 1e-9)
    for k in range(1001):
        q = k / 1000
        assert relative_error(sketch.quantile(q), exact_quantile(values, q)) <= bound, q


def test_count_mean_min_and_max_are_exact_not_estimated():
    rng = random.Random(3)
    values = [rng.lognormvariate(0.0, 1.0) for _ in range(10_000)]
    sketch = sketch_of(values)

    assert sketch.count == len(values)
    assert sketch.mean == pytest.approx(math.fsum(values) / len(values), rel=1e-12)
    assert sketch.min == min(values) == sketch.quantile(0.0)
    assert sketch.max == max(values) == sketch.quantile(1.0)


def test_sub_nanosecond_latencies_are_counted_as_zero():
    sketch = sketch_of([0.0] * 60 + [1e-12] * 20 + [1.0] * 20)

    assert sketch.count == 100
    assert sketch.quantile(0.5) == 0.0
    assert sketch.quantile(0.9) == pytest.approx(1.0, rel=sketch.relative_accuracy)
    assert sketch.min == 0.0


def test_a_weighted_add_is_the_same_as_repeated_adds():
    weighted = QuantileSketch()
    weighted.add_many(0.003, 1000)
    weighted.add_many(2.5, 10)
    weighted.add_many(0.0, 5)
    weighted.add_many(7.0, 0)

    repeated = sketch_of([0.003] * 1000 + [2.5] * 10 + [0.0] * 5)

    assert weighted.to_dict()["buckets"] == repeated.to_dict()["buckets"]
    assert weighted.count == repeated.count == 1015
    assert weighted.max == 2.5
    assert weighted.mean == pytest.approx(repeated.mean, rel=1e-12)


def test_merging_two_runs_gives_the_quantiles_of_one_run_fed_both_streams():
    rng = random.Random(11)
    first = [rng.expovariate(10.0) for _ in range(50_000)]
    second = [rng.lognormvariate(-1.0, 2.0) for _ in range(30_000)]

    merged = sketch_of(first)
    merged.merge(sketch_of(second))
    together = sketch_of(first + second)

    assert merged.to_dict()["buckets"] == together.to_dict()["buckets"]
    assert merged.count == together.count
    assert (merged.min, merged.max) == (together.min, together.max)
    assert merged.mean == pytest.approx(together.mean, rel=1e-12)
    for k in range(101):
        assert merged.quantile(k / 100) == together.quantile(k / 100)


def test_sketches_of_different_accuracy_refuse_to_merge():
    with pytest.raises(ValueError, match="relative accuracy"):
        QuantileSketch(0.005).merge(QuantileSketch(0.01))


def test_a_stored_sketch_comes_back_from_json_exactly():
    rng = random.Random(5)
    sketch = sketch_of([rng.paretovariate(1.5) * 1e-4 for _ in range(20_000)] + [0.0] * 3)

    text = json.dumps(sketch.to_dict(), sort_keys=True)
    restored = QuantileSketch.from_dict(json.loads(text))

    assert restored.to_dict() == sketch.to_dict()
    assert restored.mean == sketch.mean
    for q in QUANTILES:
        assert restored.quantile(q) == sketch.quantile(q)


def test_an_empty_sketch_round_trips_through_json():
    data = json.loads(json.dumps(QuantileSketch().to_dict()))

    assert QuantileSketch.from_dict(data).count == 0


def test_the_bucket_cap_bounds_memory_and_keeps_the_tail_quantiles_accurate():
    rng = random.Random(13)
    values = [log_uniform(rng) for _ in range(100_000)]
    sketch = sketch_of(values, max_buckets=500)
    values.sort()

    # 500 buckets of 1 % span a factor of about 150, i.e. the top 18 % of this sample.
    assert len(sketch.to_dict()["buckets"]) <= 500
    assert sketch.count == len(values)
    for q in (0.9, 0.95, 0.99, 0.999):
        assert relative_error(sketch.quantile(q), exact_quantile(values, q)) <= 0.01, q
    # Below the collapsed floor the sketch over-estimates, never under-estimates.
    assert sketch.quantile(0.01) >= exact_quantile(values, 0.01)


def test_a_steadily_growing_latency_keeps_collapsing_into_the_cap():
    values = [1e-6 * 1.02**k for k in range(3000)]
    sketch = sketch_of(values, max_buckets=100)

    assert len(sketch.to_dict()["buckets"]) <= 100
    assert sketch.count == 3000
    assert relative_error(sketch.quantile(0.99), exact_quantile(values, 0.99)) <= 0.01


def test_a_collapsed_sketch_keeps_collapsing_the_same_way_after_a_json_round_trip():
    rng = random.Random(17)
    early = [log_uniform(rng) for _ in range(5_000)]
    late = [log_uniform(rng) for _ in range(5_000)]

    original = sketch_of(early, max_buckets=200)
    restored = QuantileSketch.from_dict(json.loads(json.dumps(original.to_dict())))
    for x in late:
        original.add(x)
        restored.add(x)

    assert restored.to_dict()["buckets"] == original.to_dict()["buckets"]


def test_merging_collapsed_sketches_stays_within_the_cap():
    rng = random.Random(19)
    low = sketch_of([rng.uniform(1e-6, 1e-3) for _ in range(10_000)], max_buckets=300)
    high = sketch_of([rng.uniform(1e-3, 1e3) for _ in range(10_000)], max_buckets=300)

    low.merge(high)

    assert len(low.to_dict()["buckets"]) <= 300
    assert low.count == 20_000
    assert low.max == high.max


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_a_sketch_rejects_values_that_are_not_latencies(bad):
    sketch = QuantileSketch()
    with pytest.raises(ValueError):
        sketch.add(bad)
    with pytest.raises(ValueError):
        sketch.add_many(bad, 3)
    assert sketch.count == 0


def test_an_empty_sketch_has_no_quantiles_or_mean():
    sketch = QuantileSketch()
    with pytest.raises(ValueError, match="empty"):
        sketch.quantile(0.5)
    with pytest.raises(ValueError, match="empty"):
        _ = sketch.mean


@pytest.mark.parametrize("q", [-0.01, 1.01, math.nan])
def test_quantile_levels_outside_0_to_1_are_rejected(q):
    with pytest.raises(ValueError, match="q must be"):
        sketch_of([1.0]).quantile(q)


def test_a_negative_weight_is_rejected():
    with pytest.raises(ValueError, match="non-negative"):
        QuantileSketch().add_many(1.0, -1)


# --- Student-t quantiles -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "df", "expected"),
    [
        (0.975, 1, 12.7062047362),
        (0.975, 2, 4.3026527297),
        (0.975, 4, 2.7764451052),
        (0.975, 9, 2.2621571628),
        (0.975, 19, 2.0930240544),
        (0.975, 29, 2.0452296421),
        (0.975, 1000, 1.9623390808),
        (0.995, 9, 3.2498355416),
    ],
)
def test_t_quantile_matches_the_tables(p, df, expected):
    assert t_quantile(p, df) == pytest.approx(expected, rel=1e-10)
    assert t_quantile(1 - p, df) == pytest.approx(-expected, rel=1e-10)


def test_the_median_of_t_is_zero():
    assert t_quantile(0.5, 5) == 0.0


def cauchy_quantile(p: float) -> float:
    # Written so that neither tan's argument nor 1 - p loses digits at either end.
    if 0.25 <= p <= 0.75:
        return math.tan(math.pi * (p - 0.5))
    return -1 / math.tan(math.pi * p) if p < 0.5 else 1 / math.tan(math.pi * (1 - p))


EXTREME_PS = [1e-300, 1e-20, 1e-6, 0.01, 0.3, 0.4999999, 0.5 + 1e-12, 0.7, 0.99, 1 - 1e-12]


@pytest.mark.parametrize("p", EXTREME_PS)
def test_t_quantile_with_one_and_two_df_matches_the_closed_forms(p):
    two_df = (2 * p - 1) / math.sqrt(2 * p * (1 - p))

    assert t_quantile(p, 1) == pytest.approx(cauchy_quantile(p), rel=1e-8)
    assert t_quantile(p, 2) == pytest.approx(two_df, rel=1e-8)


def test_t_quantile_approaches_the_normal_quantile_for_huge_df():
    z = NormalDist().inv_cdf(0.975)

    assert t_quantile(0.975, math.inf) == z
    assert t_quantile(0.975, 1e12) == pytest.approx(z, rel=1e-11)
    # Abramowitz and Stegun 26.7.5, whose next term is below 1e-15 here.
    df = 1e5
    expansion = z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
    assert t_quantile(0.975, df) == pytest.approx(expansion, rel=1e-12)


def test_t_quantile_agrees_with_scipy_across_p_and_df():
    # scipy is in the test extra: a missing scipy fails here rather than skipping silently.
    from scipy import stats
    # scipy's own inverse loses digits for p within 1e-3 of 1/2, so the grid stays clear of it.
    ps = [1e-12, 1e-6, 0.001, 0.025, 0.1, 0.3, 0.45, 0.55, 0.8, 0.95, 0.999, 1 - 1e-9]
    for df in [1, 1.5, 3, 7.5, 30, 250, 10_000]:
        for p in ps:
            assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-8), (p, df)


@pytest.mark.parametrize(
    ("p", "df"), [(0.0, 5), (1.0, 5), (math.nan, 5), (0.9, 0.5), (0.9, math.nan)]
)
def test_t_quantile_rejects_arguments_outside_its_domain(p, df):
    with pytest.raises(ValueError):
        t_quantile(p, df)


# --- Replication confidence intervals ------------------------------------------------------


def test_five_replications_give_the_textbook_interval():
    interval = confidence_interval([1.0, 2.0, 3.0, 4.0, 5.0])

    half = 2.7764451052 * math.sqrt(2.5) / math.sqrt(5)
    assert interval.mean == 3.0
    assert interval.n == 5
    assert interval.lo == pytest.approx(3.0 - half, rel=1e-10)
    assert interval.hi == pytest.approx(3.0 + half, rel=1e-10)


def test_a_99_percent_interval_uses_the_99_percent_t_value():
    interval = confidence_interval(list(range(10)), level=0.99)

    # the sample variance of 0, 1, ..., n - 1 is n (n + 1) / 12, in closed form
    sd = math.sqrt(10 * 11 / 12)
    assert half_width(interval) == pytest.approx(3.2498355416 * sd / math.sqrt(10), rel=1e-10)


def test_one_replication_gives_no_interval_at_all():
    interval = confidence_interval([42.0])

    assert interval == Interval(mean=42.0, lo=None, hi=None, n=1)
    with pytest.raises(ValueError, match="undefined"):
        interval.contains(42.0)


def test_identical_replications_give_a_zero_width_interval_at_their_value():
    interval = confidence_interval([0.1] * 7)

    assert interval.mean == interval.lo == interval.hi == 0.1


def test_the_variance_survives_a_large_common_offset():
    rng = random.Random(23)
    noise = [rng.gauss(0.0, 1.0) for _ in range(50)]

    plain = confidence_interval(noise)
    offset = confidence_interval([1e9 + x for x in noise])

    assert half_width(offset) == pytest.approx(half_width(plain), rel=1e-6)


def test_a_95_percent_interval_covers_the_true_mean_about_95_percent_of_the_time():
    rng = random.Random(29)
    true_mean = 5.0
    trials = 2000
    covered = sum(
        confidence_interval([rng.gauss(true_mean, 2.0) for _ in range(10)]).contains(true_mean)
        for _ in range(trials)
    )

    assert 0.935 <= covered / trials <= 0.965


def test_an_interval_needs_at_least_one_value():
    with pytest.raises(ValueError, match="at least one"):
        confidence_interval([])


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_replication_is_named_in_the_error(bad):
    with pytest.raises(ValueError, match=r"values\[2\]"):
        confidence_interval([1.0, 2.0, bad, 4.0])


@pytest.mark.parametrize("level", [0.0, 1.0, 95.0])
def test_confidence_levels_outside_0_to_1_are_rejected(level):
    with pytest.raises(ValueError, match="level"):
        confidence_interval([1.0, 2.0], level=level)


def test_common_random_numbers_reveal_a_difference_that_separate_intervals_hide():
    rng = random.Random(31)
    # Each replication's shared randomness (the seed) swamps the 0.5 s the change saves.
    shared = [rng.gauss(100.0, 10.0) for _ in range(10)]
    baseline = [s + rng.gauss(0.0, 0.1) for s in shared]
    improved = [s - 0.5 + rng.gauss(0.0, 0.1) for s in shared]

    separate_a, separate_b = confidence_interval(baseline), confidence_interval(improved)
    paired = paired_difference_interval(baseline, improved)

    assert not distinguishable(separate_a, separate_b)
    # the same, read off the intervals themselves (distinguishable is a test helper)
    assert separate_a.lo is not None and separate_a.hi is not None
    assert separate_b.lo is not None and separate_b.hi is not None
    assert separate_a.lo <= separate_b.hi and separate_b.lo <= separate_a.hi
    assert not paired.contains(0.0)
    assert paired.contains(0.5)


def test_a_paired_interval_is_the_interval_of_the_differences():
    a = [3.0, 5.0, 4.0, 6.0]
    b = [1.0, 2.0, 2.0, 2.0]

    assert paired_difference_interval(a, b) == confidence_interval([2.0, 3.0, 2.0, 4.0])


def test_paired_samples_must_have_the_same_length():
    with pytest.raises(ValueError, match="length"):
        paired_difference_interval([1.0, 2.0], [1.0])


def test_a_non_finite_value_in_a_pair_is_named_by_its_side():
    with pytest.raises(ValueError, match=r"b\[1\]"):
        paired_difference_interval([1.0, 2.0], [1.0, math.nan])
