"""Running ``testbed live`` as a user does, for tests that talk to it with other people's tools.

A test here starts the real command in a subprocess on free loopback ports, waits until both
endpoints listen, points a client we did not write at it, and stops it with Ctrl-C (SIGINT).
Without the outside tool the test is skipped, unless ``TESTBED_REQUIRE_INTEROP=1`` (CI) says
the tool must be there, and then it fails.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from testbed.assemble import assemble
from testbed.registry import Registry
from testbed.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "sme-legacy-shop.yaml"
ARCHITECTURE = "Edge gateway hub"
# Printed once both endpoints listen and the clock has started.
READY = "Ctrl-C stops the run"


def require(available: bool, what: str) -> None:
    """Skip when an outside tool is missing, or fail when CI says it must be there."""
    if available:
        return
    if os.environ.get("TESTBED_REQUIRE_INTEROP") == "1":
        pytest.fail(f"{what} (TESTBED_REQUIRE_INTEROP=1)")
    pytest.skip(what)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def machine_ids(registry: Registry) -> list[str]:
    """The machines the bundled scenario's chosen architecture runs, as the testbed names
    them."""
    scenario = load_scenario(SCENARIO, registry)
    index = [a.name for a in scenario.architectures].index(ARCHITECTURE)
    return [m.id for m in assemble(scenario, index, registry, str(SCENARIO)).machines]


@dataclass
class Live:
    """A running ``testbed live``: its endpoints, its output so far, and how to stop it."""

    process: subprocess.Popen[str]
    out: Path
    opcua_port: int
    modbus_port: int
    mtconnect_port: int
    stderr: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"opc.tcp://127.0.0.1:{self.opcua_port}/testbed/"

    def output(self) -> str:
        return "".join(self.stderr)

    def stop(self, timeout: float = 30.0) -> int:
        """Ctrl-C, as a user stops a run; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=timeout)


@contextmanager
def start_live(out: Path, *extra: str, speed: float = 60.0,
                 duration: str = "30min") -> Iterator[Live]:
    opcua_port, modbus_port, mtconnect_port = free_port(), free_port(), free_port()
    command = [sys.executable, "-m", "testbed.cli", "live", str(SCENARIO),
               "--architecture", ARCHITECTURE, "--speed", f"{speed:g}",
               "--duration", duration, "--opcua-port", str(opcua_port),
               "--modbus-port", str(modbus_port), "--mtconnect-port", str(mtconnect_port),
               "--out", str(out), *extra]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, encoding="utf-8")
    live = Live(process, out, opcua_port, modbus_port, mtconnect_port)
    assert process.stderr is not None
    stderr = process.stderr
    reader = threading.Thread(target=lambda: live.stderr.extend(iter(stderr.readline, "")),
                              daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while READY not in live.output():
            assert process.poll() is None, f"testbed live exited early:\n{live.output()}"
            assert time.monotonic() < deadline, f"no endpoints after 30 s:\n{live.output()}"
            time.sleep(0.1)
        yield live
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        reader.join(timeout=5)
        if process.stdout is not None:
            process.stdout.close()


def simulated_seconds(live: Live) -> float:
    """The simulated time on the newest status line (``simulated 2min``, ``59.5s``, ``1h``)."""
    lines = re.findall(r"simulated\s+([0-9.]+)(ms|s|min|h|d)\b", live.output())
    if not lines:
        return 0.0
    value, unit = lines[-1]
    return float(value) * {"ms": 0.001, "s": 1, "min": 60, "h": 3600, "d": 86400}[unit]


def wait_for_simulated(live: Live, seconds: float, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while simulated_seconds(live) < seconds:
        assert live.process.poll() is None, f"testbed live exited early:\n{live.output()}"
        assert time.monotonic() < deadline, f"simulated time stuck:\n{live.output()[-2000:]}"
        time.sleep(0.2)

