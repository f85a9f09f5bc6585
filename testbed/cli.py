"""The ``testbed`` command: parses arguments and calls the library. Exit codes: 0 success,
1 a verification failed, 2 bad input (a scenario, a plugin, an argument), 3 a bug in the
testbed itself."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from testbed import __version__
from testbed.assemble import Assembly
from testbed.calibration import json_schema as calibration_schema
from testbed.calibration import load_calibration
from testbed.claims import load_claims
from testbed.errors import InputError, Problem
from testbed.experiments.executor import DaskExecutor, Executor, LocalExecutor, default_jobs
from testbed.experiments.planning import outage_seconds, preview
from testbed.experiments.replications import tasks_of
from testbed.experiments.tasks import TaskCache
from testbed.files import OutDirError, claim_out_dir, write_atomically
from testbed.guidance import load_guidance
from testbed.loader import validate_document
from testbed.region import load_region
from testbed.registry import OWN_DISTRIBUTION, PluginError, Registry, load_registry
from testbed.report import (
    calibration_table,
    compare_markdown,
    compare_page,
    study_page,
    sweep_page,
    table,
    verify_page,
)
from testbed.report.assumptions import assumptions
from testbed.report.catalogue import render_catalogue
from testbed.report.junit import junit
from testbed.report.preview import lines as preview_lines
from testbed.report.summary import sentences, settling
from testbed.report.sweep_csv import to_csv
from testbed.report.table import stacked
from testbed.results.run import to_json
from testbed.results.verify import CaseVerdict
from testbed.scenario import Scenario, json_schema, load_scenario, scenario_model
from testbed.units import parse_duration
from testbed.workflows.calibrate import calibrate, calibration_files
from testbed.workflows.compare import compare
from testbed.workflows.guidance_study import study
from testbed.workflows.run import assemblies_of, run_scenario
from testbed.workflows.sweep import parse_param, sweep
from testbed.workflows.verify import verify

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"testbed: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 100_000:
        raise argparse.ArgumentTypeError(f"{text!r}: the speed must be a number above 0 and "
                                         f"at most 100000 (simulated seconds per real second)")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port (0 to 65535)")
    return int(text)


def _duration(text: str) -> float:
    try:
        value = parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: the duration must be above zero")
    return value


def _study_overrides(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=None, help="override the scenario's seed")
    parser.add_argument("--replications", type=int, default=None, metavar="N",
                        help="run exactly N replications (none added until the ranking "
                             "settles)")
    parser.add_argument("--max-replications", type=int, default=None, metavar="N",
                        help="override the scenario's cap on replications added until the "
                             "ranking settles")
    parser.add_argument("--fidelity", choices=["auto", "message", "flow"], default=None,
                        help="override the scenario's fidelity (auto: flow level where "
                             "message level would be slow)")
    parser.add_argument("--horizon", default=None, metavar="DURATION",
                        help="override the scenario's horizon, e.g. 1y")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="testbed", description="A virtual testbed for factory "
                     "interoperability: compare integration architectures before buying.")
    parser.add_argument("--version", action="version", version=f"testbed {__version__}")
    parser.add_argument("--disable-plugin", action="append", default=[], metavar="NAME",
                        help="do not load this plugin (repeatable; see `testbed plugins`)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    validate = sub.add_parser("validate", help="check a scenario file and explain any problem")
    validate.add_argument("file", type=Path)

    schema = sub.add_parser("schema", help="write the JSON Schema of scenarios, results or "
                                           "calibration documents")
    schema.add_argument("--kind", choices=["scenario", "results", "calibration"],
                        default="scenario")
    schema.add_argument("--out", type=Path, help="file to write (default: standard output)")

    plugins = sub.add_parser("plugins",
                             help="list every registered item and the plugin that gave it")
    plugins.add_argument("--format", choices=["table", "markdown"], default="table",
                         help="markdown: every item's defaults with their sources")
    plugins.add_argument("--builtin", action="store_true",
                         help="only the testbed's own catalogue (as docs/catalogue.md shows)")
    schema.add_argument("--builtin", action="store_true",
                        help="only the testbed's own catalogue (as docs/schema/ publishes)")

    run = sub.add_parser("run", help="run every candidate architecture of a scenario")
    run.add_argument("scenario", type=Path)
    run.add_argument("--out", type=Path, required=True, help="directory for results.json")
    _study_overrides(run)
    _execution(run, "no table, no progress bar")

    compare = sub.add_parser(
        "compare", help="compare the candidate architectures: a one-page report for the owner")
    compare.add_argument("scenario", type=Path)
    compare.add_argument("--out", type=Path, required=True,
                         help="directory for report.html, report.md and results.json")
    _study_overrides(compare)
    _execution(compare, "no progress, no summary")

    verify = sub.add_parser("verify", help="verify a vendor's claims: verdicts, JUnit XML, HTML")
    verify.add_argument("claims", type=Path)
    verify.add_argument("--out", type=Path, required=True,
                        help="directory for verdicts.json, junit.xml and report.html")
    verify.add_argument("--claim", action="append", default=[], metavar="ID",
                        help="run only this claim (repeatable)")
    _execution(verify, "no per-case lines")

    guidance = sub.add_parser("guidance",
                              help="what guidance changes across a region's SMEs")
    guidance.add_argument("guidance", type=Path)
    guidance.add_argument("--population", type=Path, required=True,
                          help="the region document: how many shops and what they are like")
    guidance.add_argument("--out", type=Path, required=True,
                          help="directory for report.html, report.md and results.json")
    _execution(guidance, "no progress bar")

    sweeping = sub.add_parser("sweep", help="run a scenario over a grid of parameter values")
    sweeping.add_argument("scenario", type=Path)
    sweeping.add_argument("--param", action="append", required=True, metavar="PATH=V1,V2",
                          help="a parameter path and its values (repeatable: a grid)")
    sweeping.add_argument("--out", type=Path, required=True,
                          help="directory for sweep.csv, sweep.json and sweep.html")
    _execution(sweeping, "no progress bar")
    calibrating = sub.add_parser(
        "calibrate", help="reproduce published measurements through the engine: measured "
                          "against published, PASS / INCONCLUSIVE / FAIL / KNOWN DIFFERENCE")
    calibrating.add_argument("paths", type=Path, nargs="*", metavar="PATH",
                             help="calibration documents or directories of them (default: "
                                  "the bundled scenarios/calibration/)")
    calibrating.add_argument("--quick", action="store_true",
                             help="each calibration's quick size (its `quick:` horizon and "
                                  "replications, none added), as the test suite runs them")
    calibrating.add_argument("--max-replications", type=int, default=None, metavar="N",
                             help="at full size, override each scenario's cap on replications "
                                  "added while a figure is INCONCLUSIVE")
    calibrating.add_argument("--format", choices=["table", "json"], default="table")
    live = sub.add_parser(
        "live", help="run one architecture against the wall clock behind real OPC UA and "
                     "Modbus TCP endpoints that real software can use")
    live.add_argument("scenario", type=Path)
    live.add_argument("--architecture", required=True, metavar="NAME",
                      help="the candidate architecture to run (its name in the scenario)")
    live.add_argument("--speed", type=_speed, default=1.0,
                      help="simulated seconds per real second (default 1)")
    live.add_argument("--timestamps", choices=["simulated", "wall"], default="simulated",
                      help="source timestamps on the simulated calendar (at speed above 1 "
                           "they run ahead of the wall clock) or mapped onto the wall clock "
                           "(default simulated)")
    live.add_argument("--host", default="127.0.0.1",
                      help="address to listen on (default loopback only)")
    live.add_argument("--opcua-port", type=_port, default=4840)
    live.add_argument("--modbus-port", type=_port, default=5020)
    live.add_argument("--mtconnect-port", type=_port, default=5000,
                      help="HTTP port of the MTConnect agent, if the architecture has "
                           "MTConnect machines (default 5000)")
    live.add_argument("--duration", type=_duration, default=None,
                      help="simulated time to run, e.g. 8h (default: until Ctrl-C)")
    live.add_argument("--security", action="store_true",
                      help="Basic256Sha256 sign and encrypt only, users from --users only")
    live.add_argument("--users", type=Path, default=None,
                      help="YAML file of user name: password, mode 600 (with --security)")
    live.add_argument("--out", type=Path, default=Path("live-results"),
                      help="directory for results.json, simulated.json, live.json and pki/")
    live.add_argument("--quiet", action="store_true", help="no status line")
    live.add_argument("--debug-protocols", action="store_true",
                      help="show asyncua's, pymodbus's and aiohttp's own log messages")
    return parser


def _execution(command: argparse.ArgumentParser, quiet: str) -> None:
    command.add_argument("--jobs", type=_positive, default=None,
                         help="local worker processes (default: the machine's cores)")
    command.add_argument("--executor", choices=["local", "dask"], default="local",
                         help="where the work runs (dask needs interop-testbed[dask])")
    command.add_argument("--scheduler", default=None,
                         help="the Dask scheduler's address, e.g. tcp://10.0.0.5:8786")
    command.add_argument("--quiet", action="store_true", help=quiet)


@contextlib.contextmanager
def _executor(args: argparse.Namespace) -> Iterator[Executor]:
    executor: Executor
    if args.executor == "dask":
        if not args.scheduler:
            raise InputError(None, [Problem("--scheduler", "the Dask executor needs the "
                                            "scheduler's address, e.g. tcp://host:8786")])
        executor = DaskExecutor(args.scheduler)
    else:
        executor = LocalExecutor(args.jobs or default_jobs())
    try:
        yield executor
    finally:
        executor.close()


def _stdout() -> Console:
    # Piped output is read by scripts and tests: never truncate it to a terminal's width,
    # unless COLUMNS says how wide the reader is.
    console = Console()
    return console if console.is_terminal or "COLUMNS" in os.environ else Console(width=200)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    err = Console(stderr=True)
    try:
        registry = load_registry(
            disabled=args.disable_plugin,
            only_distribution=OWN_DISTRIBUTION if getattr(args, "builtin", False) else None)
        if args.command == "validate":
            return _validate(args, registry)
        if args.command == "schema":
            return _schema(args, registry)
        if args.command == "plugins":
            if args.format == "markdown":
                sys.stdout.write(render_catalogue(registry))
                return EXIT_OK
            return _plugins(registry)
        if args.command == "run":
            return _run(args, registry, err)
        if args.command == "compare":
            return _compare(args, registry, err, argv)
        if args.command == "verify":
            return _verify(args, registry, argv)
        if args.command == "guidance":
            return _guidance(args, registry, err, argv)
        if args.command == "sweep":
            return _sweep(args, registry, err, argv)
        if args.command == "calibrate":
            return _calibrate(args, registry)
        if args.command == "live":
            # Imported here: asyncua, pymodbus and aiohttp are the optional `live` extra, and
            # take a moment to load; only live uses them.
            try:
                from testbed.live.command import live_command
            except ImportError as exc:
                if (exc.name or "").partition(".")[0] not in ("asyncua", "pymodbus", "aiohttp"):
                    raise
                print(f"testbed live needs `pip install 'interop-testbed[live]'` ({exc})",
                      file=sys.stderr)
                return EXIT_BAD_INPUT
            return live_command(args, registry, err)
    except (InputError, OutDirError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except PluginError as exc:
        print(f"plugin error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"interrupted: no report was written{_kept(args)}", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("TESTBED_DEBUG"):
            raise
        print(f"testbed: internal error, a bug in the testbed: {type(exc).__name__}: {exc}\n"
              f"Please report it with the command you ran; TESTBED_DEBUG=1 shows the "
              f"traceback.", file=sys.stderr)
        return EXIT_INTERNAL
    raise AssertionError(f"unhandled command {args.command}")


def _kept(args: argparse.Namespace) -> str:
    """Where an interrupted command's finished work waits to be resumed, if anywhere."""
    out = getattr(args, "out", None)
    cache = out / ".cache" if isinstance(out, Path) else None
    if cache is None or not cache.is_dir() or not any(cache.iterdir()):
        return ""
    return f"; finished work is kept in {cache} and the same command resumes from it"


