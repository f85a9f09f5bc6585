"""`testbed calibrate`: run each calibration's scenario through the engine, the normal way, and
judge the measured figure against the published one (docs/calibration.md).

Each replication is the one ``testbed run`` would make (same seeds, same engine, same figures);
the workflow reads the figure the calibration names from it, scales it into the publication's
quantity, and gives the mean and its 95 % interval over the replications. A figure agrees with
the publication when that interval meets the publication's band and is precise enough to tell
(:mod:`calibration_verdict`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from testbed import __version__
from testbed.assemble import Assembly, assemble
from testbed.calibration import ELEMENT_FIGURES, CalibratedFigure, Calibration
from testbed.errors import InputError, Problem
from testbed.experiments.planning import resolved
from testbed.experiments.replications import (
    figures_of,
    project_figures,
    replication_seed,
    simulate,
)
from testbed.metrics.definitions import METRICS
from testbed.metrics.effort import PHASES
from testbed.metrics.stats import confidence_interval
from testbed.registry import Registry
from testbed.results.calibration import CalibrationReport, CalibrationRow
from testbed.scenario import Scenario
from testbed.sim.record import RunRecord
from testbed.workflows.calibration_verdict import Judgement, judge
from testbed.workflows.stopping import next_count

YEAR_S = 365 * 86_400.0
TASKS = (*PHASES, "learning")


def figure_names() -> list[str]:
    """Every figure a calibration may measure: the run's metrics, hours by integration task,
    and the outages and downtime of one element."""
    return [*METRICS, *(f"effort_hours_{task}" for task in TASKS), *ELEMENT_FIGURES]


def check_figures(calibration: Calibration) -> None:
    """:raises InputError: a figure the engine does not give, naming those it does."""
    allowed = figure_names()
    problems = [Problem(f"figures[{i}].measure.figures[{j}]",
                        f"no figure {name!r}; allowed: {', '.join(allowed)}")
                for i, figure in enumerate(calibration.document.figures)
                for j, name in enumerate(figure.measure.figures) if name not in allowed]
    if problems:
        raise InputError(os.fspath(calibration.path), problems)


def _sized(scenario: Scenario, quick: bool, calibration: Calibration,
           max_replications: int | None) -> Scenario:
    if not quick:
        if max_replications is None:
            return scenario
        return scenario.model_copy(update={
            "max_replications": max(max_replications, scenario.replications)})
    size = calibration.document.quick
    # The quick size is the test suite's, fixed: it adds no replications.
    return scenario.model_copy(update={"horizon": size.horizon,
                                       "replications": size.replications,
                                       "max_replications": size.replications})


def _value(figure: CalibratedFigure, index: int, record: RunRecord,
           figures: dict[str, float | None], file: str) -> float | None:
    element = figure.measure.element
    total = 0.0
    for name in figure.measure.figures:
        value: float | None
        if name in ELEMENT_FIGURES:
            assert element is not None  # the document model requires it
            if element not in record.outages:
                raise InputError(file, [Problem(f"figures[{index}].measure.element", (
                    f"{element!r} is on no data path of architecture "
                    f"{figure.measure.architecture!r}, so the run does not simulate it"))])
            per_year = YEAR_S / record.horizon
            value = (record.outages[element] * per_year if name == "outages_per_year"
                     else record.downtime[element] / 3600.0 * per_year)
        else:
            value = figures.get(name)
        if value is None:
            return None
        total += value
    return total * figure.measure.factor


def _basis(figure: CalibratedFigure) -> str:
    if figure.published.low is not None:
        return "the published spread"
    if figure.tolerance is not None:
        return f"±{figure.tolerance.relative:.0%} of the value: {figure.tolerance.basis}"
    return "the exact value"


def _measure(scenario: Scenario, assembly: Assembly, replications: range,
             figures: Sequence[tuple[int, CalibratedFigure]], values: dict[str, list[float]],
             file: str) -> None:
    """Run ``replications`` of one architecture and add each figure's value to ``values``."""
    for replication in replications:
        seed = replication_seed(scenario.seed, replication)
        record = simulate(scenario, assembly, seed)
        metrics, _, _ = figures_of(record)
        project, hours, _ = project_figures(scenario, assembly, record, seed)
        measured: dict[str, float | None] = {
            **metrics, **project,
            **{f"effort_hours_{task}": hours.get(task, 0.0) for task in TASKS}}
        for number, figure in figures:
            value = _value(figure, number, record, measured, file)
            if value is not None:
                values[figure.name].append(value)


