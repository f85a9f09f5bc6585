"""The calibration contract: what ``testbed calibrate --format json`` writes, one row per
published figure with the engine's measurement beside it and a verdict."""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Verdict = Literal["PASS", "INCONCLUSIVE", "FAIL", "KNOWN DIFFERENCE"]
CALIBRATION_SCHEMA_VERSION: Literal["1"] = "1"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CalibrationRow(_Model):
    calibration: str = Field(description="the calibration document's name")
    figure: str = Field(description="the figure's name within it")
    file: str
    source: str = Field(description="authors, year, title and where in it")
    strength: str
    quantity: str
    unit: str
    published: float
    published_spread: tuple[float, float] | None = Field(
        description="the publication's interval; null when it gives a value only")
    band: tuple[float, float] = Field(
        description="the values that agree with the publication: its spread, the stated "
                    "tolerance around its value, or the value itself")
    band_basis: str
    measured: float | None = Field(
        description="mean over the replications, in the published unit; null when no "
                    "replication gave the figure")
    ci95: tuple[float, float] | None = Field(
        description="95 % interval of the mean; null when the figure did not vary")
    replications: int
    precision: float = Field(
        description="the widest half-width of the 95 % interval that tells agreement: the "
                    "band's, or the figure's stated precision times the published value where "
                    "the band is narrower")
    replications_needed: int | None = Field(
        description="for INCONCLUSIVE: about how many replications would reach the precision "
                    "at the spread observed; null otherwise")
    mapping: str = Field(description="how the engine's figure maps onto the publication's")
    verdict: Verdict
    reason: str = Field(description="why this verdict and what it proves; a known "
                                    "difference's reason")


class CalibrationReport(_Model):
    schema_version: Literal["1"] = CALIBRATION_SCHEMA_VERSION
    tool_version: str
    size: Literal["full", "quick"]
    rows: list[CalibrationRow]

    @property
    def counts(self) -> Counter[str]:
        return Counter(row.verdict for row in self.rows)

    @property
    def upheld(self) -> bool:
        """Whether every figure agrees with its publication or differs for a stated reason: a
        figure too imprecise to tell is not upheld, as one that disagrees is not."""
        return all(row.verdict in ("PASS", "KNOWN DIFFERENCE") for row in self.rows)
