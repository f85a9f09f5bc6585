"""``testbed live``: run a scenario's architecture against the wall clock until the duration
ends or Ctrl-C, showing a status line, then write the results."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import signal
import sys
from typing import TextIO

from rich.console import Console
from rich.table import Table

from testbed.errors import InputError, Problem
from testbed.files import claim_out_dir
from testbed.live.modbus import UNITS_PER_SERVER
from testbed.live.outputs import write
from testbed.live.security import is_loopback, load_users
from testbed.live.session import LiveOptions, LiveRun, LiveStatus, NothingSimulated
from testbed.registry import Registry
from testbed.results.live import comparison
from testbed.scenario import load_scenario
from testbed.units import format_duration


def _status_line(status: LiveStatus, speed: float) -> str:
    return (f"live {format_duration(status.wall_s):>8}  simulated "
            f"{format_duration(status.simulated_s):>8} (x{speed:g})  "
            f"sessions {status.sessions}  {status.updates_per_s:,.0f} updates/s  "
            f"lag {status.lag_s:.2f} s")


def _timestamps_line(timestamps: str, speed: float) -> str:
    if timestamps == "wall":
        return (f"Source timestamps: the wall-clock moment the simulation reached each event "
                f"(one real second is {speed:g} simulated)")
    return (f"Source timestamps: simulated time, running {speed:g} times as fast as the wall "
            f"clock and ahead of it (--timestamps wall maps them onto it)")


def _options(args: argparse.Namespace) -> LiveOptions:
    users = None
    if args.security:
        if args.users is None:
            raise InputError("command line", [Problem(
                "--users", "with --security, give a users file (name: password, mode 600)")])
        users = load_users(args.users)
    elif args.users is not None:
        raise InputError("command line", [Problem(
            "--users", "users are only checked with --security")])
    return LiveOptions(architecture=args.architecture, speed=args.speed, host=args.host,
                       opcua_port=args.opcua_port, modbus_port=args.modbus_port,
                       mtconnect_port=args.mtconnect_port, duration=args.duration, users=users,
                       pki=args.out / "pki", timestamps=args.timestamps)


def live_command(args: argparse.Namespace, registry: Registry, err: Console) -> int:
    scenario = load_scenario(args.scenario, registry)
    options = _options(args)
    claim_out_dir(args.out)
    if not args.debug_protocols:
        # asyncua and pymodbus log every reconnect and revised parameter, and log with a
        # traceback what they then raise, as aiohttp does every malformed HTTP request; the
        # status line and our own errors say what a user needs.
        for name in ("asyncua", "pymodbus", "aiohttp"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    if not is_loopback(options.host):
        err.print(f"[bold red]WARNING: live endpoints listen on {options.host}, reachable "
                  f"from other machines"
                  + ("" if options.users else ", and anyone can connect without a password")
                  + "[/]")
    run = LiveRun(scenario, registry, str(args.scenario), options)
    return asyncio.run(_serve(run, args, err))


async def _serve(run: LiveRun, args: argparse.Namespace, err: Console) -> int:
    try:
        await run.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise InputError("command line", [Problem(
                "--opcua-port/--modbus-port/--mtconnect-port",
                f"a port is in use on {args.host} ({exc.strerror}); choose free ports")]) from None
        raise
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # Plain lines, never wrapped: scripts read the endpoints from them.
    out: TextIO = sys.stderr
    print(f"OPC UA: {run.url}" + (" (Basic256Sha256, sign and encrypt; users only)"
                                  if run.secured else " (no security)"), file=out)
    if run.modbus is not None:
        # One line per Modbus server: 247 units each (testbed/live/modbus.py).
        for start in range(0, len(run.modbus_ids), UNITS_PER_SERVER):
            ids = run.modbus_ids[start:start + UNITS_PER_SERVER]
            port = args.modbus_port + start // UNITS_PER_SERVER
            print(f"Modbus TCP: {args.host}:{port}, units 1-{len(ids)}: " + ", ".join(ids),
                  file=out)
    if run.mtconnect is not None:
        print(f"MTConnect agent: {run.mtconnect.url} (probe, current, sample): "
              + ", ".join(run.mtconnect_ids), file=out)
    if run.simulated_only:
        print("No live endpoint of their own (simulated, read them in the OPC UA address "
              "space): " + "; ".join(f"{protocol}: {', '.join(ids)}" for protocol, ids
                                     in sorted(run.simulated_only.items())), file=out)
    if args.speed != 1:
        print(_timestamps_line(args.timestamps, args.speed), file=out)
    print("Ctrl-C stops the run and writes the results.", file=out, flush=True)

    def show(status: LiveStatus) -> None:
        if not args.quiet:
            end = "\r" if out.isatty() else "\n"
            out.write(_status_line(status, args.speed) + end)
            out.flush()

    nothing: NothingSimulated | None = None
    try:
        await run.run(stop, show)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError):
                loop.remove_signal_handler(sig)
        try:
            report = await run.finish()
        except NothingSimulated as empty:
            # Kept for after the finally, so that an error from the run itself still shows.
            nothing = empty
    if nothing is not None:
        err.print(f"testbed live: {nothing}", highlight=False, markup=False)
        return 1
    files = write(report, args.out)
    if not args.quiet:
        out.write("\n")
        table = Table(title=f"{run.assembly.name}: live against simulated, same run")
        for column in ("metric", "live", "simulated"):
            table.add_column(column, justify="left" if column == "metric" else "right")
        for row in comparison(report):
            table.add_row(f"{row['metric']}", _fmt(row["live"]), _fmt(row["simulated"]))
        Console().print(table)
    print("results: " + ", ".join(str(f) for f in files))
    return 0


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.4g}"
