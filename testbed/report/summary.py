"""The owner-manager's answers in plain words, computed once from results.json and rendered by
both the HTML page and the Markdown report."""

from __future__ import annotations

from dataclasses import dataclass

from testbed.report.format import number
from testbed.results.run import ArchitectureResult, MetricSummary, OutagePoint, Results
from testbed.units import format_duration

LOCK_IN_WORDS = ((30.0, "easy to leave"), (60.0, "some effort to leave"),
                 (101.0, "hard to leave"))


@dataclass(frozen=True)
class Cell:
    """One figure of the at-a-glance table: its text and, when it is one, its exact value and
    the metric it comes from, so a test can hold the page to results.json."""

    text: str
    metric: str = ""
    value: float | None = None


@dataclass(frozen=True)
class GlanceRow:
    architecture: str
    cells: list[Cell]


GLANCE_COLUMNS = ("rank", "up front", "per month", "pays back in", "cost of ownership",
                  "net present value", "weeks to put in", "your staff's hours",
                  "data lost in the afternoon outage", "parts lost in it", "leaving the vendor")
# The row of the shop as it runs now; the name is not an architecture's, so it never ranks.
TODAY = "today (no new connection)"


def _metric_cell(arch: ArchitectureResult, metric: str) -> Cell:
    return _cell(arch.metrics.get(metric), metric)


def _cell(summary: MetricSummary | None, metric: str) -> Cell:
    if summary is None or summary.mean is None:
        return Cell("-", metric, None)
    return Cell(number(summary.mean, summary.unit), metric, summary.mean)


def _summary_cell(metrics: dict[str, MetricSummary], metric: str) -> Cell:
    return _cell(metrics.get(metric), metric)


# Each consuming software's own figures: an MES fed every few seconds and an ERP fed by a
# nightly batch share nothing but the architecture, so one latency for both would mislead.
SOFTWARE_METRICS = (("latency_p50_ms", "half the data within"),
                    ("latency_p95_ms", "95 % of it within"),
                    ("late_fraction", "arrived late"), ("loss_fraction", "never arrived"))


@dataclass(frozen=True)
class SoftwareRow:
    architecture: str
    software: str
    kind: str
    cells: list[Cell]
    summaries: list[MetricSummary | None]


def software_rows(results: Results) -> list[SoftwareRow]:
    """A row per architecture and software it feeds, in the results' order."""
    rows = []
    for name, arch in results.architectures.items():
        kinds = {c.id: c.kind for c in arch.components if c.category == "software"}
        for software, figures in arch.per_consumer.items():
            summaries = [figures.get(metric) for metric, _ in SOFTWARE_METRICS]
            rows.append(SoftwareRow(
                name, software, kinds.get(software, ""),
                [_cell(summary, f"per_consumer.{software}.{metric}")
                 for summary, (metric, _) in zip(summaries, SOFTWARE_METRICS, strict=True)],
                summaries))
    return rows


def software_label(row: SoftwareRow) -> str:
    """The software's name in the scenario, with its kind when that says more."""
    return row.software if row.kind in ("", row.software) else f"{row.software} ({row.kind})"


def lock_in_words(score: float | None) -> str:
    if score is None:
        return "-"
    return next(words for limit, words in LOCK_IN_WORDS if score < limit)


def payback_text(arch: ArchitectureResult) -> Cell:
    """The median payback over every run and the share within the owner's target."""
    payback = arch.payback
    if payback is None:
        return Cell("-", "payback_median_months")
    share = (f" ({payback.within_target_share:.0%} of runs within "
             f"{payback.target_months:g} months)")
    if payback.median_months is None:
        return Cell(f"never in the median run{share}", "payback_median_months")
    return Cell(f"{payback.median_months:.1f} months{share}", "payback_median_months",
                payback.median_months)


def afternoon_of(results: Results, name: str) -> OutagePoint | None:
    section = results.compare
    if section is None:
        return None
    return next((p for p in section.outages.get(name, []) if p.outage_s == section.afternoon_s),
                None)


