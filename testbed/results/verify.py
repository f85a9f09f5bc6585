"""The verification contract: ``verdicts.json`` (the JUnit XML a vendor's CI reads is rendered
from it by :mod:`testbed.report.junit`).

Verdicts follow conformance-testing practice (OPC UA certification, the Eclipse Sparkplug
TCK, AMWA NMOS testing): PASS, FAIL, INCONCLUSIVE (the interval straddles the threshold),
NOT APPLICABLE and NOT EXECUTED, each with a machine-readable reason; overall INCOMPLETE when a
MUST claim did not run.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Verdict = Literal["PASS", "FAIL", "INCONCLUSIVE", "NOT APPLICABLE", "NOT EXECUTED"]
Overall = Literal["PASS", "FAIL", "INCOMPLETE"]
VERDICTS_SCHEMA_VERSION: Literal["1"] = "1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Evidence(_Model):
    measured: float | None = Field(description="the figure, over the replications")
    ci95: tuple[float, float] | None = None
    threshold: float | None = None
    unit: str = ""
    replications: int = 0
    seed: int
    scenario: str = Field(description="the reference shop the case ran in")


class CaseVerdict(_Model):
    case: str = Field(description="claim id / machine / architecture / fault profile")
    machine: str | None = None
    architecture: str | None = None
    fault: str = "none"
    verdict: Verdict
    reason: str = Field(description="machine-readable reason, e.g. 'within-threshold'")
    detail: str = Field(description="the reason in words")
    evidence: Evidence


class ClaimVerdict(_Model):
    id: str
    level: Literal["MUST", "SHOULD", "MAY"]
    type: str
    statement: str
    verdict: Verdict
    reason: str
    command: str = Field(description="the command that reruns this claim alone")
    cases: list[CaseVerdict]


class VerificationReport(_Model):
    schema_version: Literal["1"] = VERDICTS_SCHEMA_VERSION
    tool_version: str
    plugins: dict[str, str]
    product: dict[str, str]
    seed: int
    command: str
    overall: Overall
    summary: dict[str, int]
    must_pass_rate: float | None
    claims: list[ClaimVerdict]


def claim_verdict(cases: list[CaseVerdict]) -> tuple[Verdict, str]:
    """One claim's verdict from its cases: any failure fails it, any doubt leaves it open."""
    verdicts = Counter(c.verdict for c in cases)
    if verdicts["FAIL"]:
        return "FAIL", "a-case-failed"
    if verdicts["NOT EXECUTED"]:
        return "NOT EXECUTED", "a-case-did-not-run"
    if verdicts["INCONCLUSIVE"]:
        return "INCONCLUSIVE", "a-case-was-inconclusive"
    if verdicts["PASS"]:
        return "PASS", "every-applicable-case-passed"
    return "NOT APPLICABLE", "no-case-applies"


def overall(claims: list[ClaimVerdict]) -> Overall:
    musts = [c for c in claims if c.level == "MUST"]
    if any(c.verdict == "FAIL" for c in musts):
        return "FAIL"
    if any(c.verdict in ("NOT EXECUTED", "INCONCLUSIVE") for c in musts):
        return "INCOMPLETE"
    return "PASS"
