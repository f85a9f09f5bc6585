"""A standards drafter tests guidance across a region's SMEs, on any executor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import BUNDLED, TEST_SCENARIOS

from testbed.cli import main
from testbed.experiments.executor import DaskExecutor, LocalExecutor
from testbed.experiments.tasks import TaskCache
from testbed.guidance import BufferRule, MachineInterfaceRule, apply, load_guidance
from testbed.region import generate, load_region
from testbed.registry import Registry
from testbed.results.guidance import StudyResults
from testbed.workflows.guidance_study import (
    ALL_RULES,
    CHOICE_CRITERIA,
    _rules_for,
    adopted,
    shop_task,
    study,
)
from testbed.workflows.ranking import rank

REGION = TEST_SCENARIOS / "tiny-region.yaml"
GUIDANCE = TEST_SCENARIOS / "tiny-guidance.yaml"


@pytest.fixture(scope="module")
def local(registry: Registry) -> StudyResults:
    return study(load_region(REGION, registry), load_guidance(GUIDANCE, registry), registry,
                 LocalExecutor(2))


def test_the_same_region_gives_the_same_shops(registry: Registry) -> None:
    region = load_region(REGION, registry)
    first, second = generate(region, registry), generate(region, registry)
    assert first == second
    for shop in first:
        count = sum(m["count"] for m in shop["shop"]["machines"])
        low, high = region.sizes[shop["size"]].machines
        assert low <= count <= high


def test_local_processes_and_a_dask_cluster_give_identical_numbers(
        registry: Registry, local: StudyResults) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        executor = DaskExecutor(cluster)
        try:
            on_dask = study(load_region(REGION, registry), load_guidance(GUIDANCE, registry),
                            registry, executor)
        finally:
            executor.close()
    assert on_dask.model_dump() == local.model_dump()
    one_process = study(load_region(REGION, registry), load_guidance(GUIDANCE, registry),
                        registry, LocalExecutor(1))
    assert one_process.model_dump() == local.model_dump()


def test_every_rule_alone_and_all_together_are_reported(local: StudyResults) -> None:
    assert list(local.variants) == ["OPC UA on Modbus TCP machines", "No vendor above half",
                                    "A day of buffering", ALL_RULES]
    for variant in local.variants.values():
        change = variant.changes["loss_fraction"]
        assert change.n == local.shops
        assert set(variant.by_size) <= {"micro", "small"}


def test_no_shop_takes_an_architecture_where_one_vendor_carries_most_data(
        local: StudyResults) -> None:
    # The vendor cloud puts every path through one vendor: the rule takes it off the offer.
    assert "Vendor cloud" not in local.variants["No vendor above half"].choices.values()
    assert "Vendor cloud" not in local.variants[ALL_RULES].choices.values()


def test_each_shop_takes_the_first_of_the_shared_equal_weight_ranking(
        registry: Registry, local: StudyResults) -> None:
    region = load_region(REGION, registry)
    shops = generate(region, registry)
    for shop in shops[:2]:
        document = {k: v for k, v in shop.items() if k != "size"}
        document.pop("offer_filters", None)
        offer = [a["name"] for a in document["architectures"]]
        per_arch = {a: [shop_task({"scenario": document, "architecture": a, "replication": r,
                                   "disabled": sorted(registry.disabled)}, registry)
                        for r in range(region.replications)] for a in range(len(offer))}
        ranking = rank(per_arch, CHOICE_CRITERIA, missing="worst")
        assert ranking.left_out == []
        assert [e.score for e in ranking.entries] == sorted(e.score for e in ranking.entries)
        assert local.baseline_choices[shop["name"]] == offer[ranking.entries[0].key]


def test_a_rule_is_followed_by_the_shops_that_adopt_it(registry: Registry,
                                                        local: StudyResults) -> None:
    region = load_region(REGION, registry)
    guidance = load_guidance(GUIDANCE, registry)
    shops = generate(region, registry)
    rule = guidance.rules[0]
    assert isinstance(rule, MachineInterfaceRule) and rule.adoption == 0.5
    follows = [adopted(region, guidance, i)[0] for i in range(len(shops))]
    # with adoption 0.5 this region has shops on both sides, so the check below means something
    assert 0 < sum(follows) < len(shops)
    assert local.variants[rule.name].adopted_by == sum(follows)
    for shop, adopts in zip(shops, follows, strict=True):
        document = {k: v for k, v in shop.items() if k != "size"}
        rules = _rules_for(rule.name, guidance, adopted(region, guidance, shops.index(shop)))
        assert (rules == [rule]) == adopts
        changed = apply(rule, document, registry)
        assert "plc-modbus-tcp" not in {m["kind"] for m in changed["shop"]["machines"]}


def test_a_buffer_rule_holds_its_hours_of_data(registry: Registry) -> None:
    region = load_region(REGION, registry)
    shop = {k: v for k, v in generate(region, registry)[0].items() if k != "size"}
    machines = sum(m["count"] for m in shop["shop"]["machines"])
    changed = apply(BufferRule(name="day", kind="buffer", hours=86_400.0), shop, registry)
    hub = next(t for t in changed["architectures"][0]["translators"] if t["kind"] == "edge-hub")
    # a day of every machine's samples at the polling interval the region uses (30 s)
    assert hub["buffer_messages"] >= 86_400 * machines / 30


class _Counting:
    """An executor that counts the tasks it is given."""

    def __init__(self) -> None:
        self.inner = LocalExecutor(1)
        self.ran = 0

    def map(self, work: Any, payloads: Any, registry: Registry, on_done: Any) -> None:
        self.ran += len(payloads)
        self.inner.map(work, payloads, registry, on_done)

    def close(self) -> None:
        pass


def test_an_interrupted_study_resumes_and_does_only_what_is_missing(
        registry: Registry, tmp_path: Path, local: StudyResults) -> None:
    region, guidance = load_region(REGION, registry), load_guidance(GUIDANCE, registry)
    cache = TaskCache(tmp_path / "cache")
    first = _Counting()
    assert study(region, guidance, registry, first, cache).model_dump() == local.model_dump()
    files = sorted((tmp_path / "cache").glob("*.json"))
    assert len(files) == first.ran
    for lost in files[::3]:  # as if the run had been killed before these finished
        lost.unlink()
    again = _Counting()
    assert study(region, guidance, registry, again, cache).model_dump() == local.model_dump()
    assert again.ran == len(files[::3])


def test_the_command_writes_the_drafters_report(tmp_path: Path) -> None:
    assert main(["guidance", str(GUIDANCE), "--population", str(REGION), "--out",
                 str(tmp_path), "--quiet", "--jobs", "2"]) == 0
    results = StudyResults.model_validate_json((tmp_path / "results.json").read_text())
    assert results.shops == 4
    html = (tmp_path / "report.html").read_text()
    assert "Findings" in html and "<script" not in html
    assert "## Findings" in (tmp_path / "report.md").read_text()


def test_the_bundled_region_and_guidance_are_valid(registry: Registry) -> None:
    region = load_region(BUNDLED / "regions" / "east-midlands.yaml", registry)
    assert len(generate(region, registry)) == region.shops
    load_guidance(BUNDLED / "guidance" / "sme-connectivity.yaml", registry)
