"""The calibration contract: what ``testbed calibrate --format json`` writes, one row per
published figure with the engine's measurement beside it and a verdict."""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Verdict = Literal["PASS", "FAIL", "KNOWN DIFFERENCE"]
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
    mapping: str = Field(description="how the engine's figure maps onto the publication's")
    verdict: Verdict
    reason: str = Field(description="why this verdict; a known difference's reason")


class CalibrationReport(_Model):
    schema_version: Literal["1"] = CALIBRATION_SCHEMA_VERSION
    tool_version: str
    size: Literal["full", "quick"]
    rows: list[CalibrationRow]

    @property
    def counts(self) -> Counter[str]:
        return Counter(row.verdict for row in self.rows)

    @property
    def failed(self) -> bool:
        return any(row.verdict == "FAIL" for row in self.rows)
