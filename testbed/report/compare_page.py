"""The owner-manager's one-page report: a self-contained HTML file rendered from results.json.

No scripts, fonts or network: styles are inline and charts are inline SVG, so the file can be
emailed and opened anywhere. Every figure in the at-a-glance table and the evidence table
carries its exact value in ``data-value``, so a test can hold the page to results.json.
The page is templates/compare.html; this module turns results.json into what it shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from testbed.metrics.definitions import METRICS
from testbed.metrics.lockin import WEIGHTS
from testbed.report import charts
from testbed.report.assumptions import Assumption
from testbed.report.format import number
from testbed.report.summary import (
    BOM_COLUMNS,
    GLANCE_COLUMNS,
    SOFTWARE_METRICS,
    TODAY,
    GlanceRow,
    bill_of_materials,
    glance,
    sentences,
    software_label,
    software_rows,
)
from testbed.report.templating import render as render_template
from testbed.report.words import figure_name, still_words, untested, what_if_ranking
from testbed.results.run import Results
from testbed.units import format_duration


def _ranking(results: Results) -> dict[str, Any] | None:
    section = results.compare
    if section is None:
        return None
    bars = [charts.Bar(r.architecture, r.score, text=f"{r.score:.2f}") for r in section.ranking]
    return {
        "weights": ", ".join(f"{k} x{v:g}" for k, v in section.priorities.items()),
        "criteria": section.criteria,
        "chart": charts.bars("chart-ranking", "Score by your priorities (lower is better)",
                             bars, lambda v: f"{v:.2f}"),
        "notes": section.notes,
    }


def _what_if(results: Results) -> list[dict[str, Any]]:
    """One table a parameter: each value with the ranking it gives, best first."""
    section = results.compare
    if section is None:
        return []
    blocks = []
    for parameter in dict.fromkeys(w.parameter for w in section.what_if):
        mine = [w for w in section.what_if if w.parameter == parameter]
        blocks.append({"parameter": parameter, "still": still_words(mine),
                       "rows": [[w.value, what_if_ranking(w), str(w.replications)]
                                for w in mine]})
    return blocks


def _evidence(results: Results) -> list[dict[str, Any]]:
    """A row a metric any architecture has: its name in words, its definition and each
    architecture's summary."""
    rows = []
    for metric, definition in METRICS.items():
        # A figure whose runs met none of the events it rests on says so instead of showing
        # a zero with a zero-width interval.
        figures = [(name, arch.metrics.get(metric),
                    untested(metric) if arch.untested(metric) else None)
                   for name, arch in results.architectures.items()]
        if any(summary is not None for _, summary, _ in figures):
            rows.append({"metric": metric, "name": figure_name(metric),
                         "summary": definition.summary, "figures": figures})
    return rows


# The at-a-glance figures in stacked tables of a few columns each, so the summary fits a
# printed page and a phone: one wide table would squeeze every column to a word a line, or be
# cut at the page's edge. A column no group names (a figure added later) joins a table of its
# own rather than widening one of these.
GLANCE_GROUPS = (
    ("What it costs", ("rank", "up front", "per month")),
    ("What it returns", ("pays back in", "cost of ownership", "net present value")),
    ("Putting it in", ("weeks to put in", "your staff's hours")),
    ("When the broadband fails, and leaving", ("data lost in the afternoon outage",
                                               "parts lost in it", "leaving the vendor")),
)
MOST_COLUMNS = 5


def _glance_tables(rows: list[GlanceRow]) -> list[dict[str, Any]]:
    """Each group's headings and, a row per architecture, its cells."""
    named = {h for _, headings in GLANCE_GROUPS for h in headings}
    rest = [h for h in GLANCE_COLUMNS if h not in named]
    groups = [(title, [h for h in headings if h in GLANCE_COLUMNS])
              for title, headings in GLANCE_GROUPS]
    groups += [("More", rest[i:i + MOST_COLUMNS]) for i in range(0, len(rest), MOST_COLUMNS)]
    return [{"title": title,
             "headers": ["configuration", *headings],
             "rows": [(row.architecture, cells) for row in rows
                      if (cells := [row.cells[GLANCE_COLUMNS.index(h)] for h in headings])
                      # today's row only where it has a figure: an all-dash row says nothing
                      and (row.architecture != TODAY or any(c.text != "-" for c in cells))]}
            for title, headings in groups if headings]


def _software(results: Results) -> dict[str, Any]:
    """Each consuming software's own figures, a row per architecture and software."""
    return {"headers": ["configuration", "software", *(h for _, h in SOFTWARE_METRICS)],
            "rows": [(row.architecture, software_label(row), row.cells)
                     for row in software_rows(results)]}