def glance(results: Results) -> list[GlanceRow]:
    rows = []
    order = ([r.architecture for r in results.compare.ranking] if results.compare
             else list(results.architectures))
    ranks = {r.architecture: r.rank for r in results.compare.ranking} if results.compare else {}
    for name in order:
        arch = results.architectures[name]
        outage = afternoon_of(results, name)
        score = arch.mean("lock_in_score")
        rows.append(GlanceRow(name, [
            Cell(str(ranks.get(name, "-"))),
            _metric_cell(arch, "capex_gbp"),
            _metric_cell(arch, "opex_gbp_per_month"),
            payback_text(arch),
            _metric_cell(arch, "tco_gbp"),
            _metric_cell(arch, "npv_gbp"),
            _metric_cell(arch, "effort_calendar_weeks"),
            _metric_cell(arch, "effort_staff_hours"),
            Cell(format_duration(outage.data_lost_minutes * 60) + " of data"
                 if outage else "-", "data_lost_minutes",
                 outage.data_lost_minutes if outage else None),
            Cell(f"{outage.production_lost_parts:,.0f}" if outage else "-",
                 "production_lost_parts_in_outage",
                 outage.production_lost_parts if outage else None),
            Cell(f"{lock_in_words(score)} ({score:.0f}/100)" if score is not None else "-",
                 "lock_in_score", score),
        ]))
    if results.baseline is not None:
        today = results.baseline.metrics
        rows.append(GlanceRow(TODAY, [
            Cell("not ranked"), _summary_cell(today, "capex_gbp"),
            _summary_cell(today, "opex_gbp_per_month"), Cell("-"),
            _summary_cell(today, "tco_gbp"), _summary_cell(today, "npv_gbp"),
            *(Cell("-") for _ in GLANCE_COLUMNS[6:])]))
    return rows


BOM_COLUMNS = (("connection hardware", "bom_connection_hardware_gbp"),
               ("licences", "bom_licences_gbp"),
               ("integration labour", "bom_integration_labour_gbp"),
               ("other software", "bom_other_software_gbp"), ("capex", "capex_gbp"),
               ("grant", "grant_gbp"), ("you pay", "capex_net_gbp"))


def bill_of_materials(results: Results) -> list[GlanceRow]:
    """Each option's capex by line (means over the runs; the lines sum to capex)."""
    return [GlanceRow(name, [_metric_cell(arch, metric) for _, metric in BOM_COLUMNS])
            for name, arch in results.architectures.items() if "capex_gbp" in arch.metrics]


def _always_pays_back(arch: ArchitectureResult) -> bool:
    return arch.payback is not None and arch.payback.never_share == 0.0


def _names(entries: list[str]) -> str:
    if len(entries) <= 1:
        return "".join(entries)
    return ", ".join(entries[:-1]) + " and " + entries[-1]


def _appraisal(results: Results) -> list[str]:
    """What the shop pays today, and each option's net present value against it."""
    baseline = results.baseline
    if baseline is None:
        return []
    today = baseline.metrics
    said = [f"Today, with no new connection, the shop spends about "
            f"{_summary_cell(today, 'status_quo_rekeying_gbp_per_month').text} a month "
            f"re-keying records and "
            f"{_summary_cell(today, 'status_quo_breakdowns_gbp_per_month').text} a month on "
            f"breakdowns found late; the options' benefits are what they save of this."]
    valued = sorted(((a.mean("npv_gbp"), n) for n, a in results.architectures.items()
                     if a.mean("npv_gbp") is not None), key=lambda v: (-(v[0] or 0.0), v[1]))
    if valued:
        grant = (f", after a grant of {baseline.grant_share_of_capex:.0%} of capex"
                 if baseline.grant_share_of_capex else "")
        worth = "; ".join(f"{n} {number(v or 0.0, 'GBP')}" for v, n in valued)
        said.append(f"Net present value over {baseline.appraisal_years:g} years against "
                    f"carrying on as today (discounted at {baseline.discount_rate:.1%} a "
                    f"year{grant}; below zero costs more than it saves): {worth}.")
    return said


