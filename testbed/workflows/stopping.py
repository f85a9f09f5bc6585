"""When `run` and `compare` stop adding replications: once the runs separate every place of the
owner's ranking, or the scenario's cap is reached.

Replication ``r`` of every architecture shares its random numbers, so the sharp test of "A ranks
above B" is paired: rank the candidates within each replication by the same criteria and
weights as the headline, and take the 95 % interval of B's score minus A's over the
replications. Neighbours whose interval lies above zero are separated. Neighbours whose scores
are equal in every replication, or whose interval lies within ``TIE_MARGIN`` of zero, are tied:
more runs would not part them by a difference worth acting on. Any other pair needs more runs.
Replications double from the scenario's ``replications`` up to its cap (docs/compare.md).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from testbed.metrics.stats import confidence_interval

# Scores run from 0 (best on every weighted criterion) to 1 (worst on every one), so a
# difference under 0.025 is under a fortieth of the gap between the best and the worst
# candidate: not a difference to choose by.
TIE_MARGIN = 0.025


@dataclass(frozen=True)
class Separation:
    """The verdict on one ranking: which neighbours the runs separate."""

    order: list[str]  # best first
    unseparated: list[tuple[str, str]]  # neighbours the runs cannot put in order
    undecided: list[tuple[str, str]]  # of those, the ones more runs could still separate

    @property
    def settled(self) -> bool:
        return not self.undecided


def separation(order: Sequence[str], scores: Mapping[int, Mapping[str, float]]) -> Separation:
    """Judge each neighbouring pair of ``order`` on the per-replication ``scores`` (lower is
    better), replication -> candidate -> score."""
    unseparated: list[tuple[str, str]] = []
    undecided: list[tuple[str, str]] = []
    for better, worse in itertools.pairwise(order):
        diffs = [s[worse] - s[better] for s in scores.values()]
        if len(set(diffs)) == 1 and len(diffs) > 1:
            # The same difference in every replication: the runs' randomness does not reach
            # this pair, so its order (or tie) is exact.
            if diffs[0] <= 0:
                unseparated.append((better, worse))
            continue
        interval = confidence_interval(diffs)
        if interval.lo is not None and interval.lo > 0:
            continue
        unseparated.append((better, worse))
        tied = interval.lo is not None and interval.hi is not None \
            and interval.lo >= -TIE_MARGIN and interval.hi <= TIE_MARGIN
        if not tied:
            undecided.append((better, worse))
    return Separation(list(order), unseparated, undecided)


def next_count(done: int, cap: int) -> int:
    """How many replications the next round brings the study to: double, up to the cap."""
    return min(2 * done, cap)
