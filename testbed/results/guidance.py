"""The guidance study's results contract (results.json of `testbed guidance`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Change(_Model):
    """The mean change across shops (guided minus baseline), paired, with its 95 % interval."""

    mean_change: float | None
    ci95: tuple[float, float] | None
    n: int = Field(description="shops with a figure in both runs")
    unit: str
    better: Literal["lower", "higher"]


class Worse(_Model):
    shop: str
    size: str
    metric: str
    change: float = Field(description="guided minus baseline, beyond that shop's own noise")


class VariantResult(_Model):
    adopted_by: int = Field(description="shops that follow the rule(s) of this variant")
    changes: dict[str, Change]
    by_size: dict[str, dict[str, Change]]
    worse: list[Worse]
    choices: dict[str, str | None] = Field(description="shop -> architecture it takes")


class StudyResults(_Model):
    schema_version: Literal["1"] = "1"
    tool_version: str
    region: str
    guidance: str
    seed: int
    shops: int
    replications: int
    horizon_s: float
    plugins: dict[str, str]
    command: str
    rules: list[dict[str, Any]]
    sizes: dict[str, str]
    baseline_choices: dict[str, str | None]
    baseline_means: dict[str, float]
    variants: dict[str, VariantResult]
