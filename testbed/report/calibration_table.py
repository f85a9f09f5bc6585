"""The terminal table of `testbed calibrate`, rendered from the calibration contract.

It follows the run's tables (:func:`testbed.report.table.stacked`): every cell on one line,
stacked tables at narrow widths, the figure's name repeated in each. What a verdict rests on,
when it is not a plain PASS, is a numbered note under the table rather than a column.
"""

from __future__ import annotations

from rich.console import Console

from testbed.report.table import stacked
from testbed.results.calibration import CalibrationReport, CalibrationRow

VERDICTS = ("PASS", "KNOWN DIFFERENCE", "INCONCLUSIVE", "FAIL")


def _number(value: float | None) -> str:
    if value is None:
        return "none"
    return f"{value:.4g}" if abs(value) < 1e5 else f"{value:,.0f}"


def name(row: CalibrationRow) -> str:
    """The calibration, the figure and its unit: the row's key."""
    return f"{row.calibration}: {row.figure}, {row.unit}"


def published(row: CalibrationRow) -> str:
    """The publication's figure with its spread (or the band the calibration allows)."""
    text = _number(row.published)
    if row.published_spread is not None:
        low, high = row.published_spread
        return f"{text} ({_number(low)}-{_number(high)})"
    low, high = row.band
    return text if low == high else f"{text} (±{_number((high - low) / 2)})"


def measured(row: CalibrationRow) -> str:
    """The mean over the replications and its 95 % interval where it varied."""
    text = _number(row.measured)
    if row.ci95 is not None:
        text += f" [{_number(row.ci95[0])}, {_number(row.ci95[1])}]"
    return text


def render(report: CalibrationReport, console: Console) -> None:
    notes: list[str] = []
    verdicts: list[str] = []
    for row in report.rows:
        if row.verdict == "PASS":
            verdicts.append(row.verdict)
            continue
        # Figures differing for one reason (a protocol's round trip each) share its note.
        note = f"{row.verdict}: {row.reason}"
        if note not in notes:
            notes.append(note)
        verdicts.append(f"{row.verdict} [{notes.index(note) + 1}]")
    stacked(console, f"Calibration against published measurements ({report.size} size)",
            "calibration", "published figure, unit", [name(row) for row in report.rows],
            # The verdict first: at narrow widths it stays beside the figure's name.
            [("verdict", verdicts),
             ("published (spread)", [published(row) for row in report.rows]),
             ("measured [95 % CI]", [measured(row) for row in report.rows]),
             ("n", [str(row.replications) for row in report.rows])])
    for number, note in enumerate(notes, 1):
        console.print(f"[{number}] {note}", highlight=False, markup=False)
    counts = report.counts
    console.print(", ".join(f"{verdict} {counts[verdict]}" for verdict in VERDICTS
                            if counts[verdict]), highlight=False, markup=False)
    if counts["INCONCLUSIVE"]:
        cure = "run at full size (without --quick)" if report.size == "quick" else \
            "give --max-replications the number its note gives"
        console.print(f"INCONCLUSIVE is not agreement: the runs are too few to tell; {cure}.",
                      highlight=False, markup=False)
