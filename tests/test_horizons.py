"""The owner's answer must not hang on the horizon: once `run` has stopped adding replications,
the bundled shop's ranking is the same from a quarter to two years (at flow level, where a
year takes well under a second a run)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BUNDLED

from testbed.cli import main
from testbed.results.run import Results

HORIZONS = ("13w", "26w", "1y", "2y")


@pytest.mark.slow
def test_the_bundled_shops_ranking_is_the_same_from_a_quarter_to_two_years(
        tmp_path: Path) -> None:
    orders = {}
    for horizon in HORIZONS:
        out = tmp_path / horizon
        assert main(["run", str(BUNDLED / "sme-legacy-shop.yaml"), "--out", str(out),
                     "--horizon", horizon, "--fidelity", "flow", "--quiet"]) == 0
        results = Results.model_validate_json((out / "results.json").read_text())
        assert results.stopping is not None
        orders[horizon] = results.stopping.order
    year = orders["1y"]
    assert all(order == year for order in orders.values()), orders
