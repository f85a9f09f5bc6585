"""Every HTML page escapes what the user wrote: names and words from a scenario, a claims file,
a region or a command line can hold markup, and it must come out as text, never as tags.

The result models are built directly (no simulation), with hostile text in every name a page
shows: the scenario, architectures, components and their vendors, machines, claims, guidance
variants, shops, sweep parameters, descriptions and commands. Each page is parsed like a browser
would read it: no element or attribute may come from that text, and the text itself must be on
the page (so the test cannot pass by leaving the names out).
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from testbed.metrics.definitions import METRICS
from testbed.report import compare_page, study_page, sweep_page, verify_page
from testbed.report.assumptions import Assumption
from testbed.results.guidance import Change, StudyResults, VariantResult, Worse
from testbed.results.run import (
    ArchitectureResult,
    CompareSection,
    ComponentInfo,
    MetricSummary,
    OutagePoint,
    RankEntry,
    Results,
    WhatIfResult,
)
from testbed.results.sweep import SweepResults, SweepRow
from testbed.results.verify import CaseVerdict, ClaimVerdict, Evidence, VerificationReport

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
QUOTE = "' onmouseover='alert(1)"
HOSTILE = (SCRIPT, ATTRIBUTE, QUOTE)
# The elements a page is made of; anything else came from the hostile text.
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "header", "main", "footer",
                "h1", "h2", "h3", "p", "ul", "li", "b", "br", "code", "span", "div", "table",
                "thead", "tbody", "tr", "th", "td", "section", "svg", "text", "line", "rect",
                "polyline", "circle"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.values: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)
        self.values.extend(value or "" for _, value in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _assert_escaped(html: str, *shown: str) -> None:
    for raw in HOSTILE:
        assert raw not in html, f"{raw!r} reached the page unescaped"
    page = _Page()
    page.feed(html)
    page.close()
    assert page.tags <= ALLOWED_TAGS, page.tags - ALLOWED_TAGS
    assert not {a for a in page.attributes if a.startswith("on")}
    assert "src" not in page.attributes
    text = "".join(page.text)
    # The names are on the page, as text or as an attribute's value, not left out.
    for name in shown:
        assert name in text or any(name in v for v in page.values), f"{name!r} is not shown"


def _summary(metric: str, mean: float = 1.0) -> MetricSummary:
    return MetricSummary(mean=mean, ci95=(mean * 0.9, mean * 1.1), n=3,
                         unit=METRICS[metric].unit)


def _architecture(name: str, lock_in: float) -> ArchitectureResult:
    metrics = {m: _summary(m, 10.0) for m in METRICS}
    metrics["lock_in_score"] = _summary("lock_in_score", lock_in)
    component = ComponentInfo(id=f"gateway {ATTRIBUTE}", kind=f"translator {SCRIPT}",
                              category="translator", vendor=f"vendor {QUOTE}",
                              location="shop", rami_layer="integration", iira_tier="edge")
    return ArchitectureResult(
        kind=name, metrics=metrics, per_consumer={}, per_machine={},
        effort_by_task={f"task {SCRIPT}": _summary("effort_person_hours", 40.0)},
        latency_quantiles_ms={"0.5": 100.0, "0.95": 2000.0}, loss_reasons={},
        components=[component], edges=[("machines", component.id)], notes=[])


def _rank(names: list[str]) -> list[RankEntry]:
    return [RankEntry(architecture=n, rank=i + 1, score=i / 2, values={}, normalised={})
            for i, n in enumerate(names)]


NAMES = [f"hub {SCRIPT}", f"cloud {ATTRIBUTE}"]


def test_the_compare_page_escapes_every_name() -> None:
    results = Results(
        tool_version="0.0.0", scenario=f"shop {SCRIPT}", seed=1, replications=3,
        horizon_s=3600.0, plugins={f"plugin {ATTRIBUTE}": "dist 1.0"},
        architectures={n: _architecture(n, 30.0 + 20 * i) for i, n in enumerate(NAMES)},
        compare=CompareSection(
            command=f"testbed compare '{SCRIPT}'", priorities={"cost": 1.0},
            criteria={"cost": f"money {ATTRIBUTE}"}, afternoon_s=7200.0,
            outages={n: [OutagePoint(outage_s=s, lost_deliveries=1.0, data_lost_minutes=s / 60,
                                     production_lost_parts=0.0) for s in (3600.0, 7200.0)]
                     for n in NAMES},
            ranking=_rank(NAMES),
            what_if=[WhatIfResult(parameter=f"shop.links[{SCRIPT}].mttr", value=ATTRIBUTE,
                                  replications=2, ranking=_rank(NAMES))],
            notes=[f"note {SCRIPT}"]))
    found = [Assumption(f"machine {SCRIPT}", ATTRIBUTE, f"guess {QUOTE}")]
    html = compare_page.render(results, found, f"described {ATTRIBUTE}", 24.0)
    _assert_escaped(html, *NAMES, f"shop {SCRIPT}", f"described {ATTRIBUTE}",
                    f"gateway {ATTRIBUTE}", f"task {SCRIPT}", f"note {SCRIPT}",
                    f"shop.links[{SCRIPT}].mttr", f"machine {SCRIPT}", f"guess {QUOTE}",
                    f"testbed compare '{SCRIPT}'", f"money {ATTRIBUTE}")
    # a figure's cell still names its architecture in data-architecture, escaped
    assert 'data-architecture="hub &lt;script&gt;' in html


def test_the_verify_page_escapes_every_name() -> None:
    case = CaseVerdict(case=f"c {SCRIPT}", machine=f"press {SCRIPT}",
                       architecture=f"hub {ATTRIBUTE}", fault=f"fault {QUOTE}",
                       verdict="FAIL", reason=f"reason {ATTRIBUTE}", detail=f"detail {SCRIPT}",
                       evidence=Evidence(measured=1.5, ci95=(1.0, 2.0), threshold=1.0,
                                         unit=f"unit {SCRIPT}", replications=3, seed=1,
                                         scenario=f"ref {SCRIPT}"))
    claim = ClaimVerdict(id=f"C-1{ATTRIBUTE}", level="MUST", type=f"type {SCRIPT}",
                         statement=f"statement {SCRIPT}", verdict="FAIL",
                         reason=f"why {QUOTE}", command=f"testbed verify --claim '{SCRIPT}'",
                         cases=[case])
    report = VerificationReport(
        tool_version="0.0.0", plugins={f"p {SCRIPT}": "d 1"},
        product={"name": f"gateway {SCRIPT}", "vendor": f"acme {ATTRIBUTE}"}, seed=1,
        command=f"testbed verify {ATTRIBUTE}", overall="FAIL", summary={"FAIL": 1},
        must_pass_rate=0.0, claims=[claim])
    _assert_escaped(verify_page.render(report), f"gateway {SCRIPT}", f"acme {ATTRIBUTE}",
                    f"C-1{ATTRIBUTE}", f"statement {SCRIPT}", f"press {SCRIPT}",
                    f"hub {ATTRIBUTE}", f"fault {QUOTE}", f"detail {SCRIPT}",
                    f"unit {SCRIPT}", f"testbed verify --claim '{SCRIPT}'",
                    f"testbed verify {ATTRIBUTE}", f"p {SCRIPT}")


def _change(mean: float) -> Change:
    return Change(mean_change=mean, ci95=(mean - 0.5, mean + 0.5), n=4, unit="GBP",
                  better="lower")


def test_the_guidance_page_escapes_every_name() -> None:
    variants = {f"rule {SCRIPT}": VariantResult(
        adopted_by=2, changes={"capex_gbp": _change(1000.0)},
        by_size={f"micro {ATTRIBUTE}": {"capex_gbp": _change(900.0)}},
        worse=[Worse(shop=f"shop {SCRIPT}", size=f"small {QUOTE}", metric="capex_gbp",
                     change=5.0)],
        choices={})}
    results = StudyResults(
        tool_version="0.0.0", region=f"region {ATTRIBUTE}", guidance=f"guide {SCRIPT}", seed=1,
        shops=4, replications=2, horizon_s=3600.0, plugins={},
        command=f"testbed guidance '{SCRIPT}'", rules=[], sizes={}, baseline_choices={},
        baseline_means={}, variants=variants)
    _assert_escaped(study_page.render_html(results), f"rule {SCRIPT}", f"region {ATTRIBUTE}",
                    f"guide {SCRIPT}", f"micro {ATTRIBUTE}", f"shop {SCRIPT}",
                    f"small {QUOTE}", f"testbed guidance '{SCRIPT}'")


@pytest.mark.parametrize("values", [[1, 2], [f"a {SCRIPT}", f"b {ATTRIBUTE}"]])
def test_the_sweep_page_escapes_every_name(values: list[object]) -> None:
    first, other = f"shop.links[{SCRIPT}].mttr", f"x {ATTRIBUTE}"
    rows = [SweepRow(parameters={first: v, other: QUOTE}, architecture=name,
                     metrics={"loss_fraction": _summary("loss_fraction", 0.1 * (i + 1))})
            for i, v in enumerate(values) for name in NAMES]
    results = SweepResults(tool_version="0.0.0", scenario=f"shop {SCRIPT}", seed=1,
                           replications=2, command=f"testbed sweep {ATTRIBUTE}",
                           parameters={first: values, other: [QUOTE]}, rows=rows)
    _assert_escaped(sweep_page.render(results), f"shop {SCRIPT}", first, other, *NAMES,
                    f"testbed sweep {ATTRIBUTE}")
