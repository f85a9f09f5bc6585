"""The verification report as one self-contained HTML page, rendered from verdicts.json."""

from __future__ import annotations

from html import escape

from testbed.results.verify import CaseVerdict, VerificationReport

_COLOURS = {"PASS": "#2e7d32", "FAIL": "#c62828", "INCONCLUSIVE": "#b26a00",
            "NOT APPLICABLE": "#607d8b", "NOT EXECUTED": "#6a1b9a", "INCOMPLETE": "#6a1b9a"}
_STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0 auto;
       max-width: 1000px; padding: 1.5rem; color: #1d2733; line-height: 1.45; }
table { border-collapse: collapse; width: 100%; font-size: 0.86rem; margin: 0.6rem 0; }
th, td { border-bottom: 1px solid #dde3ea; padding: 0.3rem 0.45rem; text-align: left;
         vertical-align: top; }
thead th { background: #eef3f8; } .verdict { color: #fff; border-radius: 3px;
padding: 0.05rem 0.4rem; font-weight: 600; white-space: nowrap; }
.banner { font-size: 1.4rem; padding: 0.6rem 1rem; border-radius: 6px; color: #fff; }
code { background: #eef3f8; padding: 0 0.25rem; border-radius: 3px; } div.scroll {
overflow-x: auto; }
"""


def _badge(verdict: str) -> str:
    return (f'<span class="verdict" style="background:{_COLOURS[verdict]}">'
            f"{escape(verdict)}</span>")


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:,.4g}"


def _case_row(case: CaseVerdict) -> str:
    e = case.evidence
    ci = f"[{_number(e.ci95[0])}, {_number(e.ci95[1])}]" if e.ci95 else "-"
    return (f"<tr><td>{escape(case.machine or '-')}</td><td>{escape(case.architecture or '-')}"
            f"</td><td>{escape(case.fault)}</td><td>{_badge(case.verdict)}<br>"
            f"<code>{escape(case.reason)}</code></td><td>{escape(case.detail)}</td>"
            f"<td>{_number(e.measured)} {escape(e.unit)}</td><td>{ci}</td>"
            f"<td>{_number(e.threshold)}</td><td>{e.replications}</td><td>{e.seed}</td></tr>")


def render(report: VerificationReport) -> str:
    product = report.product
    rows = "".join(
        f"<tr><td><code>{escape(c.id)}</code></td><td>{c.level}</td><td>{escape(c.type)}</td>"
        f"<td>{escape(c.statement)}</td><td>{_badge(c.verdict)}<br><code>{escape(c.reason)}"
        f"</code></td></tr>" for c in report.claims)
    details = []
    for claim in report.claims:
        cases = "".join(_case_row(case) for case in claim.cases)
        details.append(
            f'<h3 id="{escape(claim.id)}"><code>{escape(claim.id)}</code> [{claim.level}] '
            f"{_badge(claim.verdict)}</h3><p>{escape(claim.statement)}</p>"
            f"<p>Rerun alone: <code>{escape(claim.command)}</code></p>"
            '<div class="scroll"><table><thead><tr><th>machine</th><th>architecture</th>'
            "<th>fault</th><th>verdict</th><th>why</th><th>measured</th><th>95 % interval</th>"
            "<th>threshold</th><th>replications</th><th>seed</th></tr></thead>"
            f"<tbody>{cases}</tbody></table></div>")
    counts = ", ".join(f"{k}: {v}" for k, v in report.summary.items() if v)
    rate = ("-" if report.must_pass_rate is None else f"{report.must_pass_rate:.0%}")
    plugins = ", ".join(f"{k} ({v})" for k, v in sorted(report.plugins.items()))
    title = f"{product['name']} ({product['vendor']}): verification"
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{escape(title)}</h1>"
            f'<p class="banner" style="background:{_COLOURS[report.overall]}">Overall: '
            f"{escape(report.overall)}</p>"
            f"<p>Claims: {escape(counts)}. MUST claims passed: {rate}. A MUST that fails makes "
            "the whole FAIL; a MUST that did not run or stayed inconclusive makes it "
            "INCOMPLETE.</p>"
            '<div class="scroll"><table><thead><tr><th>id</th><th>level</th><th>type</th>'
            f"<th>claim</th><th>verdict</th></tr></thead><tbody>{rows}</tbody></table></div>"
            "<h2>Evidence, claim by claim</h2>" + "".join(details)
            + f"<h2>Reproduce</h2><p><code>{escape(report.command)}</code></p>"
            f"<p>Seed {report.seed}; testbed {escape(report.tool_version)}; plugins: "
            f"{escape(plugins)}.</p></body></html>\n")