def _validate(args: argparse.Namespace, registry: Registry) -> int:
    scenario = load_scenario(args.file, registry)
    assemblies_of(scenario, registry, str(args.file))
    machines = sum(m.count for m in scenario.shop.machines)
    print(f"{args.file}: ok: {scenario.name!r}, {machines} machines, "
          f"{len(scenario.architectures)} architectures")
    return EXIT_OK


def _schema(args: argparse.Namespace, registry: Registry) -> int:
    from testbed.results.run import results_schema

    if args.kind == "scenario":
        schema = json_schema(registry)
    elif args.kind == "results":
        schema = results_schema()
    else:
        schema = calibration_schema()
    text = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    if args.out:
        write_atomically(args.out, text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


# A translator's list of inputs wraps at this width rather than widening the whole table.
_PROTOCOLS_WIDTH = 48
# Item names are what a scenario types: kept whole up to this length, even at 80 columns.
_NAME_WIDTH = 32


def _plugins(registry: Registry) -> int:
    console = _stdout()
    items = list(registry.items())
    rows: list[list[str]] = []
    for item in items:
        params = item.defaults() if item.category != "architecture" else None  # type: ignore[attr-defined]
        protocol = vendor = openness = ""
        if params is not None:
            # ", " so that a translator reading many protocols wraps between them
            protocol = getattr(params, "protocol", "") or (
                f"{', '.join(getattr(params, 'inputs', []))} -> {getattr(params, 'output', '')}"
                if hasattr(params, "output") else ", ".join(getattr(params, "accepts", [])))
            vendor = getattr(params, "vendor", "")
            open_flag = getattr(params, "open_output", getattr(params, "export_open", None))
            openness = "" if open_flag is None else ("yes" if open_flag else "no")
        rows.append([item.category, item.plugin, protocol, vendor, openness,
                     getattr(item, "rami_layer", ""), getattr(item, "iira_tier", "")])
    headings = ["category", "plugin", "protocol", "vendor", "open", "RAMI 4.0 layer", "IIRA tier"]
    stacked(console, "Registered items", "Registered items", "name", [i.name for i in items],
            [(heading, [row[n] for row in rows]) for n, heading in enumerate(headings)],
            justify="left", wrap_at=_PROTOCOLS_WIDTH, longest_key=_NAME_WIDTH)
    plugin_list = ", ".join(f"{name} ({version})" for name, version in
                            sorted(registry.versions().items()))
    console.print(f"plugins: {plugin_list}")
    return EXIT_OK


def _scenario(args: argparse.Namespace, registry: Registry) -> Scenario:
    scenario = load_scenario(args.scenario, registry)
    # --replications N runs exactly N: the cap follows unless --max-replications says more.
    cap = args.max_replications if args.max_replications is not None else args.replications
    overrides = {key: value for key, value in
                 (("seed", args.seed), ("replications", args.replications),
                  ("max_replications", cap), ("fidelity", args.fidelity),
                  ("horizon", args.horizon)) if value is not None}
    if overrides:
        # Validated like the file itself, so --replications 0 is refused, not run.
        document = {**scenario.model_dump(mode="json", by_alias=True), **overrides}
        scenario = validate_document(scenario_model(registry), document, "command line", None)
    return scenario


def _preview(args: argparse.Namespace, registry: Registry, scenario: Scenario, err: Console,
             extra_rounds: int = 0,
             extra_seconds: Callable[[list[Assembly]], float] | None = None) -> None:
    """Before a study starts: its engine, the events it can expect, and its time if long."""
    if args.quiet:
        return
    assemblies = assemblies_of(scenario, registry, os.fspath(args.scenario))
    jobs = 1 if args.executor == "dask" else (args.jobs or default_jobs())
    for line in preview_lines(preview(scenario, assemblies), scenario.horizon,
                              scenario.replications, scenario.replication_cap, jobs,
                              extra_rounds, extra_seconds(assemblies) if extra_seconds else 0.0):
        err.print(line, highlight=False, markup=False)


def _progress(err: Console, quiet: bool) -> Progress:
    return Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                    TextColumn("{task.completed}/{task.total} runs"), TimeRemainingColumn(),
                    console=err, transient=True, disable=quiet or not err.is_terminal)


