"""What a live run leaves behind: the live figures, the simulated figures of the same run, and
a side-by-side comparison with the pace the run kept."""

from __future__ import annotations

import json
from pathlib import Path

from testbed.files import write_atomically
from testbed.results.live import LiveReport, summary
from testbed.results.run import to_json


def write(report: LiveReport, out: Path) -> list[Path]:
    """results.json (the live figures, in the results contract), simulated.json (the same
    run as the simulated consumers measured it) and live.json (the comparison and pace)."""
    out.mkdir(parents=True, exist_ok=True)
    files = [out / "results.json", out / "simulated.json", out / "live.json"]
    write_atomically(files[0], to_json(report.live))
    write_atomically(files[1], to_json(report.simulated))
    write_atomically(files[2], json.dumps(summary(report), indent=2, allow_nan=False) + "\n")
    return files
