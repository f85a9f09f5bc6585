"""What a broadband outage of a given length costs each architecture.

For each length the same replication is run twice on the same random numbers, once with the
internet link forced down for that long an hour into the run and once without; the
difference is what the outage itself cost: deliveries lost, how many minutes of the shop's
data that is, and parts not made.
"""

from __future__ import annotations

from dataclasses import dataclass

from testbed.assemble import Assembly
from testbed.metrics.connectivity import production_lost_parts
from testbed.seeds import derive_seed
from testbed.sim.model import FactoryModel
from testbed.sim.record import RunRecord

LEAD_S = 3600.0   # the outage starts an hour in, once polls and batches have settled
TAIL_S = 3600.0   # and the run goes on for an hour after it ends


@dataclass(frozen=True)
class OutageCost:
    outage_s: float
    lost_deliveries: float
    data_lost_minutes: float
    production_lost_parts: float


def _run(assembly: Assembly, seed: int, internet: str, outage: float,
         horizon: float) -> RunRecord:
    model = FactoryModel(assembly.machines, assembly.network, assembly.wiring, seed)
    if outage > 0:
        model.schedule_outage([internet], LEAD_S, outage)
    return model.run(horizon)


def outage_cost(assembly: Assembly, scenario_seed: int, internet: str,
                length: float) -> OutageCost:
    """What one outage of ``length`` seconds on the ``internet`` link costs this assembly."""
    seed = derive_seed(scenario_seed, "outage-sweep")
    horizon = LEAD_S + length + TAIL_S
    base = _run(assembly, seed, internet, 0.0, horizon)
    hit = _run(assembly, seed, internet, length, horizon)
    lost = max(0, sum(map(sum, (c.lost for c in hit.consumers)))
               - sum(map(sum, (c.lost for c in base.consumers))))
    generated = sum(map(sum, (c.generated for c in base.consumers)))
    per_minute = generated / (horizon / 60.0) if generated else 0.0
    return OutageCost(
        outage_s=length,
        lost_deliveries=float(lost),
        data_lost_minutes=lost / per_minute if per_minute else 0.0,
        production_lost_parts=max(0.0, production_lost_parts(hit) - production_lost_parts(base)),
    )
