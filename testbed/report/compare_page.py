"""The owner-manager's one-page report: a self-contained HTML file rendered from results.json.

No scripts, fonts or network: styles are inline and charts are inline SVG, so the file can be
emailed and opened anywhere. Every figure in the at-a-glance table and the evidence table
carries its exact value in ``data-value``, so a test can hold the page to results.json.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from testbed.metrics.definitions import METRICS
from testbed.metrics.lockin import WEIGHTS
from testbed.report import charts
from testbed.report.assumptions import Assumption
from testbed.report.format import interval, mean, number
from testbed.report.summary import GLANCE_COLUMNS, glance, sentences
from testbed.results.run import Results
from testbed.units import format_duration

_STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0 auto;
       max-width: 960px; padding: 1.5rem; color: #1d2733; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; } h2 { border-bottom: 2px solid #1b6ca8; padding-bottom: 0.2rem;
margin-top: 2.2rem; } .lede { color: #51606f; margin-top: 0; }
ul.answers li { margin: 0.35rem 0; font-size: 1.05rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.88rem; margin: 0.6rem 0; }
th, td { border-bottom: 1px solid #dde3ea; padding: 0.3rem 0.45rem; text-align: right;
         vertical-align: top; }
th:first-child, td:first-child { text-align: left; } thead th { background: #eef3f8; }
td.ci { color: #51606f; font-size: 0.8rem; } svg.chart { width: 100%; height: auto;
margin: 0.8rem 0; } .note { color: #51606f; font-size: 0.88rem; }
code { background: #eef3f8; padding: 0 0.25rem; border-radius: 3px; }
div.scroll { overflow-x: auto; }
"""


def _table(headers: Sequence[str], rows: Sequence[str], ident: str = "") -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    attr = f' id="{escape(ident)}"' if ident else ""
    # Wide tables scroll inside their own box instead of widening the page.
    return (f'<div class="scroll"><table{attr}><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def _td(text: str, arch: str = "", metric: str = "", value: float | None = None,
        css: str = "") -> str:
    attrs = ""
    if metric:
        attrs += f' data-architecture="{escape(arch)}" data-metric="{escape(metric)}"'
        if value is not None:
            attrs += f' data-value="{value!r}"'
    if css:
        attrs += f' class="{css}"'
    return f"<td{attrs}>{escape(text)}</td>"


def _answers(results: Results, target: float) -> str:
    items = "".join(f"<li>{escape(s)}</li>" for s in sentences(results, target))
    rows = []
    for row in glance(results, target):
        cells = "".join(_td(c.text, row.architecture, c.metric, c.value) for c in row.cells)
        rows.append(f"<tr>{_td(row.architecture)}{cells}</tr>")
    return (f'<section id="answers"><h2>The answers</h2><ul class="answers">{items}</ul>'
            + _table(["configuration", *GLANCE_COLUMNS], rows, "at-a-glance") + "</section>")


def _ranking(results: Results) -> str:
    section = results.compare
    if section is None:
        return ""
    weights = ", ".join(f"{k} x{v:g}" for k, v in section.priorities.items())
    bars = [charts.Bar(r.architecture, r.score, text=f"{r.score:.2f}") for r in section.ranking]
    crit = "".join(f"<li><b>{escape(k)}</b>: {escape(v)}</li>"
                   for k, v in section.criteria.items())
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in section.notes)
    return ('<section id="ranking"><h2>How they rank</h2>'
            f"<p>The ranking follows your priorities and nothing else: {escape(weights)}. Each "
            "criterion is scaled from 0 (best of these candidates) to 1 (worst), and the score "
            "is the weighted mean; lower is better.</p>"
            f"<ul>{crit}</ul>"
            + charts.bars("chart-ranking", "Score by your priorities (lower is better)", bars,
                          lambda v: f"{v:.2f}") + notes + "</section>")


def _evidence(results: Results) -> str:
    names = list(results.architectures)
    rows = []
    for metric, definition in METRICS.items():
        cells = []
        present = False
        for name in names:
            summary = results.architectures[name].metrics.get(metric)
            present = present or summary is not None
            cells.append(_td(mean(summary), name, metric,
                             summary.mean if summary else None))
            cells.append(_td(interval(summary), css="ci"))
        if present:
            rows.append(f"<tr><td><code>{escape(metric)}</code><br>"
                        f'<span class="note">{escape(definition.summary)}</span></td>'
                        f"{''.join(cells)}</tr>")
    headers = ["figure"]
    for name in names:
        headers += [name, "95 % interval"]
    return ('<section id="evidence"><h2>The evidence: every figure</h2>'
            f"<p>Means over {results.replications} replications of "
            f"{escape(format_duration(results.horizon_s))} each, with 95 % confidence "
            "intervals. Definitions and formulas: <code>docs/metrics.md</code>.</p>"
            + _table(headers, rows, "evidence-table") + "</section>")


def _charts(results: Results) -> str:
    archs = results.architectures
    parts = ['<section id="charts"><h2>The evidence in pictures</h2>']
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
    parts.append("</section>")
    return "".join(parts)


def _what_if(results: Results) -> str:
    section = results.compare
    if section is None or not section.what_if:
        return ""
    blocks = ['<section id="what-if"><h2>What if…</h2>']
    for parameter in dict.fromkeys(w.parameter for w in section.what_if):
        rows = [f"<tr>{_td(w.value)}{_td(' > '.join(r.architecture for r in w.ranking))}"
                f"{_td(str(w.replications))}</tr>"
                for w in section.what_if if w.parameter == parameter]
        blocks.append(f"<h3><code>{escape(parameter)}</code></h3>"
                      + _table(["value", "ranking, best first", "replications"], rows))
    blocks.append("</section>")
    return "".join(blocks)


def _diagrams(results: Results) -> str:
    parts = ['<section id="diagrams"><h2>Where each piece sits (RAMI 4.0 and IIRA)</h2>'
             '<p class="note">Rows are RAMI 4.0 layers, columns IIRA tiers; lines are data '
             "paths. Machines are on the asset layer at the edge.</p>"]
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
    parts.append("</section>")
    return "".join(parts)


def _assumptions(found: Sequence[Assumption]) -> str:
    rows = [f"<tr>{_td(a.what)}{_td(a.value)}{_td(a.source)}</tr>" for a in found]
    return ('<section id="assumptions"><h2>Assumptions and their sources</h2>'
            '<p class="note">Strength of a source: standard, paper, vendor, secondary, guess. '
            "Every guess is a parameter you can change in the scenario.</p>"
            + _table(["assumption", "value", "source"], rows) + "</section>")


def _reproduce(results: Results) -> str:
    command = results.compare.command if results.compare else ""
    plugins = ", ".join(f"{k} ({v})" for k, v in sorted(results.plugins.items()))
    return ('<section id="reproduce"><h2>Reproduce this page</h2>'
            f"<p><code>{escape(command)}</code></p><p>Seed {results.seed}, "
            f"{results.replications} replications, testbed {escape(results.tool_version)}, "
            f"plugins: {escape(plugins)}. The same command and seed give the same numbers.</p>"
            "</section>")


def render(results: Results, found: Sequence[Assumption], description: str,
           target: float) -> str:
    title = f"{results.scenario}: which way to connect the shop"
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{escape(title)}</h1><p class=\"lede\">{escape(description)}</p>"
            + _answers(results, target) + _ranking(results) + _what_if(results)
            + _evidence(results) + _charts(results) + _diagrams(results)
            + _assumptions(found) + _reproduce(results) + "</body></html>\n")