def settling(results: Results) -> list[str]:
    """How far the runs went to settle the ranking, and the places they cannot separate."""
    stopping = results.stopping
    if stopping is None or len(stopping.order) < 2:
        return []
    if not stopping.criteria:
        # compare's answers already say no ranking was possible; run says it here
        return [] if results.compare else [
            "No ranking: none of your priorities has figures for these options (see the "
            "notes), so the runs had nothing to settle."]
    runs = f"{results.replications} replications of {format_duration(results.horizon_s)}"
    if results.compare is None:
        # `run` shows no ranking of its own: name the order the rule judged.
        weighed = ", ".join(stopping.criteria)
        lead = (f"Ranked by your priorities on {weighed}: "
                f"{', then '.join(stopping.order)}. ")
    else:
        lead = ""
    if not stopping.unseparated:
        return [f"{lead}The runs ({runs}) separate every place in that ranking."]
    tied = [f"{a} and {b}" for a, b in stopping.tied]
    open_pairs = [f"{a} and {b}" for a, b in stopping.unseparated if (a, b) not in stopping.tied]
    said = []
    if open_pairs:
        more = ("" if stopping.settled or results.replications < stopping.cap else
                f", even at the cap of {stopping.cap}")
        said.append(f"The runs ({runs}{more}) cannot say which is better of "
                    f"{'; '.join(open_pairs)}: read their order as a toss-up.")
    if tied:
        said.append(f"Practically tied for your priorities ({runs}): {'; '.join(tied)}.")
    said[0] = lead + said[0]
    return said


