"""The MTConnect agent's HTTP endpoint: /probe, /current and /sample (also under a device's
name, /mill-1/current), answered from the agent's buffer in the asyncio loop the rest of live
mode runs in.

aiohttp serves it: a maintained asyncio HTTP server whose request parsing, size limits and
keep-alive handling have long faced the open internet, where a parser of our own on asyncio's
streams would be new code for every misbehaving client to try.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from aiohttp import web

from testbed.live import mtconnect_xml
from testbed.live.mtconnect import Agent, Device
from testbed.live.mtconnect_xml import Stamp

# The most observations one /sample returns (cppagent's count defaults to 100). Building the
# document holds the event loop the simulation runs on: 10,000 took 128 ms on a busy host
# (benchmarks/live_mtconnect.py), 1,000 take about a simulation slice (20 ms).
MAX_COUNT = 1_000
DEFAULT_COUNT = 100
_ALLOWED: dict[str, set[str]] = {"probe": set(), "current": set(), "sample": {"from", "count"}}
# Parameters of the standard this agent does not take (streaming, XPath filters, at=).
_UNSUPPORTED = {"at", "path", "interval", "heartbeat", "to", "deviceType", "pretty", "format"}


class RequestError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class AgentServer:
    def __init__(self, agent: Agent, stamp: Stamp, host: str, port: int) -> None:
        self.agent = agent
        self.stamp = stamp
        self.host = host
        self.port = port
        self.started = datetime.now(UTC)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.Response:
        try:
            body = self.answer(request.path, request.query)
        except RequestError as refused:
            return web.Response(
                body=mtconnect_xml.error(self.agent, refused.code, str(refused)),
                status=refused.status, content_type="application/xml", charset="utf-8")
        return web.Response(body=body, content_type="application/xml", charset="utf-8")

    def answer(self, path: str, query: Mapping[str, str]) -> bytes:
        """The document for a request path and its query parameters."""
        parts = [p for p in path.split("/") if p]
        if len(parts) > 2 or (parts and parts[-1] not in _ALLOWED):
            raise RequestError("INVALID_URI", f"no such request {path!r}; the agent answers "
                                              "/probe, /current and /sample, also under a "
                                              "device's name (/DEVICE/current)", 404)
        request = parts[-1] if parts else "probe"
        devices = self.agent.devices
        if len(parts) == 2:
            devices = [d for d in devices if parts[0] in (d.name, d.uuid)]
            if not devices:
                names = ", ".join(d.name for d in self.agent.devices)
                raise RequestError("NO_DEVICE", f"no device {parts[0]!r}; devices: {names}",
                                   404)
        for name in query:
            if name not in _ALLOWED[request]:
                allowed = ", ".join(sorted(_ALLOWED[request])) or "none"
                raise RequestError("UNSUPPORTED" if name in _UNSUPPORTED else "INVALID_REQUEST",
                                   f"/{request} does not take {name!r}; parameters it takes: "
                                   f"{allowed}")
        agent = self.agent
        if request == "probe":
            return mtconnect_xml.probe(agent, devices, self.started)
        if request == "current":
            latest = [agent.latest[item.id] for d in devices for item in d.data_items]
            return mtconnect_xml.streams(agent, devices, latest, agent.next_sequence,
                                         self.started, self.stamp)
        return self._sample(devices, query)

    def _sample(self, devices: list[Device], query: Mapping[str, str]) -> bytes:
        agent = self.agent
        first, going_on = agent.first_sequence, agent.next_sequence
        start = _integer(query, "from", first)
        count = _integer(query, "count", DEFAULT_COUNT)
        if not first <= start <= going_on:
            raise RequestError("OUT_OF_RANGE", f"'from' must be from {first} (the oldest "
                                               f"observation in the buffer) to {going_on} (the "
                                               f"next to come); got {start}")
        if count < 1:
            raise RequestError("OUT_OF_RANGE", f"'count' must be at least 1; got {count}")
        if count > MAX_COUNT:
            raise RequestError("TOO_MANY", f"'count' must be at most {MAX_COUNT}; got {count}")
        items = None
        if len(devices) < len(agent.devices):
            items = {item.id for d in devices for item in d.data_items}
        found, next_sequence = agent.sample(start, count, items)
        return mtconnect_xml.streams(agent, devices, found, next_sequence, self.started,
                                     self.stamp)


def _integer(query: Mapping[str, str], name: str, default: int) -> int:
    text = query.get(name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise RequestError("INVALID_REQUEST",
                           f"{name!r} must be a whole number; got {text!r}") from None
