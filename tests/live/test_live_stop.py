"""A live run stopped before any simulated time passed: a clear answer, endpoints closed."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from live_helpers import HUB, SHOP, free_port

from testbed.live.session import LiveOptions, LiveRun, NothingSimulated
from testbed.registry import load_registry
from testbed.scenario import load_scenario

pytestmark = pytest.mark.live


def test_a_run_stopped_at_once_reports_nothing_and_frees_its_ports(tmp_path: Path) -> None:
    """Per-month money over no simulated time is undefined: the run says so instead of dividing
    by zero, and its endpoints are stopped all the same."""
    registry = load_registry()
    ports = {"opcua_port": free_port(), "modbus_port": free_port(),
             "mtconnect_port": free_port()}
    run = LiveRun(load_scenario(SHOP, registry), registry, str(SHOP),
                  LiveOptions(HUB, speed=60.0, pki=tmp_path / "pki", **ports))  # type: ignore[arg-type]

    async def start_and_stop() -> None:
        await run.start()
        with pytest.raises(NothingSimulated, match="before any simulated time passed"):
            await run.finish()
        with pytest.raises(NothingSimulated):
            await run.finish()

    asyncio.run(start_and_stop())
    for port in ports.values():
        with socket.socket() as sock:
            # as a server would bind: only a listener still there (not TIME_WAIT) refuses it
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))
            sock.listen()