def _charts(results: Results) -> list[Markup]:
    archs = results.architectures
    parts = []
    latency = [charts.Series(name, [(ms / 1000.0, float(q)) for q, ms in
                                    sorted(a.latency_quantiles_ms.items(),
                                           key=lambda kv: float(kv[0])) if ms > 0])
               for name, a in archs.items() if a.latency_quantiles_ms]
    if latency:
        parts.append(charts.lines(
            "chart-latency", "How long data takes to arrive (share of messages within a time)",
            latency, "time from the machine to the software (log scale)",
            "share of messages", lambda s: format_duration(s), lambda q: f"{q:.0%}",
            log_x=True))
    if results.compare and any(results.compare.outages.values()):
        lost = [charts.Series(name, [(p.outage_s / 3600.0, p.data_lost_minutes / 60.0)
                                     for p in points])
                for name, points in results.compare.outages.items() if points]
        parts.append(charts.lines(
            "chart-outages", "Data lost against the length of a broadband outage", lost,
            "outage length (hours)", "hours of data lost", lambda h: f"{h:g}h",
            lambda h: f"{h:g}h"))
    effort = [(name, [(task, s.mean or 0.0) for task, s in a.effort_by_task.items()])
              for name, a in archs.items() if a.effort_by_task]
    if effort:
        parts.append(charts.stacked("chart-effort", "Person-hours to put it in, by task",
                                    effort, lambda h: f"{h:,.0f}h"))
    lock = []
    for name, a in archs.items():
        if "lock_in_score" not in a.metrics:
            continue
        values = {
            "proprietary paths": (a.metrics["proprietary_path_share"].mean or 0.0)
            * WEIGHTS["proprietary_path_share"],
            "vendor concentration": (a.metrics["vendor_hhi"].mean or 0.0) / 10_000
            * WEIGHTS["vendor_concentration"],
            "vendor exit exposure": (a.metrics["vendor_exit_exposure"].mean or 0.0)
            * WEIGHTS["vendor_exit_exposure"],
        }
        values["switching effort"] = max(0.0, (a.metrics["lock_in_score"].mean or 0.0) / 100
                                         - sum(values.values()))
        lock.append((name, [(k, 100 * v) for k, v in values.items()]))
    if lock:
        parts.append(charts.stacked("chart-lock-in", "Lock-in score (out of 100) by part",
                                    lock, lambda v: f"{v:.0f}"))
    money = [charts.Bar(name, a.metrics["capex_gbp"].mean or 0.0,
                        *(a.metrics["capex_gbp"].ci95 or (None, None)))
             for name, a in archs.items() if "capex_gbp" in a.metrics]
    if money:
        parts.append(charts.bars("chart-capex", "Up-front cost, with its 95 % interval", money,
                                 lambda v: number(v, "GBP")))
    return parts


def _diagrams(results: Results) -> list[Markup]:
    parts = []
    for i, (name, arch) in enumerate(results.architectures.items()):
        boxes = [charts.Box(c.id, c.kind if c.category == "translator" else c.id,
                            c.rami_layer, c.iira_tier, c.vendor) for c in arch.components]
        boxes.append(charts.Box("machines", "the shop's machines", "asset", "edge", "-"))
        # One box per kind keeps a diagram readable when a kind is placed per machine.
        seen: dict[tuple[str, str, str], str] = {}
        unique = []
        for box in boxes:
            key = (box.label, box.layer, box.tier)
            if key not in seen:
                seen[key] = box.ident
                unique.append(box)
        alias = {b.ident: seen[(b.label, b.layer, b.tier)] for b in boxes}
        edges = sorted({(alias.get(a, a), alias.get(b, b)) for a, b in arch.edges})
        parts.append(charts.diagram(f"chart-diagram-{i}", name, unique, edges))
    return parts


def render(results: Results, found: Sequence[Assumption], description: str,
           target: float) -> str:
    return render_template(
        "compare.html",
        title=f"{results.scenario}: which way to connect the shop",
        description=description,
        tool_version=results.tool_version,
        results=results,
        sentences=sentences(results, target),
        glance=_glance_tables(glance(results)),
        bom_headers=["configuration", *(h for h, _ in BOM_COLUMNS)],
        bom=bill_of_materials(results),
        software=_software(results),
        ranking=_ranking(results),
        what_if=_what_if(results),
        evidence_headers=["figure", *results.architectures],
        evidence=_evidence(results),
        charts=_charts(results),
        diagrams=_diagrams(results),
        assumptions=[[a.what, a.value, a.source] for a in found],
        command=results.compare.command if results.compare else "",
        plugins=", ".join(f"{k} ({v})" for k, v in sorted(results.plugins.items())),
    )
