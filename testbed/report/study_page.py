"""The guidance study for a drafter: plain findings, then the changes with their intervals,
by rule and by size of shop, and the shops the guidance made worse. HTML (templates/guidance.html)
and Markdown."""

from __future__ import annotations

from testbed.metrics.definitions import METRICS
from testbed.report import charts
from testbed.report.format import number
from testbed.report.templating import render as render_template
from testbed.report.words import figure_name
from testbed.results.guidance import Change, StudyResults
from testbed.units import format_duration

# Payback as the share of runs within the target: the mean payback over the runs that pay
# back flatters, and is no headline (docs/metrics.md).
KEY_METRICS = ("loss_fraction", "max_visibility_gap_s", "effort_person_hours",
               "capex_gbp", "meets_payback_target", "lock_in_score", "proprietary_path_share")


def _formatter(unit: str) -> charts.Formatter:
    return lambda value: number(value, unit)


def _change_text(change: Change | None) -> str:
    if change is None or change.mean_change is None:
        return "-"
    sign = "+" if change.mean_change > 0 else ""
    text = f"{sign}{number(change.mean_change, change.unit)}"
    if change.ci95:
        text += (f" [{number(change.ci95[0], change.unit)}, "
                 f"{number(change.ci95[1], change.unit)}]")
    return text


def _verdict(change: Change) -> str:
    """better / worse / no clear change, from the interval of the change."""
    if change.ci95 is None or change.mean_change is None:
        return "no clear change"
    low, high = change.ci95
    if low <= 0 <= high:
        return "no clear change"
    improved = (high < 0) if change.better == "lower" else (low > 0)
    return "better" if improved else "worse"


def findings(results: StudyResults) -> list[str]:
    said = [f"{results.shops} shops of {results.region}, each run as it is and under "
            f"{results.guidance}, {results.replications} replications of "
            f"{format_duration(results.horizon_s)} on the same seeds."]
    for variant, result in results.variants.items():
        parts = []
        for metric in KEY_METRICS:
            change = result.changes.get(metric)
            if change is None or change.mean_change is None:
                continue
            verdict = _verdict(change)
            if verdict != "no clear change":
                parts.append(f"{metric} {verdict} ({_change_text(change)})")
        clear = "; ".join(parts) if parts else "no clear change in the key figures"
        worse = len({w.shop for w in result.worse})
        said.append(f"{variant} (followed by {result.adopted_by} of {results.shops} shops): "
                    f"{clear}. Made {worse} shop(s) worse on at least one figure.")
    return said


def render_html(results: StudyResults) -> str:
    variants = list(results.variants)
    metrics = [m for m in METRICS if any(m in v.changes for v in results.variants.values())]
    rows = [[m, *(_change_text(results.variants[v].changes.get(m)) for v in variants)]
            for m in metrics]
    chart_list = []
    for metric in KEY_METRICS:
        bars = []
        for v in variants:
            change = results.variants[v].changes.get(metric)
            if change and change.mean_change is not None:
                low, high = change.ci95 or (None, None)
                bars.append(charts.Bar(v, change.mean_change, low, high,
                                       _change_text(change)))
        if bars and any(b.value != 0 for b in bars):
            chart_list.append(charts.bars(f"chart-{metric}",
                                          f"Change in: {figure_name(metric).lower()}", bars,
                                          _formatter(METRICS[metric].unit)))
    by_variant = []
    for v in variants:
        result = results.variants[v]
        sizes = sorted(result.by_size)
        by_variant.append({
            "name": v,
            "sizes": sizes,
            "rows": [[m, *(_change_text(result.by_size[s].get(m)) for s in sizes)]
                     for m in KEY_METRICS if any(m in result.by_size[s] for s in sizes)],
            "worse": [[w.shop, w.size, w.metric, number(w.change, METRICS[w.metric].unit)]
                      for w in result.worse],
        })
    return render_template("guidance.html", title=results.guidance,
                           tool_version=results.tool_version, results=results,
                           findings=findings(results), variants=variants, rows=rows,
                           charts=chart_list, by_variant=by_variant)


def render_markdown(results: StudyResults) -> str:
    variants = list(results.variants)
    lines = [f"# {results.guidance}", "", f"Across {results.region}.", "", "## Findings", ""]
    lines += [f"- {s}" for s in findings(results)]
    lines += ["", "## Change in the key figures (guided minus baseline, 95 % interval)", "",
              "| figure | " + " | ".join(variants) + " |",
              "|---|" + "---|" * len(variants)]
    for metric in KEY_METRICS:
        cells = [_change_text(results.variants[v].changes.get(metric)) for v in variants]
        lines.append(f"| `{metric}` | " + " | ".join(cells) + " |")
    lines += ["", f"Reproduce: `{results.command}` (seed {results.seed})", ""]
    return "\n".join(lines)
