"""Live runs on free ports, with the bundled job shop behind real endpoints."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path

from testbed.live.session import LiveOptions, LiveRun
from testbed.registry import load_registry
from testbed.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "scenarios" / "sme-legacy-shop.yaml"
HUB = "Edge gateway hub"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive free ports."""
    while True:
        first = free_port()
        with contextlib.ExitStack() as held:
            try:
                for port in range(first, first + count):
                    sock = held.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return first


@contextlib.asynccontextmanager
async def live_run(tmp: Path, **options: object) -> AsyncIterator[LiveRun]:
    """A started live run of the edge gateway hub; it is stopped however the test ends."""
    registry = load_registry()
    scenario = load_scenario(SHOP, registry)
    settings = {"speed": 60.0, "opcua_port": free_port(), "modbus_port": free_port(),
                "mtconnect_port": free_port(), "pki": tmp / "pki", **options}
    run = LiveRun(scenario, registry, str(SHOP), LiveOptions(HUB, **settings))  # type: ignore[arg-type]
    await run.start()
    try:
        yield run
    finally:
        await run.finish()