def _calibrate_one(calibration: Calibration, registry: Registry, quick: bool,
                   max_replications: int | None) -> list[CalibrationRow]:
    """Every figure of one calibration, measured over its replications: those of its size,
    doubled up to the scenario's cap (as `run` does) while a figure is too imprecise to
    tell."""
    file = os.fspath(calibration.scenario_path)
    document_file = os.fspath(calibration.path)
    scenario = resolved(_sized(calibration.scenario, quick, calibration, max_replications),
                        registry, file)
    names = [a.name for a in scenario.architectures]
    figures = calibration.document.figures
    values: dict[str, list[float]] = {f.name: [] for f in figures}
    judged: dict[str, Judgement] = {}
    assemblies: dict[int, Assembly] = {}
    done, count, cap = 0, scenario.replications, scenario.replication_cap
    while True:
        open_ = [(number, f) for number, f in enumerate(figures)
                 if f.name not in judged or judged[f.name].verdict == "INCONCLUSIVE"]
        for index in sorted({names.index(f.measure.architecture) for _, f in open_}):
            if index not in assemblies:
                assemblies[index] = assemble(scenario, index, registry, file)
            _measure(scenario, assemblies[index], range(done, count),
                     [(n, f) for n, f in open_ if f.measure.architecture == names[index]],
                     values, document_file)
        judged.update({f.name: judge(f, values[f.name]) for _, f in open_})
        done = count
        if count >= cap or all(j.verdict != "INCONCLUSIVE" for j in judged.values()):
            break
        count = next_count(count, cap)
    return [_row(calibration, figure, values[figure.name], judged[figure.name])
            for figure in figures]


def _row(calibration: Calibration, figure: CalibratedFigure, values: Sequence[float],
         judgement: Judgement) -> CalibrationRow:
    document = calibration.document
    publication = document.publication
    published = figure.published
    spread = None if published.low is None or published.high is None \
        else (published.low, published.high)
    interval = confidence_interval(values) if values else None
    ci = None if interval is None or interval.lo is None or interval.hi is None or \
        interval.lo == interval.hi else (interval.lo, interval.hi)
    return CalibrationRow(
        calibration=document.name, figure=figure.name, file=os.fspath(calibration.path),
        source=f"{publication.authors}, {publication.title} "
               f"({'' if publication.year is None else f'{publication.year}; '}"
               f"{publication.where})",
        strength=publication.strength, quantity=figure.quantity, unit=figure.unit,
        published=published.value, published_spread=spread, band=figure.band(),
        band_basis=_basis(figure), replications=len(values),
        precision=figure.precision_needed(), replications_needed=judgement.needed,
        mapping=figure.measure.mapping.strip(),
        measured=None if interval is None else interval.mean, ci95=ci,
        verdict=judgement.verdict, reason=judgement.reason)


def calibrate(calibrations: Sequence[Calibration], registry: Registry,
              quick: bool = False, max_replications: int | None = None) -> CalibrationReport:
    """Every calibration, in the order given; every document's figures are checked before
    any runs. ``max_replications`` replaces each scenario's cap at full size (never below
    the replications it starts with).

    :raises InputError: a calibration names a figure or element the run does not give.
    :raises PluginError: a plugin failed while wiring.
    """
    for calibration in calibrations:
        check_figures(calibration)
    rows = [row for calibration in calibrations
            for row in _calibrate_one(calibration, registry, quick, max_replications)]
    return CalibrationReport(tool_version=__version__, size="quick" if quick else "full",
                             rows=rows)


def bundled_directory() -> Path:
    """The calibrations shipped with the testbed (``scenarios/calibration/``)."""
    package = Path(__file__).resolve().parent.parent
    # A wheel carries them inside the package (pyproject's force-include); a checkout or an
    # editable install reads them where they are written.
    inside = package / "_calibration"
    return inside if inside.is_dir() else package.parent / "scenarios" / "calibration"


def calibration_files(paths: Sequence[Path]) -> list[Path]:
    """The documents named, a directory standing for its ``*.yaml`` files (not those of its
    subdirectories, where the scenarios they run live)."""
    files: list[Path] = []
    for path in paths or [bundled_directory()]:
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return files
