"""Calibration documents: one published measurement, the scenario that reproduces it, and the
rule that says whether the engine's figure agrees (docs/calibration.md).

A document names its publication once and lists the figures it reproduces (a survey's outages
*and* hours of downtime come from one set-up). Each figure says what the engine measures, how
that maps onto the publication's quantity (``factor``), and how close is close enough: the
published spread, a stated relative tolerance, or (for an exact result) the value itself; and
how precise the engine's figure must be for agreement to mean something (``precision``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from testbed.errors import InputError, Problem
from testbed.loader import load_document, validate_document
from testbed.params import Strict
from testbed.registry import Registry
from testbed.scenario import Scenario, load_scenario
from testbed.units import Duration

Strength = Literal["standard", "paper", "survey", "vendor", "secondary"]
# Figures of one element (a link or software) from the run record: how often it went down and
# for how long, scaled to a year of simulated time. The run's own figures (metrics, hours by
# integration task) are named by the workflow that computes them.
ELEMENT_FIGURES = ("outages_per_year", "downtime_hours_per_year")


class Publication(Strict):
    title: str = Field(min_length=1)
    authors: str = Field(min_length=1)
    year: int | None = Field(default=None, ge=1900, le=2100,
                             description="leave out only when the edition seen gives none")
    where: str = Field(min_length=1, description="doi, report page, table or section")
    strength: Strength


class Published(Strict):
    """The publication's figure and, when it gives one, its spread (an interval)."""

    value: float = Field(allow_inf_nan=False)
    low: float | None = Field(default=None, allow_inf_nan=False)
    high: float | None = Field(default=None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _spread(self) -> Published:
        if (self.low is None) != (self.high is None):
            raise ValueError("give both low and high for a spread, or neither")
        if self.low is not None and self.high is not None and \
                not self.low <= self.value <= self.high:
            raise ValueError("the spread must hold the value: low <= value <= high")
        return self


class Tolerance(Strict):
    """A band around a figure published without a spread, and what it rests on."""

    relative: float = Field(gt=0, le=1, description="half-width of the band over the value")
    basis: str = Field(min_length=1, description="why this width: the publication's rounding "
                                                 "or variability")


class Measure(Strict):
    architecture: str = Field(min_length=1, description="a candidate of the scenario")
    figures: list[str] = Field(min_length=1, description="engine figures, added together")
    element: str | None = Field(
        default=None, description="the link, translator or software an element figure is of")
    factor: float = Field(default=1.0, gt=0, le=1e6, allow_inf_nan=False,
                          description="multiplies the engine's figure into the publication's "
                                      "quantity and unit")
    mapping: str = Field(min_length=1,
                         description="how the engine's figure maps onto the publication's")

    @model_validator(mode="after")
    def _known(self) -> Measure:
        per_element = [n in ELEMENT_FIGURES for n in self.figures]
        if any(per_element) and not all(per_element):
            raise ValueError("element figures (outages_per_year, downtime_hours_per_year) "
                             "cannot be added to run figures")
        if all(per_element) != (self.element is not None):
            raise ValueError("element is needed by, and only by, element figures "
                             "(outages_per_year, downtime_hours_per_year)")
        return self


class CalibratedFigure(Strict):
    name: str = Field(min_length=1)
    quantity: str = Field(min_length=1, description="what the publication measured")
    unit: str = Field(min_length=1)
    published: Published
    tolerance: Tolerance | None = None
    measure: Measure
    precision: float = Field(
        default=0.1, gt=0, le=1,
        description="the widest 95 % interval that can tell agreement, as its half-width over "
                    "the published value, where the band is narrower (docs/calibration.md)")
    known_difference: str | None = Field(
        default=None, min_length=1,
        description="why the engine is expected to differ; a figure outside the band is then "
                    "a known difference, not a failure")

    @model_validator(mode="after")
    def _one_band(self) -> CalibratedFigure:
        if self.tolerance is not None and self.published.low is not None:
            raise ValueError("a figure with a published spread is judged by it: drop "
                             "tolerance")
        return self

    def band(self) -> tuple[float, float]:
        """The values that agree with the publication."""
        p = self.published
        if p.low is not None and p.high is not None:
            return p.low, p.high
        if self.tolerance is not None:
            half = abs(p.value) * self.tolerance.relative
            return p.value - half, p.value + half
        return p.value, p.value

    def precision_needed(self) -> float:
        """The widest half-width of the engine's 95 % interval that still tells agreement: the
        band's own, or the stated precision where the band is narrower (a rounded survey
        figure's band is far narrower than any sample of business-years could reach)."""
        low, high = self.band()
        return max((high - low) / 2, abs(self.published.value) * self.precision)


class Size(Strict):
    horizon: Duration = Field(gt=0)
    replications: int = Field(ge=2, le=1000)


class CalibrationDocument(Strict):
    """One publication reproduced through the engine (docs/calibration.md)."""

    schema_: str | None = Field(default=None, alias="$schema")
    name: str = Field(min_length=1)
    description: str = ""
    publication: Publication
    scenario: str = Field(min_length=1,
                          description="the scenario file, relative to this document")
    quick: Size = Field(description="the size the default test suite runs")
    figures: list[CalibratedFigure] = Field(min_length=1)


SCHEMA_ID = "https://interop-testbed.invalid/schema/calibration.schema.json"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of calibration documents (docs/schema/calibration.schema.json)."""
    schema = CalibrationDocument.model_json_schema(by_alias=True)
    schema["$id"] = SCHEMA_ID
    return schema


@dataclass(frozen=True)
class Calibration:
    """A checked calibration document with its scenario loaded."""

    path: Path
    document: CalibrationDocument
    scenario: Scenario
    scenario_path: Path


def _check(document: CalibrationDocument, scenario: Scenario) -> list[Problem]:
    problems: list[Problem] = []
    names = [a.name for a in scenario.architectures]
    elements = {link.name for link in scenario.shop.links} | \
        {s.name for s in scenario.software}
    seen: set[str] = set()
    for i, figure in enumerate(document.figures):
        if figure.name in seen:
            problems.append(Problem(f"figures[{i}].name", f"the name {figure.name!r} is used "
                                                          f"twice"))
        seen.add(figure.name)
        if figure.measure.architecture not in names:
            problems.append(Problem(f"figures[{i}].measure.architecture",
                                    f"the scenario has no architecture "
                                    f"{figure.measure.architecture!r}; it has: "
                                    f"{', '.join(names)}"))
        element = figure.measure.element
        if element is not None and element not in elements:
            problems.append(Problem(f"figures[{i}].measure.element",
                                    f"the scenario has no link or software {element!r}; it "
                                    f"has: {', '.join(sorted(elements))}"))
    return problems


def load_calibration(path: str | os.PathLike[str], registry: Registry) -> Calibration:
    """Load a calibration document and the scenario it names.

    :raises InputError: naming the file, line, field and what is allowed, for every problem
        (in the scenario's own file when the scenario is at fault).
    """
    data, lines = load_document(path)
    document = validate_document(CalibrationDocument, data, path, lines)
    scenario_path = Path(path).parent / document.scenario
    if not scenario_path.is_file():
        raise InputError(os.fspath(path), [Problem("scenario", f"no scenario file "
                                                               f"{os.fspath(scenario_path)}")])
    scenario = load_scenario(scenario_path, registry)
    problems = _check(document, scenario)
    if problems:
        raise InputError(os.fspath(path), problems)
    return Calibration(Path(path), document, scenario, scenario_path)
