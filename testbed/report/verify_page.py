"""The verification report as one self-contained HTML page, rendered from verdicts.json.

The page is templates/verify.html; this module gives it the report and the verdicts' colours.
"""

from __future__ import annotations

from testbed.report.templating import render as render_template
from testbed.results.verify import VerificationReport

_COLOURS = {"PASS": "#2e7d32", "FAIL": "#c62828", "INCONCLUSIVE": "#b26a00",
            "NOT APPLICABLE": "#607d8b", "NOT EXECUTED": "#6a1b9a", "INCOMPLETE": "#6a1b9a"}


def render(report: VerificationReport) -> str:
    product = report.product
    return render_template(
        "verify.html",
        title=f"{product['name']} ({product['vendor']}): verification",
        tool_version=report.tool_version,
        report=report,
        colours=_COLOURS,
        counts=", ".join(f"{k}: {v}" for k, v in report.summary.items() if v),
        rate="-" if report.must_pass_rate is None else f"{report.must_pass_rate:.0%}",
        plugins=", ".join(f"{k} ({v})" for k, v in sorted(report.plugins.items())),
    )
