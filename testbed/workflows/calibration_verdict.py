"""The verdict on one calibrated figure: whether the engine's replications agree with the
publication, disagree with it, or are too few to tell (docs/calibration.md#the-verdict).

Agreement needs two things: the engine's 95 % interval of the mean meets the published band,
and it is narrow enough for that meeting to mean something. An interval forty times wider than
the band meets it whatever the engine does, so it proves nothing: INCONCLUSIVE, with the number
of replications that would, at the spread observed, narrow it enough. Disagreement needs only
the interval to lie wholly outside the band, however wide it is.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from testbed.calibration import CalibratedFigure
from testbed.metrics.stats import confidence_interval, t_quantile
from testbed.results.calibration import Verdict

# Floating-point slack when an exact figure is compared with an exact value.
_SLACK = 1e-9
_LEVEL = 0.95


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    reason: str
    # For INCONCLUSIVE: the replications that would reach the precision at the observed
    # spread; None when no number would (one value gives no spread to go by).
    needed: int | None = None


def replications_needed(values: Sequence[float], half_width: float) -> int | None:
    """The fewest replications whose 95 % interval of the mean is at most ``half_width`` each
    side, if they spread as ``values`` do (Student-t, the interval the verdict uses)."""
    if len(values) < 2 or half_width <= 0:
        return None
    sd = statistics.stdev(values)
    normal = t_quantile((1 + _LEVEL) / 2, math.inf)
    # The normal approximation is a lower bound (t's quantile is larger); step up from it.
    n = max(2, math.ceil((normal * sd / half_width) ** 2))
    while t_quantile((1 + _LEVEL) / 2, n - 1) * sd / math.sqrt(n) > half_width:
        n += 1
    return n


def judge(figure: CalibratedFigure, values: Sequence[float]) -> Judgement:
    """The verdict on ``figure`` from the engine's ``values`` (one per replication, in the
    publication's unit)."""
    if not values:
        return Judgement("FAIL", "no replication gave this figure")
    interval = confidence_interval(values, _LEVEL)
    if interval.lo is None or interval.hi is None:
        return Judgement("INCONCLUSIVE", "one replication gives no interval: run at least two")
    band_low, band_high = figure.band()
    slack = _SLACK * max(1.0, abs(band_low), abs(band_high))
    if interval.lo > band_high + slack or interval.hi < band_low - slack:
        if figure.known_difference:
            return Judgement("KNOWN DIFFERENCE", figure.known_difference.strip())
        side = "above" if interval.lo > band_high else "below"
        return Judgement("FAIL", f"the measured interval lies wholly {side} the published "
                                 f"band: the engine disagrees with the publication")
    half = (interval.hi - interval.lo) / 2
    needed_half = figure.precision_needed()
    if half <= needed_half + slack:
        return Judgement("PASS", f"the measured interval meets the published band and is at "
                                 f"most ±{needed_half:.4g} {figure.unit} wide: the engine "
                                 f"agrees with the publication to that precision")
    needed = replications_needed(values, needed_half)
    more = "no number of replications reaches it" if needed is None else \
        f"about {needed} replications would reach it, at the spread observed"
    return Judgement("INCONCLUSIVE",
                     f"the measured interval meets the published band but is ±{half:.4g} "
                     f"{figure.unit} wide, more than the ±{needed_half:.4g} needed to tell; "
                     f"{more}", needed)