def _compare(args: argparse.Namespace, registry: Registry, err: Console,
             argv: Sequence[str] | None) -> int:
    scenario = _scenario(args, registry)
    command = _command(argv)
    claim_out_dir(args.out)
    settings = scenario.compare
    lengths = sorted({*settings.outage_lengths, settings.afternoon})
    values = sum(len(w.values) for w in settings.what_if)
    _preview(args, registry, scenario, err, values,
             lambda assemblies: outage_seconds(scenario, assemblies, lengths)
             + values * outage_seconds(scenario, assemblies, [settings.afternoon]))
    with _executor(args) as executor, _progress(err, args.quiet) as progress:
        bar = progress.add_task(f"simulating {scenario.name}", total=len(tasks_of(scenario)))
        results = compare(scenario, registry, args.scenario, executor, command,
                          on_done=lambda done, total: progress.update(bar, completed=done,
                                                                      total=total),
                          stage=lambda text: progress.update(bar, description=text),
                          cache=TaskCache(args.out / ".cache"))
    found = assumptions(scenario, registry)
    target = scenario.economics.payback_target_months
    description = scenario.description.strip() or scenario.name
    write_atomically(args.out / "results.json", to_json(results))
    write_atomically(args.out / "report.md",
                     compare_markdown.render(results, found, description, target))
    write_atomically(args.out / "report.html",
                     compare_page.render(results, found, description, target))
    if not args.quiet:
        for sentence in [*sentences(results, target), *results.notes]:
            print(f"- {sentence}")
        print(f"report: {args.out / 'report.html'} (and report.md, results.json)")
    return EXIT_OK


