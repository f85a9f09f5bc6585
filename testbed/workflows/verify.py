"""`testbed verify`: a vendor's claims compiled into test cases over reference shops, run with
enough replications for each verdict to mean something, and judged.

Each claim type has a test here. Statistical figures (latency, effort) start at
``min_replications`` and double while the 95 % interval straddles the threshold, up to
``max_replications``; a case still straddling is INCONCLUSIVE. Resilience runs
``min_replications`` scripted outages: any loss fails it, and the recovery time is judged on
those runs' interval.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from testbed import __version__
from testbed.assemble import Assembly, assemble
from testbed.claims import (
    ClaimsDocument,
    CompatibilityClaim,
    EffortClaim,
    LatencyClaim,
    OpennessClaim,
    ResilienceClaim,
)
from testbed.errors import InputError
from testbed.experiments.executor import Executor, Payload, Result
from testbed.experiments.replications import run_replication
from testbed.experiments.tasks import TaskCache, run_tasks
from testbed.loader import validate_document
from testbed.metrics.effort import plan
from testbed.metrics.lockin import lock_in
from testbed.metrics.stats import confidence_interval, widened
from testbed.registry import PluginError, Registry
from testbed.results.verify import (
    CaseVerdict,
    ClaimVerdict,
    Evidence,
    VerificationReport,
    claim_verdict,
    overall,
)
from testbed.scenario import Scenario, scenario_model
from testbed.seeds import derive_seed, stream
from testbed.sim.model import FactoryModel
from testbed.sim.randomness import lognormal_parameters
from testbed.sim.sketch import DEFAULT_ACCURACY
from testbed.units import format_duration
from testbed.workflows.reference import reference_document

OUTAGE_LEAD_S = 600.0
OUTAGE_TAIL_S = 1800.0


@dataclass(frozen=True)
class Case:
    """One test case: where it runs, and what it found."""

    name: str
    machine: str
    architecture: str
    fault: str
    seed: int


class Skip(Exception):
    """The case cannot give a verdict; carries the verdict and its reason."""

    def __init__(self, verdict: str, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.verdict, self.reason, self.detail = verdict, reason, detail


def _reference(registry: Registry, product: str, case: Case, machines: int,
               horizon: str) -> tuple[Scenario, Assembly]:
    document = reference_document(registry, product, case.machine, machines,
                                  case.architecture, case.seed, horizon)
    try:
        scenario = validate_document(scenario_model(registry), document, "reference shop", None)
        assembly = assemble(scenario, 0, registry, "reference shop")
    except InputError as exc:
        problems = "; ".join(p.message for p in exc.problems)
        raise Skip("FAIL", "product-cannot-serve-machine",
                   f"{product} cannot be wired to {case.machine} in {case.architecture}: "
                   f"{problems}") from exc
    used = {cid for cid, c in assembly.wiring.components.items() if c.kind == product}
    unserved = {p.machine for p in assembly.wiring.paths if not used & set(p.hops)}
    if unserved:
        protocol = registry.machines[case.machine].defaults().protocol
        raise Skip("FAIL", "product-not-on-data-path",
                   f"{case.architecture} does not route {case.machine} data through {product}: "
                   f"it reads {protocol} through other translators")
    return scenario, assembly


def _judge(values: list[float], threshold: float, resolution: float = 0.0
           ) -> tuple[str, str, tuple[float, float] | None]:
    interval = widened(confidence_interval(values), resolution)
    if interval.lo is None or interval.hi is None:
        return ("PASS" if interval.mean <= threshold else "FAIL"), "single-replication", None
    ci = (interval.lo, interval.hi)
    if interval.hi <= threshold:
        return "PASS", "within-threshold", ci
    if interval.lo > threshold:
        return "FAIL", "exceeds-threshold", ci
    return "INCONCLUSIVE", "interval-straddles-threshold", ci


def _adaptive(measure: Callable[[int], float], threshold: float, document: ClaimsDocument,
              resolution: float = 0.0
              ) -> tuple[str, str, list[float], tuple[float, float] | None]:
    values = [measure(r) for r in range(document.min_replications)]
    while True:
        verdict, reason, ci = _judge(values, threshold, resolution)
        if verdict != "INCONCLUSIVE" or len(values) >= document.max_replications:
            return verdict, reason, values, ci
        target = min(2 * len(values), document.max_replications)
        values += [measure(r) for r in range(len(values), target)]


def _case_verdict(case: Case, verdict: str, reason: str, detail: str, evidence: Evidence
                  ) -> CaseVerdict:
    return CaseVerdict(case=case.name, machine=case.machine, architecture=case.architecture,
                       fault=case.fault, verdict=verdict,
                       reason=reason, detail=detail, evidence=evidence)


def _cases(document: ClaimsDocument, claim: Any) -> list[Case]:
    if isinstance(claim, CompatibilityClaim):
        pairs = [(m, a) for m in claim.machines for a in claim.architectures]
    else:
        pairs = [(claim.machine, claim.architecture)]
    fault = (f"outage {format_duration(claim.no_loss_up_to)}" if isinstance(claim, ResilienceClaim)
             else "none")
    return [Case(f"{claim.id}/{m}/{a}/{fault}", m, a, fault,
                 derive_seed(document.seed, claim.id, m, a)) for m, a in pairs]


def _compatibility(registry: Registry, document: ClaimsDocument, claim: CompatibilityClaim,
                   case: Case) -> CaseVerdict:
    scenario, _ = _reference(registry, document.product.translator, case, 4, "30min")
    outcome = run_replication(scenario, registry, 0, 0, "reference shop")
    delivered = outcome.metrics["delivered_fraction"] or 0.0
    evidence = Evidence(measured=delivered, threshold=0.99, unit="fraction", replications=1,
                        seed=case.seed, scenario=scenario.name)
    if delivered >= 0.99:
        return _case_verdict(case, "PASS", "data-flows",
                             f"{delivered:.2%} of deliveries arrived through the product",
                             evidence)
    return _case_verdict(case, "FAIL", "data-does-not-flow",
                         f"only {delivered:.2%} of deliveries arrived", evidence)


def _latency(registry: Registry, document: ClaimsDocument, claim: LatencyClaim,
             case: Case) -> CaseVerdict:
    scenario, _ = _reference(registry, document.product.translator, case, claim.machines,
                             "30min")

    def p95(r: int) -> float:
        value = run_replication(scenario, registry, 0, r, "reference shop").metrics[
            "latency_p95_ms"]
        if value is None:
            raise Skip("FAIL", "nothing-delivered",
                       f"nothing reached the software through {document.product.translator} "
                       f"in replication {r}, so it has no latency to meet the claim")
        return value

    threshold = claim.p95_max * 1000.0
    verdict, reason, values, ci = _adaptive(p95, threshold, document, DEFAULT_ACCURACY)
    mean = sum(values) / len(values)
    return _case_verdict(case, verdict, reason,
                         f"p95 {mean:.1f} ms against at most {threshold:g} ms with "
                         f"{claim.machines} machines",
                         Evidence(measured=mean, ci95=ci, threshold=threshold, unit="ms",
                                  replications=len(values), seed=case.seed,
                                  scenario=scenario.name))


def _effort(registry: Registry, document: ClaimsDocument, claim: EffortClaim,
            case: Case) -> CaseVerdict:
    scenario, assembly = _reference(registry, document.product.translator, case,
                                    claim.machines, "1h")
    product = {cid for cid, c in assembly.wiring.components.items()
               if c.kind == document.product.translator}
    tasks = [t for t in plan(assembly.wiring, assembly.machines, scenario.effort)
             if t.component in product]
    cv = scenario.effort.effort_cv
    mu, sigma = lognormal_parameters(1.0, cv) if cv else (0.0, 0.0)

    def per_machine(r: int) -> float:
        rng = stream(case.seed, "effort", r)
        hours = sum(t.hours * (rng.lognormvariate(mu, sigma) if cv else 1.0) for t in tasks)
        return hours / claim.machines

    verdict, reason, values, ci = _adaptive(per_machine, claim.max_hours_per_machine, document)
    mean = sum(values) / len(values)
    return _case_verdict(case, verdict, reason,
                         f"{mean:.2f} h per machine (set-up and tag mapping of the product) "
                         f"against at most {claim.max_hours_per_machine:g} h",
                         Evidence(measured=mean, ci95=ci, threshold=claim.max_hours_per_machine,
                                  unit="h", replications=len(values), seed=case.seed,
                                  scenario=scenario.name))


def _resilience(registry: Registry, document: ClaimsDocument, claim: ResilienceClaim,
                case: Case) -> CaseVerdict:
    product = document.product.translator
    scenario, assembly = _reference(registry, product, case, claim.machines, "1h")
    horizon = OUTAGE_LEAD_S + claim.no_loss_up_to + OUTAGE_TAIL_S

    def outage_run(r: int) -> tuple[int, float]:
        model = FactoryModel(assembly.machines, assembly.network, assembly.wiring,
                             derive_seed(case.seed, "replication", r))
        routes = [route for (here, _), route in model.routes.items()
                  if assembly.wiring.components[here].kind == product]
        links = list(dict.fromkeys(link.name for route in routes for link in route.links))
        if not links:
            raise Skip("NOT APPLICABLE", "output-crosses-no-link",
                       f"in {case.architecture} the product's output crosses no network link")
        model.schedule_outage(links, OUTAGE_LEAD_S, claim.no_loss_up_to)
        model.run(horizon)
        end = OUTAGE_LEAD_S + claim.no_loss_up_to
        recovery = max([0.0, *(route.drained_at - end for route in routes)])
        return sum(route.lost for route in routes), recovery

    runs = [outage_run(r) for r in range(document.min_replications)]
    lost = sum(n for n, _ in runs)
    evidence = Evidence(measured=float(lost), threshold=0.0, unit="messages lost",
                        replications=len(runs), seed=case.seed, scenario=scenario.name)
    if lost:
        return _case_verdict(case, "FAIL", "data-lost",
                             f"{lost} messages lost at the product over {len(runs)} outages of "
                             f"{claim.no_loss_up_to:g} s", evidence)
    if claim.recovers_within is None:
        return _case_verdict(case, "PASS", "no-data-lost",
                             f"nothing lost over {len(runs)} outages of "
                             f"{claim.no_loss_up_to:g} s", evidence)
    recoveries = [rec for _, rec in runs]
    verdict, reason, ci = _judge(recoveries, claim.recovers_within)
    mean = sum(recoveries) / len(recoveries)
    return _case_verdict(case, verdict, "recovered-in-time" if verdict == "PASS" else reason,
                         f"nothing lost; backlog delivered {mean:.1f} s after the link returned "
                         f"(at most {claim.recovers_within:g} s claimed)",
                         Evidence(measured=mean, ci95=ci, threshold=claim.recovers_within,
                                  unit="s", replications=len(runs), seed=case.seed,
                                  scenario=scenario.name))


def _openness(registry: Registry, document: ClaimsDocument, claim: OpennessClaim,
              case: Case) -> CaseVerdict:
    product = registry.translators[document.product.translator].defaults()
    scenario, assembly = _reference(registry, document.product.translator, case, 4, "1h")
    evidence = Evidence(measured=None, seed=case.seed, scenario=scenario.name)
    if claim.open_output and not product.open_output:
        return _case_verdict(case, "FAIL", "proprietary-output",
                             f"the product emits {product.output!r}, which its own catalogue "
                             f"entry declares proprietary", evidence)
    if claim.max_lock_in_score is None:
        if not claim.open_output:
            return _case_verdict(case, "NOT APPLICABLE", "nothing-claimed",
                                 "the claim asks neither for open output nor for a lock-in "
                                 "ceiling", evidence)
        return _case_verdict(case, "PASS", "open-output",
                             f"the product emits {product.output!r}, an open standard",
                             evidence)
    nominal = sum(t.hours for t in plan(assembly.wiring, assembly.machines, scenario.effort))
    risk = lock_in(assembly.wiring, assembly.machines, assembly.alternatives, scenario.effort,
                   nominal)
    evidence = Evidence(measured=risk.score, threshold=claim.max_lock_in_score,
                        unit="score 0-100", replications=1, seed=case.seed,
                        scenario=scenario.name)
    verdict = "PASS" if risk.score <= claim.max_lock_in_score else "FAIL"
    return _case_verdict(case, verdict, "within-threshold" if verdict == "PASS" else
                         "exceeds-threshold",
                         f"lock-in score {risk.score:.1f} of the reference shop against at most "
                         f"{claim.max_lock_in_score:g}", evidence)


_TESTS: dict[type, Callable[..., CaseVerdict]] = {
    CompatibilityClaim: _compatibility, LatencyClaim: _latency, EffortClaim: _effort,
    ResilienceClaim: _resilience, OpennessClaim: _openness,
}


def case_task(payload: Payload, registry: Registry) -> Result:
    """One test case of one claim, judged, on any worker."""
    document = ClaimsDocument.model_validate(payload["claims"])
    claim = next(c for c in document.claims if c.id == payload["claim"])
    case = next(c for c in _cases(document, claim) if c.name == payload["case"])
    try:
        verdict = _TESTS[type(claim)](registry, document, claim, case)
    except Skip as skip:
        verdict = _case_verdict(case, skip.verdict, skip.reason, skip.detail,
                                Evidence(measured=None, seed=case.seed,
                                         scenario="reference shop"))
    except PluginError as exc:
        verdict = _case_verdict(case, "NOT EXECUTED", "plugin-error", str(exc),
                                Evidence(measured=None, seed=case.seed,
                                         scenario="reference shop"))
    return verdict.model_dump(mode="json")


def verify(document: ClaimsDocument, registry: Registry, path: str | os.PathLike[str],
           command: str, only: set[str] | None = None, out: str = "OUT",
           on_case: Callable[[CaseVerdict], None] | None = None,
           cache: TaskCache | None = None,
           executor: Executor | None = None) -> VerificationReport:
    """Every claim's test cases, judged. With a cache, cases already judged by an interrupted
    run of the same claims, plugins and code are read back, and new ones kept as they end.
    ``on_case`` sees each verdict as soon as it is known."""
    content = document.model_dump(mode="json", by_alias=True)
    chosen = [claim for claim in document.claims if not only or claim.id in only]
    cases = [(claim, case) for claim in chosen for case in _cases(document, claim)]
    payloads = [{"claims": content, "claim": claim.id, "case": case.name,
                 "plugins": registry.versions(), "disabled": sorted(registry.disabled)}
                for claim, case in cases]

    def show(_: int, result: Result) -> None:
        if on_case:
            on_case(CaseVerdict.model_validate(result))

    judged = [CaseVerdict.model_validate(result) for result in
              run_tasks(case_task, payloads, registry, executor, cache, on_result=show)]
    claims = []
    for claim in chosen:
        verdicts = [v for (c, _), v in zip(cases, judged, strict=True) if c is claim]
        result, reason = claim_verdict(verdicts)
        claims.append(ClaimVerdict(
            id=claim.id, level=claim.level, type=claim.type, statement=claim.statement,
            verdict=result, reason=reason,
            command=f"testbed verify {os.fspath(path)} --out {out} --claim {claim.id}",
            cases=verdicts))
    counts = {v: sum(1 for c in claims if c.verdict == v)
              for v in ("PASS", "FAIL", "INCONCLUSIVE", "NOT APPLICABLE", "NOT EXECUTED")}
    musts = [c for c in claims if c.level == "MUST"]
    rate = sum(c.verdict == "PASS" for c in musts) / len(musts) if musts else None
    return VerificationReport(
        tool_version=__version__, plugins=registry.versions(),
        product=document.product.model_dump(), seed=document.seed, command=command,
        overall=overall(claims), summary=counts, must_pass_rate=rate, claims=claims)
