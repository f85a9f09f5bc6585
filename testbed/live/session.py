"""One live run: a scenario's architecture against the wall clock, behind real endpoints.

The factory is the simulation's own :class:`FactoryModel`, built from the same scenario and
seed as replication 0 of ``testbed run``; live mode swaps in machines whose messages carry
values, consumers that publish what reaches them, and real parts where the design has them:
an OPC UA server, a Modbus TCP server for the Modbus machines, a real Modbus gateway, and the
software stubs as OPC UA clients. At the end the same run gives two sets of figures: what the
simulated consumers measured and what the real clients measured.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import gc
import itertools
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from asyncua import Server, ua
from asyncua.common.methods import uamethod

from testbed.assemble import Assembly, assemble
from testbed.errors import InputError, Problem
from testbed.experiments.replications import (
    Outcome,
    figures_of,
    project_figures,
    replication_seed,
)
from testbed.experiments.summary import build_results
from testbed.live.address_space import FactoryNodes, build
from testbed.live.channels import check_password_nonces, require_encrypted_passwords
from testbed.live.clock import Pace, SimClock, drive
from testbed.live.guard import limit_monitors, start_guarded
from testbed.live.limits import enforce_limits
from testbed.live.modbus import ModbusGateway, ModbusMachines, ModbusUnit, Poll, address_of
from testbed.live.mtconnect import DEFAULT_BUFFER, Agent, Device, xml_ids
from testbed.live.mtconnect_http import AgentServer
from testbed.live.publisher import Publisher, RunningPath
from testbed.live.security import (
    SERVER_URI,
    STUB_URI,
    UserList,
    key_pair,
)
from testbed.live.statuses import checked_arguments, spec_write_statuses
from testbed.live.stubs import Credentials, SoftwareStub
from testbed.live.tags import LiveMachine
from testbed.params import SoftwareParams
from testbed.registry import Registry
from testbed.results.live import LiveReport
from testbed.results.run import Results
from testbed.scenario import Scenario
from testbed.seeds import stream
from testbed.sim.machines import Process
from testbed.sim.model import FactoryModel
from testbed.sim.network import Stateful
from testbed.sim.record import ConsumerRecord, RunRecord
from testbed.sim.sketch import QuantileSketch

STUB_USER = "testbed-stubs"
MAX_PORT = 65535
# How long the server keeps the session of a client that vanished without closing it. OPC UA
# keeps such a session (and its subscriptions, still sampling) so the client can come back to
# it; asyncua allows up to ten minutes, and asyncua clients ask for an hour. A flaky client that
# subscribes and drops twice a second would then fill asyncua's 1,000 sessions in ten minutes
# and every new client would be refused (BadMaxConnectionsReached; tests/hostile). A minute
# is ample for a client to reconnect after a blip.
MAX_SESSION_TIMEOUT_S = 60.0
# How many monitored items any one value may have, across all clients (testbed/live/guard.py):
# the stubs take one, a shop's SCADA, MES and historian a few more.
MAX_MONITORS_PER_VALUE = 25
# The largest request the server takes in: a call creating the most monitored items a call may
# (testbed/live/limits.py) is about 80 KB; one of 10,000 (800 KB) took asyncua half a second
# to decode, holding every client.
MAX_REQUEST_BYTES = 256 * 1024


@dataclass
class LiveOptions:
    architecture: str
    speed: float = 1.0
    host: str = "127.0.0.1"
    opcua_port: int = 4840
    modbus_port: int = 5020
    mtconnect_port: int = 5000
    mtconnect_buffer: int = DEFAULT_BUFFER  # observations the MTConnect agent keeps
    duration: float | None = None  # simulated seconds; None: until stopped
    users: dict[str, str] | None = None  # security on when given
    pki: Path = Path("pki")
    timestamps: str = "simulated"  # how source timestamps are dated: testbed.live.clock


@dataclass
class LiveStatus:
    wall_s: float
    simulated_s: float
    sessions: int
    updates_per_s: float
    lag_s: float  # real seconds the simulation is behind the clock


def architecture_index(scenario: Scenario, name: str, file: str) -> int:
    names = [a.name for a in scenario.architectures]
    if name in names:
        return names.index(name)
    allowed = ", ".join(repr(n) for n in names)
    raise InputError(file, [Problem("architectures", f"no architecture named {name!r}; "
                                                     f"allowed: {allowed}")])


class NothingSimulated(Exception):
    """A live run stopped before any simulated time passed: it has no figures to report."""

    def __init__(self) -> None:
        super().__init__("the run stopped before any simulated time passed: there are no "
                         "figures to report, and no results were written")


class LiveRun:
    def __init__(self, scenario: Scenario, registry: Registry, file: str,
                 options: LiveOptions) -> None:
        self.scenario = scenario
        self.registry = registry
        self.options = options
        index = architecture_index(scenario, options.architecture, file)
        self.assembly: Assembly = assemble(scenario, index, registry, file)
        self.seed = replication_seed(scenario.seed, 0)
        self.clock = SimClock(options.speed, timestamps=options.timestamps)
        self.pace = Pace()
        # The stubs log in as a user of their own, with a password made for this run only.
        self._stub_password = secrets.token_urlsafe(24)
        self.server = Server(user_manager=self._users())
        self.publisher = Publisher(self.server, self.clock)
        instances = self.assembly.machines
        self.modbus_ids = [m.id for m in instances if m.params.protocol.startswith("modbus")]
        self.mtconnect_ids = [m.id for m in instances if m.params.protocol == "mtconnect"]
        if self.modbus_ids:
            last_port = address_of(len(self.modbus_ids) - 1, options.modbus_port)[0]
            if last_port > MAX_PORT:
                raise InputError("command line", [Problem(
                    "--modbus-port", f"{len(self.modbus_ids)} Modbus machines need ports "
                    f"{options.modbus_port}-{last_port} (247 units each); at most {MAX_PORT}")])
        # Only Modbus and MTConnect machines get an endpoint of their own; the rest (S7,
        # EtherNet/IP, files, serial lines, OPC UA machines) run inside the simulation, seen in
        # the address space.
        self.simulated_only: dict[str, list[str]] = {}
        for m in instances:
            if m.id not in self.modbus_ids and m.id not in self.mtconnect_ids:
                self.simulated_only.setdefault(m.params.protocol, []).append(m.id)
        polled = {m.id for m in instances
                  if m.id in self.modbus_ids and m.params.interface == "poll"}
        self.model = FactoryModel(
            instances, self.assembly.network, self.assembly.wiring, self.seed,
            machine_class=functools.partial(LiveMachine, seed=self.seed, external=polled),
            consumer_class=self.publisher.consumer_class())
        self.machines: list[LiveMachine] = [m for m in self.model.machines
                                            if isinstance(m, LiveMachine)]
        self.nodes: FactoryNodes | None = None
        self.stubs: list[SoftwareStub] = []
        self.modbus: ModbusMachines | None = None
        self.gateway: ModbusGateway | None = None
        self.mtconnect: AgentServer | None = None
        self._started_wall = 0.0
        self.report: LiveReport | None = None
        self._stopped_empty = False
        self._rate = (0.0, 0, 0.0)  # (when, deliveries, per second)

    # --- setting up ---------------------------------------------------------------------

    def _users(self) -> UserList | None:
        users = self.options.users
        if users is None:
            return None
        return UserList({**users, STUB_USER: self._stub_password})

    @property
    def url(self) -> str:
        return f"opc.tcp://{self.options.host}:{self.options.opcua_port}/testbed/"

    @property
    def secured(self) -> bool:
        return self.options.users is not None

    async def start(self) -> None:
        server = self.server
        await server.init()
        server.iserver.max_session_timeout_ms = MAX_SESSION_TIMEOUT_S * 1000
        limit_monitors(server, MAX_MONITORS_PER_VALUE)
        await enforce_limits(server)
        spec_write_statuses(server)
        # asyncua decodes a request whole on the event loop before any service sees it; it
        # refuses one past max_message_size as its chunks arrive, before decoding
        server.limits.max_message_size = MAX_REQUEST_BYTES
        server.set_endpoint(self.url)
        server.set_server_name("interop-testbed live factory")
        await server.set_application_uri(SERVER_URI)
        credentials = None
        if self.secured:
            pki = self.options.pki
            own = key_pair(pki, "server", SERVER_URI, server=True)
            stub = key_pair(pki, "stubs", STUB_URI, server=False)
            await server.load_certificate(str(own.certificate))
            await server.load_private_key(str(own.private_key))
            server.set_security_policy([ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt])
            server.set_identity_tokens([ua.UserNameIdentityToken])
            credentials = Credentials(STUB_USER, self._stub_password, str(stub.certificate),
                                      str(stub.private_key), str(own.certificate))
        else:
            server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
            server.set_identity_tokens([ua.AnonymousIdentityToken, ua.UserNameIdentityToken])

        model = self.model
        instances = self.assembly.machines
        consumers = list(model.consumers)
        paths = []
        for path in self.assembly.wiring.paths:
            m = next(i for i, inst in enumerate(instances) if inst.id == path.machine)
            hops = path.hops
            routes = [model.origins[(m, hops[0])].route,
                      *(model.routes[pair] for pair in itertools.pairwise(hops))]
            mask = model.ledger.masks[consumers.index(hops[-1])]
            paths.append(RunningPath(path, m, mask, routes,
                                     [model.servers[h] for h in hops[:-1]]))
        inboxes = {c: sorted({(p.machine, kind) for p in paths if p.software == c
                              for kind in range(4) if p.mask >> kind & 1})
                   for c in consumers}
        self.nodes = await build(server, self.scenario.name, self.assembly.name,
                                 self.options.speed, self.options.timestamps,
                                 [(m.id, m.kind, m.params.protocol) for m in instances], inboxes)
        await self._methods(self.nodes)
        self.publisher.attach(self.nodes, paths, model.env)
        await self.publisher.prepare_events()
        watched: list[Stateful] = [*model.links.values(), *model.servers.values(),
                                   *model.consumers.values()]
        for element in watched:
            element.watchers.append(self.publisher.refresh_status)
        await start_guarded(server)
        if self.secured:
            # asyncua builds the endpoints in start(); a client quicker than this line is
            # still held to it when it activates a session
            require_encrypted_passwords(server.iserver.endpoints)
            check_password_nonces(server.iserver)
        await self._start_modbus()
        await self._start_mtconnect()
        wiring = self.assembly.wiring
        for cid in consumers:
            params = wiring.components[cid].params
            assert isinstance(params, SoftwareParams)
            client = SoftwareStub(cid, len(instances), params.batch_interval, params.deadline,
                                  self.nodes.inboxes[cid], self.clock)
            await client.connect(self.url, credentials)
            self.stubs.append(client)
        # Everything built so far (the interpreter, asyncua's address space, the model: half a
        # million objects) lives as long as the run. A full garbage collection walks them all
        # on the event loop, 0.27 s here and 0.9 s on a busy host (tests/hostile); frozen,
        # later collections walk only what the run makes afterwards.
        gc.freeze()

    async def _start_modbus(self) -> None:
        if not self.modbus_ids:
            return
        model, instances = self.model, self.assembly.machines
        units = {ident: address_of(n, self.options.modbus_port)
                 for n, ident in enumerate(self.modbus_ids)}
        by_id = {m.name: m for m in self.machines}
        self.modbus = ModbusMachines(
            [ModbusUnit(*units[i], by_id[i],
                        model.links.get(instances[by_id[i].index].link or ""))
             for i in self.modbus_ids],
            self.options.host)
        await self.modbus.start()
        polls = []
        for (m, reader), origin in model.origins.items():
            machine = model.machines[m]
            if isinstance(machine, LiveMachine) and machine.external_polls:
                assert origin.poll_interval is not None
                phase = stream(self.seed, "poll", reader, machine.name).uniform(
                    0, origin.poll_interval)
                polls.append(Poll(*units[machine.name], machine, origin, model.servers[reader],
                                  phase))
        if polls:
            self.gateway = ModbusGateway(model.env, self.clock, self.options.host, polls)
            await self.gateway.start()

    async def _start_mtconnect(self) -> None:
        if not self.mtconnect_ids:
            return
        instances = self.assembly.machines
        machines = [m for m in self.machines if m.name in self.mtconnect_ids]
        devices = [Device(m, self.model.links.get(instances[m.index].link or ""),
                          f"urn:interop-testbed:{self.scenario.name}:{self.assembly.name}",
                          ident)
                   for m, ident in zip(machines, xml_ids(self.mtconnect_ids), strict=True)]
        # A new instanceId on every start tells clients that sequence numbers began again.
        agent = Agent(devices, self.options.mtconnect_buffer, int(time.time()))
        self.mtconnect = AgentServer(agent, self.clock.timestamp, self.options.host,
                                     self.options.mtconnect_port)
        await self.mtconnect.start()

    async def _methods(self, nodes: FactoryNodes) -> None:
        ns = nodes.namespace
        factory = nodes.factory
        string, double = ua.VariantType.String, ua.VariantType.Double
        boolean = ua.VariantType.Boolean
        for name, call, inputs in (
                ("InjectOutage", self.inject_outage, [string, double]),
                ("CrashTranslator", self.crash_translator, [string, double]),
                ("StartBreakdown", self.start_breakdown, [string]),
                ("EndBreakdown", self.end_breakdown, [string])):

            # async, so that asyncua runs it on the event loop between simulation slices
            # rather than in a worker thread beside them.
            @uamethod
            async def method(_parent: ua.NodeId, *args: object,
                             call: Callable[..., bool] = call) -> bool | ua.StatusCode:
                try:
                    return call(*args)
                except KeyError:
                    return ua.StatusCode(ua.StatusCodes.BadInvalidArgument)

            await factory.add_method(ua.NodeId(f"Factory.{name}", ns),
                                     ua.QualifiedName(name, ns),
                                     checked_arguments(inputs, method), inputs, [boolean])

    # --- driving the test ---------------------------------------------------------------

    def _soon(self) -> float:
        """Simulated seconds from the simulation's last event to the clock's now."""
        return max(0.0, self.clock.now() - self.model.env.now)

    def inject_outage(self, link: str, duration: float) -> bool:
        """Take a link down now for ``duration`` simulated seconds."""
        if link not in self.model.links or not duration > 0:
            raise KeyError(link)
        self.model.schedule_outage([link], self._soon(), float(duration))
        return True

    def crash_translator(self, name: str, duration: float) -> bool:
        """Crash a translator (gateway, hub, driver) now; it restarts after ``duration``."""
        if name not in self.model.servers or not duration > 0:
            raise KeyError(name)
        server = self.model.servers[name]
        env = self.model.env

        def crash() -> Process:
            yield env.timeout(self._soon())
            server.set_up(False)
            yield env.timeout(float(duration))
            server.set_up(True)

        env.process(crash())
        return True

    def start_breakdown(self, machine: str) -> bool:
        """Break a running machine down now (it stays down until :meth:`end_breakdown` or
        its own repair time); False if it was already down."""
        return self._set_machine(machine, up=False)

    def end_breakdown(self, machine: str) -> bool:
        """Repair a broken-down machine now; False if it was running."""
        return self._set_machine(machine, up=True)

    def _set_machine(self, machine: str, up: bool) -> bool:
        found = next((m for m in self.machines if m.name == machine), None)
        if found is None:
            raise KeyError(machine)
        if found.up == up:
            return False
        self.model.env.timeout(self._soon()).callbacks.append(
            lambda _event: found.set_up(up))
        return True

    # --- running ------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event,
                  on_status: Callable[[LiveStatus], None] | None = None) -> None:
        """Run until the duration has passed on the clock or ``stop`` is set."""
        self.clock.epoch = datetime.now(UTC)
        self.clock.started = self._started_wall = time.monotonic()
        # Paper stations have no interface a gateway could read as the run starts.
        instances = self.assembly.machines
        self.publisher.births([m for m in self.machines
                               if instances[m.index].params.medium != "none"])
        driver = asyncio.create_task(drive(self.model.env, self.clock, self.options.duration,
                                           self.pace, self._after_slice, stop))
        while not driver.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(driver), timeout=1.0)
            if on_status is not None:
                on_status(self.status())
        await driver

    async def _after_slice(self) -> None:
        names = [m.id for m in self.assembly.machines]
        await self.publisher.flush(names)
        now = self.clock.now()
        for stub in self.stubs:
            stub.ingest(now)

    def sessions(self) -> int:
        return len(self.server.iserver.asyncio_transports)

    def status(self) -> LiveStatus:
        wall = time.monotonic()
        since, count, rate = self._rate
        if wall - since >= 1.0:
            delivered = self.publisher.deliveries
            rate = (delivered - count) / (wall - since) if since else 0.0
            self._rate = (wall, delivered, rate)
        return LiveStatus(wall - self._started_wall, self.model.env.now, self.sessions(), rate,
                          self.clock.wall_delay(self.pace.lag_s))

    # --- stopping -----------------------------------------------------------------------

    async def finish(self) -> LiveReport:
        """Stop the endpoints and give the figures: live (the real clients) and simulated.
        Once stopped, later calls give the same report.

        :raises NothingSimulated: the run stopped before any simulated time passed (its
            endpoints are stopped all the same)."""
        if self.report is not None:
            return self.report
        if self._stopped_empty:
            raise NothingSimulated()
        gc.unfreeze()  # first, so that nothing below that fails can leave it frozen
        await self._after_slice()
        # Let the last notifications cross to the clients: ten of their publishing intervals.
        await asyncio.sleep(0.2)
        end = self.model.env.now
        for stub in self.stubs:
            stub.ingest(end)
        wall = time.monotonic() - self._started_wall
        record = self.model.snapshot()
        live = self._live_record(record, end)
        for stub in self.stubs:
            await stub.disconnect()
        if self.gateway is not None:
            await self.gateway.stop()
        if self.modbus is not None:
            await self.modbus.stop()
        if self.mtconnect is not None:
            await self.mtconnect.stop()
        await self.server.stop()
        if end <= 0:
            # Per-month money and rates over no time at all are undefined, not zero.
            self._stopped_empty = True
            raise NothingSimulated()
        in_flight = sum(s.in_flight() for s in self.stubs)
        notes = [f"live run of {end:.0f} simulated seconds at speed {self.options.speed:g} "
                 f"({wall:.1f} s on the wall clock)",
                 f"{in_flight} deliveries waiting for a batch at the end are left out"]
        self.report = LiveReport(
            live=self._results(live, notes), simulated=self._results(record, []),
            wall_s=wall, simulated_s=end, deliveries=self.publisher.deliveries,
            worst_lag_s=self.clock.wall_delay(self.pace.worst_lag_s), events=self.pace.events,
            modbus_reads=self.gateway.reads if self.gateway else 0, notes=notes)
        return self.report

    def _live_record(self, record: RunRecord, end: float) -> RunRecord:
        consumers = []
        for simulated, stub in zip(record.consumers, self.stubs, strict=True):
            measured = stub.recorder
            measured.close_gaps(end)
            delivered = list(measured.delivered)
            consumers.append(ConsumerRecord(
                simulated.name, simulated.kind,
                [d + lost for d, lost in zip(delivered, simulated.lost, strict=True)],
                delivered, list(measured.late), list(simulated.lost), list(measured.max_gap),
                measured.latency, list(measured.counts_delivered), list(measured.alarm_count),
                list(measured.alarm_sum)))
        return dataclasses.replace(record, consumers=consumers)

    def _results(self, record: RunRecord, notes: list[str]) -> Results:
        metrics, per_consumer, per_machine = figures_of(record)
        project, breakdown, project_notes = project_figures(self.scenario, self.assembly,
                                                            record, self.seed)
        metrics.update(project)
        pooled = QuantileSketch()
        for consumer in record.consumers:
            pooled.merge(consumer.latency)
        outcome = Outcome(0, 0, metrics, per_consumer, per_machine, dict(record.loss_reasons),
                          [*self.assembly.wiring.notes, *project_notes, *notes], breakdown,
                          pooled)
        scenario = self.scenario.model_copy(update={"replications": 1,
                                                    "horizon": record.horizon})
        return build_results(scenario, [self.assembly], [outcome], self.registry.versions())