def _command(argv: Sequence[str] | None) -> str:
    words = list(sys.argv[1:] if argv is None else argv)
    return "testbed " + " ".join(shlex.quote(w) for w in words)


def _verify(args: argparse.Namespace, registry: Registry, argv: Sequence[str] | None) -> int:
    document = load_claims(args.claims, registry)
    unknown = set(args.claim) - {c.id for c in document.claims}
    if unknown:
        raise InputError(args.claims, [Problem("--claim", f"no claim has the id {i!r}; ids: "
                                                   f"{', '.join(c.id for c in document.claims)}")
                                for i in sorted(unknown)])
    claim_out_dir(args.out)

    def show(case: CaseVerdict) -> None:
        if not args.quiet:
            print(f"{case.verdict:<15} {case.case}: {case.detail}", flush=True)

    with _executor(args) as executor:
        report = verify(document, registry, args.claims, _command(argv),
                        set(args.claim) or None, str(args.out), show,
                        TaskCache(args.out / ".cache"), executor)
    write_atomically(args.out / "verdicts.json",
                     json.dumps(report.model_dump(mode="json"), indent=2, sort_keys=True) + "\n")
    write_atomically(args.out / "junit.xml", junit(report))
    write_atomically(args.out / "report.html", verify_page.render(report))
    counts = ", ".join(f"{k} {v}" for k, v in report.summary.items() if v)
    print(f"overall: {report.overall} ({counts}); report: {args.out / 'report.html'}")
    return EXIT_OK if report.overall == "PASS" else EXIT_FAILED


