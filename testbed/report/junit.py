"""JUnit XML for a vendor's CI, rendered from the verification contract."""

from __future__ import annotations

from collections import Counter
from typing import Any
from xml.etree import ElementTree

from testbed.results.verify import VerificationReport


def junit(report: VerificationReport) -> str:
    """JUnit XML: a suite per claim, a test case per case; FAIL is a failure, INCONCLUSIVE and
    NOT EXECUTED are errors, NOT APPLICABLE is skipped."""
    suites = ElementTree.Element("testsuites", name=f"testbed verify {report.product['name']}")
    for claim in report.claims:
        counts = Counter(c.verdict for c in claim.cases)
        suite = ElementTree.SubElement(
            suites, "testsuite", name=f"{claim.id} [{claim.level}] {claim.type}",
            tests=str(len(claim.cases)), failures=str(counts["FAIL"]),
            errors=str(counts["INCONCLUSIVE"] + counts["NOT EXECUTED"]),
            skipped=str(counts["NOT APPLICABLE"]))
        for case in claim.cases:
            element = ElementTree.SubElement(suite, "testcase", classname=claim.id,
                                             name=case.case)
            attrs: dict[str, Any] = {"message": f"{case.verdict}: {case.detail}",
                                     "type": case.reason}
            if case.verdict == "FAIL":
                ElementTree.SubElement(element, "failure", attrs).text = case.detail
            elif case.verdict in ("INCONCLUSIVE", "NOT EXECUTED"):
                ElementTree.SubElement(element, "error", attrs).text = case.detail
            elif case.verdict == "NOT APPLICABLE":
                ElementTree.SubElement(element, "skipped", attrs)
            ElementTree.SubElement(element, "system-out").text = case.evidence.model_dump_json()
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(
        suites, encoding="unicode") + "\n"
