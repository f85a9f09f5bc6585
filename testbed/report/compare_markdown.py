"""The same report as Markdown, to paste into an email or a board paper."""

from __future__ import annotations

from collections.abc import Sequence

from testbed.metrics.definitions import METRICS
from testbed.report.assumptions import Assumption
from testbed.report.format import with_interval
from testbed.report.summary import (
    BOM_COLUMNS,
    GLANCE_COLUMNS,
    SOFTWARE_METRICS,
    bill_of_materials,
    glance,
    sentences,
    software_label,
    software_rows,
)
from testbed.report.words import figure_name, what_if_ranking
from testbed.results.run import Results
from testbed.units import format_duration


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [_row(headers), _row(["---"] * len(headers)), *(_row(r) for r in rows)]


def render(results: Results, found: Sequence[Assumption], description: str,
           target: float) -> str:
    lines = [f"# {results.scenario}: which way to connect the shop", "", description, "",
             "## The answers", ""]
    lines += [f"- {s}" for s in sentences(results, target)]
    lines += ["", *_table(["configuration", *GLANCE_COLUMNS],
                          [[row.architecture, *(c.text for c in row.cells)]
                           for row in glance(results)]), ""]
    if results.notes:
        lines += ["## What the figures rest on", "", *(f"- {n}" for n in results.notes), ""]
    bom = bill_of_materials(results)
    if bom:
        lines += ["## What each option costs up front", "",
                  *_table(["configuration", *(h for h, _ in BOM_COLUMNS)],
                          [[row.architecture, *(c.text for c in row.cells)] for row in bom]),
                  ""]
    software = software_rows(results)
    if software:
        lines += ["## How fast each piece of software gets its data", "",
                  *_table(["configuration", "software", *(h for _, h in SOFTWARE_METRICS)],
                          [[row.architecture, software_label(row),
                            *(with_interval(s) for s in row.summaries)] for row in software]),
                  ""]
    section = results.compare
    if section:
        weights = ", ".join(f"{k} x{v:g}" for k, v in section.priorities.items())
        lines += ["## How they rank", "",
                  f"By your priorities ({weights}); each criterion scaled 0 (best) to 1 "
                  f"(worst) among these candidates; lower score is better.", "",
                  *_table(["rank", "configuration", "score"],
                          [[str(r.rank), r.architecture, f"{r.score:.2f}"]
                           for r in section.ranking]), ""]
        lines += [f"- {note}" for note in section.notes]
        if section.what_if:
            lines += ["", "## What if", ""]
            lines += _table(["parameter", "value", "ranking, best first"],
                            [[w.parameter, w.value, what_if_ranking(w)]
                             for w in section.what_if])
        lines.append("")
    names = list(results.architectures)
    rows = []
    for metric in METRICS:
        summaries = [results.architectures[n].metrics.get(metric) for n in names]
        if any(s is not None for s in summaries):
            rows.append([f"{figure_name(metric)} (`{metric}`)",
                         *(with_interval(s) for s in summaries)])
    lines += ["## Every figure", "",
              f"Mean ± half the 95 % interval over {results.replications} replications of "
              f"{format_duration(results.horizon_s)}; definitions in `docs/metrics.md`.", "",
              *_table(["figure", *names], rows), "", "## Assumptions and their sources", "",
              *_table(["assumption", "value", "source"],
                      [[a.what, a.value, a.source] for a in found]), "",
              "## Reproduce", ""]
    if section:
        lines += [f"`{section.command}` (seed {results.seed}, testbed "
                  f"{results.tool_version})", ""]
    return "\n".join(lines)