def _guidance(args: argparse.Namespace, registry: Registry, err: Console,
              argv: Sequence[str] | None) -> int:
    guidance = load_guidance(args.guidance, registry)
    region = load_region(args.population, registry)
    claim_out_dir(args.out)
    cache = TaskCache(args.out / ".cache")
    with _executor(args) as executor, _progress(err, args.quiet) as progress:
        bar = progress.add_task(f"{guidance.name} across {region.name}", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(bar, completed=done, total=total)

        results = study(region, guidance, registry, executor, cache, _command(argv), advance)
    write_atomically(args.out / "results.json",
                     json.dumps(results.model_dump(mode="json"), indent=2, sort_keys=True)
                     + "\n")
    write_atomically(args.out / "report.html", study_page.render_html(results))
    write_atomically(args.out / "report.md", study_page.render_markdown(results))
    if not args.quiet:
        for finding in study_page.findings(results):
            print(f"- {finding}")
        print(f"report: {args.out / 'report.html'} (and report.md, results.json)")
    return EXIT_OK


def _sweep(args: argparse.Namespace, registry: Registry, err: Console,
           argv: Sequence[str] | None) -> int:
    scenario = load_scenario(args.scenario, registry)
    parameters = dict(parse_param(text) for text in args.param)
    claim_out_dir(args.out)
    with _executor(args) as executor, _progress(err, args.quiet) as progress:
        bar = progress.add_task(f"sweeping {scenario.name}", total=None)
        results = sweep(scenario, registry, parameters, executor,
                        TaskCache(args.out / ".cache"), _command(argv),
                        lambda done, total: progress.update(bar, completed=done, total=total))
    write_atomically(args.out / "sweep.json",
                     json.dumps(results.model_dump(mode="json"), indent=2, sort_keys=True)
                     + "\n")
    write_atomically(args.out / "sweep.csv", to_csv(results))
    write_atomically(args.out / "sweep.html", sweep_page.render(results))
    if not args.quiet:
        print(f"{len(results.rows)} rows: {args.out / 'sweep.csv'} (and sweep.json, sweep.html)")
    return EXIT_OK


def _run(args: argparse.Namespace, registry: Registry, err: Console) -> int:
    scenario = _scenario(args, registry)
    tasks = tasks_of(scenario)
    claim_out_dir(args.out)
    _preview(args, registry, scenario, err)
    with _executor(args) as executor, _progress(err, args.quiet) as progress:
        bar = progress.add_task(f"simulating {scenario.name}", total=len(tasks))
        results = run_scenario(scenario, registry, args.scenario, executor,
                               on_done=lambda done, total: progress.update(
                                   bar, completed=done, total=total),
                               cache=TaskCache(args.out / ".cache"))
    out = args.out / "results.json"
    write_atomically(out, to_json(results))
    if not args.quiet:
        console = _stdout()
        table.render(results, console)
        for sentence in [*settling(results), *results.notes]:
            console.print(f"- {sentence}", highlight=False, markup=False)
        print(f"results: {out}")
    return EXIT_OK


def _calibrate(args: argparse.Namespace, registry: Registry) -> int:
    files = calibration_files(args.paths)
    if not files:
        raise InputError(None, [Problem("PATH", "no calibration documents (*.yaml) in "
                                                + ", ".join(map(str, args.paths)))])
    if args.max_replications is not None and (args.quick or args.max_replications < 2):
        raise InputError(None, [Problem("--max-replications", (
            "--quick runs each calibration's quick size and adds no replications: give one "
            "or the other" if args.quick else f"got {args.max_replications}; give 2 or "
                                               f"more"))])
    calibrations = [load_calibration(path, registry) for path in files]
    report = calibrate(calibrations, registry, quick=args.quick,
                       max_replications=args.max_replications)
    if args.format == "json":
        sys.stdout.write(json.dumps(report.model_dump(mode="json"), indent=2, sort_keys=True)
                         + "\n")
    else:
        calibration_table.render(report, _stdout())
    return EXIT_OK if report.upheld else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
