"""The one ranking, on hand-made figures whose answers are known."""

from __future__ import annotations

import math

from testbed.metrics.money import median_payback
from testbed.workflows.ranking import Criterion, Figure, rank

Figures = dict[str, float | None]


def by(name: str, better: str = "lower") -> Criterion[Figures]:
    return Criterion.of(name, name, lambda f: f.get(name), better)  # type: ignore[arg-type]


COST, LOCK_IN = by("cost"), by("lock_in")


def test_each_figure_is_scaled_from_best_to_worst_and_weighted() -> None:
    figures: dict[str, Figures] = {"a": {"cost": 100.0, "lock_in": 80.0},
                                   "b": {"cost": 300.0, "lock_in": 20.0},
                                   "c": {"cost": 200.0, "lock_in": 50.0}}
    ranking = rank(figures, [COST, LOCK_IN], {"cost": 3, "lock_in": 1})
    assert [e.key for e in ranking.entries] == ["a", "c", "b"]
    assert [e.rank for e in ranking.entries] == [1, 2, 3]
    normalised = {e.key: e.normalised for e in ranking.entries}
    assert normalised["a"] == {"cost": 0.0, "lock_in": 1.0}
    assert normalised["b"] == {"cost": 1.0, "lock_in": 0.0}
    assert normalised["c"] == {"cost": 0.5, "lock_in": 0.5}
    assert [e.score for e in ranking.entries] == [0.25, 0.5, 0.75]
    assert ranking.entries[0].values == {"cost": 100.0, "lock_in": 80.0}
    assert ranking.left_out == []


def test_equal_weights_when_none_are_given() -> None:
    figures: dict[str, Figures] = {"a": {"cost": 1.0, "lock_in": 3.0},
                                   "b": {"cost": 2.0, "lock_in": 1.0}}
    ranking = rank(figures, [COST, LOCK_IN])
    assert [e.score for e in ranking.entries] == [0.5, 0.5]


def test_a_tie_goes_to_the_first_key() -> None:
    figures: dict[str, Figures] = {"b": {"cost": 1.0}, "a": {"cost": 1.0}}
    assert [e.key for e in rank(figures, [COST]).entries] == ["a", "b"]
    offered: dict[int, Figures] = {2: {"cost": 5.0}, 0: {"cost": 9.0}, 1: {"cost": 5.0}}
    assert [e.key for e in rank(offered, [COST]).entries] == [1, 2, 0]


def test_a_criterion_where_all_are_equal_scores_zero_for_all() -> None:
    figures: dict[str, Figures] = {"a": {"cost": 7.0, "lock_in": 10.0},
                                   "b": {"cost": 7.0, "lock_in": 30.0}}
    ranking = rank(figures, [COST, LOCK_IN])
    assert {e.key: e.normalised["cost"] for e in ranking.entries} == {"a": 0.0, "b": 0.0}
    assert [e.key for e in ranking.entries] == ["a", "b"]


def test_a_figure_that_is_not_finite_is_the_worst() -> None:
    figures: dict[str, Figures] = {"never": {"cost": math.inf}, "a": {"cost": 10.0},
                                   "b": {"cost": 20.0}}
    ranking = rank(figures, [COST])
    assert {e.key: e.normalised["cost"] for e in ranking.entries} == {
        "a": 0.0, "b": 1.0, "never": 1.0}
    # the finite ones are scaled among themselves; ties with the worst go by key
    assert [e.key for e in ranking.entries] == ["a", "b", "never"]


def test_a_missing_figure_is_left_out_for_all_or_counted_as_the_worst() -> None:
    figures: dict[str, Figures] = {"a": {"cost": None, "lock_in": 60.0},
                                   "b": {"cost": 10.0, "lock_in": 40.0}}
    left = rank(figures, [COST, LOCK_IN])
    assert left.left_out == ["cost"]
    assert all(set(e.normalised) == {"lock_in"} for e in left.entries)
    assert [e.key for e in left.entries] == ["b", "a"]
    worst = rank(figures, [COST, LOCK_IN], missing="worst")
    assert worst.left_out == []
    assert {e.key: e.normalised["cost"] for e in worst.entries} == {"a": 1.0, "b": 0.0}


def test_a_criterion_nobody_has_is_left_out_and_the_rest_still_rank() -> None:
    figures: dict[str, Figures] = {"a": {"lock_in": 2.0}, "b": {"lock_in": 1.0}}
    ranking = rank(figures, [COST, LOCK_IN], {"cost": 5, "lock_in": 1})
    assert ranking.left_out == ["cost"]
    assert [(e.key, e.score) for e in ranking.entries] == [("b", 0.0), ("a", 1.0)]


def test_a_zero_weight_is_shown_but_does_not_count() -> None:
    figures: dict[str, Figures] = {"a": {"cost": 1.0, "lock_in": 2.0},
                                   "b": {"cost": 2.0, "lock_in": 1.0}}
    ranking = rank(figures, [COST, LOCK_IN], {"cost": 0, "lock_in": 1})
    assert [e.key for e in ranking.entries] == ["b", "a"]
    assert ranking.entries[0].normalised == {"cost": 1.0, "lock_in": 0.0}
    assert rank(figures, [COST], {"cost": 0}).entries[0].score == 0.0


def test_higher_is_better_scales_the_other_way() -> None:
    figures: dict[str, Figures] = {"a": {"uptime": 0.9}, "b": {"uptime": 0.99},
                                   "c": {"uptime": 0.95}}
    ranking = rank(figures, [by("uptime", "higher")])
    assert [e.key for e in ranking.entries] == ["b", "c", "a"]
    assert ranking.entries[0].normalised == {"uptime": 0.0}
    assert ranking.entries[2].normalised == {"uptime": 1.0}


def test_a_criterion_of_several_figures_averages_their_scales() -> None:
    resilience = Criterion[Figures]("resilience", "data and parts lost",
                                    (Figure("data", lambda f: f["data"]),
                                     Figure("parts", lambda f: f["parts"])))
    figures: dict[str, Figures] = {"a": {"data": 0.0, "parts": 10.0},
                                   "b": {"data": 4.0, "parts": 0.0},
                                   "c": {"data": 2.0, "parts": 0.0}}
    ranking = rank(figures, [resilience])
    assert {e.key: e.normalised["resilience"] for e in ranking.entries} == {
        "a": 0.5, "b": 0.5, "c": 0.25}
    assert ranking.entries[0].values == {"data": 2.0, "parts": 0.0}


def test_payback_is_the_median_over_every_run_a_run_that_never_pays_back_being_endless() -> None:
    # The adviser's case: one run barely pays back (a huge payback), the others in months;
    # the median is not dragged by it, as the mean over the runs that pay back was.
    assert median_payback([10.0, 11.0, 3000.0, 12.0, 9.0]) == 11.0
    assert median_payback([10.0, None, 12.0]) == 12.0
    assert median_payback([8.0, None, None]) == math.inf  # the median run never pays back
    assert median_payback([2.0, 4.0, 6.0, None]) == 5.0
    assert median_payback([2.0, 4.0, None, None]) == math.inf
