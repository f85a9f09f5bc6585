"""What `run` and `compare` say before they start: the engine, the events each replication can
expect (and which figures will rest on too few), and the time it should take."""

from __future__ import annotations

from testbed.experiments.planning import FEW_EVENTS, MESSAGE_BUDGET, RESTING, Preview
from testbed.units import format_duration

# Below this a study just runs; above it the owner is told how long to wait.
QUIET_BELOW_S = 60.0


def _number(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 else f"{x:.2g}"


def _count(low: float, high: float) -> str:
    return _number(low) if _number(low) == _number(high) else f"{_number(low)} to {_number(high)}"


def lines(p: Preview, horizon_s: float, replications: int, cap: int, jobs: int,
          extra_rounds: int = 0, extra_seconds: float = 0.0) -> list[str]:
    """Sentences for the terminal. ``extra_rounds`` are rounds of every architecture run for
    each replication (compare's what-ifs); ``extra_seconds`` work that does not grow with the
    replications (compare's scripted outages)."""
    horizon = format_duration(horizon_s)
    if p.auto:
        versus = "more" if p.fidelity == "flow" else "no more"
        said = [f"engine: {p.fidelity} level (fidelity auto: at message level the first "
                f"{replications} replications would simulate about {p.messages:,.0f} machine "
                f"messages, {versus} than the {MESSAGE_BUDGET:,} auto allows)"]
    else:
        said = [f"engine: {p.fidelity} level, as the scenario says"]
    if p.expected:
        counts = ", ".join(f"{_count(*span)} {kind}" for kind, span in p.expected.items())
        said.append(f"each replication of {horizon} can expect {counts}")
    for kind, (low, _) in p.expected.items():
        if low * cap < FEW_EVENTS:
            said.append(f"too few {kind} to judge by: about {low * replications:.2g} in "
                        f"{replications} replications ({low * cap:.2g} even at the cap of "
                        f"{cap}), so {RESTING[kind]} will rest on few or none; a longer "
                        f"horizon would meet more")
    least = (p.seconds_per_round * replications * (1 + extra_rounds) + extra_seconds) / jobs
    most = (p.seconds_per_round * cap * (1 + extra_rounds) + extra_seconds) / jobs
    if most > QUIET_BELOW_S:
        span = format_duration(least) if most <= least * 1.05 else \
            f"{format_duration(least)} to {format_duration(most)}"
        said.append(f"estimated time: {span} on {jobs} process{'es' if jobs > 1 else ''} "
                    f"(more replications are added until the ranking settles, up to {cap})")
    return said