def sentences(results: Results, target: float) -> list[str]:
    """The plain-words answers, most important first."""
    said: list[str] = []
    archs = results.architectures
    section = results.compare
    if section:
        weights = ", ".join(f"{k} x{v:g}" for k, v in section.priorities.items())
        order = [r.architecture for r in section.ranking]
        weighed = [k for k, v in section.priorities.items() if v > 0
                   and section.ranking and k in section.ranking[0].normalised]
        if not weighed:
            # Every score is then 0 and the order is by name alone: no answer to give.
            said.append(f"No ranking for your priorities ({weights}): none of them had "
                        f"figures to compare (see the notes).")
        else:
            said.append(f"For your priorities ({weights}), the best fit is {order[0]}"
                        + (f", then {_names(order[1:3])}." if len(order) > 1 else "."))
    settled = settling(results)
    if said and settled:
        # How sure the ranking is belongs with the ranking: one answer, not two.
        said[-1] += " " + settled.pop(0)
    said.extend(settled)
    said.extend(_software_sentence(results))
    paybacks = [(n, a.payback) for n, a in archs.items() if a.payback is not None]
    if paybacks:
        good = [f"{n} (in {p.within_target_share:.0%} of runs)" for n, p in paybacks
                if p.within_target_share >= 0.5]
        bad = [f"{n} ({p.within_target_share:.0%})" for n, p in paybacks
               if 0 < p.within_target_share < 0.5]
        if good:
            said.append(f"Paying back within your {target:g} months in most runs: "
                        f"{_names(good)}.")
        if bad:
            said.append(f"Paying back within {target:g} months in fewer than half the runs: "
                        f"{_names(bad)}.")
        none = all(p.within_target_share == 0 for _, p in paybacks)
        ordered = sorted(paybacks, key=lambda np: (np[1].median_months is None,
                                                   np[1].median_months or 0.0))
        said.append((f"None pays back within your {target:g} months in any run. "
                     if none else "") + "In the median run they pay back in: " + "; ".join(
            f"{n} {'never' if p.median_months is None else f'{p.median_months:.0f} months'}"
            for n, p in ordered) + ".")
    costed = [(n, a.mean("capex_gbp"), a.mean("opex_gbp_per_month"))
              for n, a in archs.items() if a.mean("capex_gbp") is not None]
    if costed:
        cheapest = min(costed, key=lambda c: c[1] or 0)
        dearest = max(costed, key=lambda c: c[2] or 0)
        up_front = number(cheapest[1] or 0, "GBP")
        if cheapest[0] == dearest[0]:
            said.append(f"{cheapest[0]} is the cheapest up front ({up_front}) but the dearest "
                        f"each month ({number(dearest[2] or 0, 'GBP')}).")
        else:
            said.append(f"Cheapest up front: {cheapest[0]} ({up_front}, "
                        f"{number(cheapest[2] or 0, 'GBP')} a month). Dearest each month: "
                        f"{dearest[0]} ({number(dearest[2] or 0, 'GBP')}).")
    said.extend(_appraisal(results))
    weeks = [(n, a.mean("effort_calendar_weeks"), a.mean("effort_staff_hours"))
             for n, a in archs.items() if a.mean("effort_calendar_weeks") is not None]
    if weeks:
        quick = min(weeks, key=lambda w: w[1] or 0)
        slow = max(weeks, key=lambda w: w[1] or 0)
        said.append(f"Quickest to put in: {quick[0]} ({quick[1]:.1f} weeks, "
                    f"{quick[2] or 0:.0f} hours of your staff's time); slowest: {slow[0]} "
                    f"({slow[1]:.1f} weeks).")
    if section and any(section.outages.values()):
        hours = format_duration(section.afternoon_s)
        parts = []
        for name in archs:
            point = afternoon_of(results, name)
            if point is None:
                continue
            lost = ("loses no data" if point.data_lost_minutes <= 0 else
                    f"loses {format_duration(point.data_lost_minutes * 60)} of data")
            if point.production_lost_parts >= 0.5:
                lost += f" and stops production ({point.production_lost_parts:,.0f} parts)"
            parts.append(f"{name} {lost}")
        said.append(f"If the broadband drops for an afternoon ({hours}): " + "; ".join(parts)
                    + ".")
    scored = [(n, a.mean("lock_in_score")) for n, a in archs.items()
              if a.mean("lock_in_score") is not None]
    if scored:
        hardest = max(scored, key=lambda s: s[1] or 0)
        easiest = min(scored, key=lambda s: s[1] or 0)
        arch = archs[hardest[0]]
        proprietary = arch.mean("proprietary_path_share") or 0.0
        said.append(f"Hardest to leave: {hardest[0]} (lock-in {hardest[1]:.0f}/100; "
                    f"{proprietary:.0%} of data paths through proprietary formats). "
                    f"Easiest: {easiest[0]} ({easiest[1]:.0f}/100).")
    # The paired test sees only the replications where both pay back, so it says nothing
    # about a pair where one of them sometimes never pays back.
    undecided = [(a, b) for a, b in results.indistinguishable.get("payback_months", [])
                 if _always_pays_back(archs[a]) and _always_pays_back(archs[b])]
    if undecided:
        pairs = "; ".join(f"{a} and {b}" for a, b in undecided[:4])
        said.append(f"The runs cannot tell apart on payback: {pairs}. More replications would "
                    f"narrow it.")
    return said


def _software_sentence(results: Results) -> list[str]:
    """How fast the first-listed (best-ranked) architecture feeds each piece of software."""
    section = results.compare
    first = section.ranking[0].architecture if section and section.ranking else next(
        iter(results.architectures), None)
    reached = [f"{software_label(row)} within {row.cells[1].text}"
               for row in software_rows(results)
               if row.architecture == first and row.cells[1].value is not None]
    if not reached:
        return []
    return [f"With {first}, 95 % of the data reaches {_names(reached)} (each piece of "
            f"software's own figures are in the table per software)."]
