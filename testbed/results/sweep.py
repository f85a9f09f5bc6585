"""The sweep contract: ``sweep.json``, one row per grid point and architecture."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from testbed.results.run import MetricSummary


class SweepRow(BaseModel):
    model_config = ConfigDict(extra="ignore")
    parameters: dict[str, Any]
    architecture: str
    metrics: dict[str, MetricSummary]


class SweepResults(BaseModel):
    model_config = ConfigDict(extra="ignore")
    schema_version: str = "1"
    tool_version: str
    scenario: str
    seed: int
    replications: int
    command: str
    parameters: dict[str, list[Any]]
    rows: list[SweepRow]
