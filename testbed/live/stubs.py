"""The built-in software stubs as real OPC UA clients.

Each stub connects to the live server like any client would, subscribes to its own inbox and
measures what it receives with the simulation's own arithmetic (a :class:`Consumer` used as a
recorder): latency from the source timestamp to receipt, ingestion in batches if the software
batches, deliveries, lateness and gaps per machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from asyncua import Client, Node, ua
from asyncua.common.subscription import DataChangeEvent, Subscription
from asyncua.crypto.security_policies import SecurityPolicyBasic256Sha256
from simpy import Environment

from testbed.live.clock import SimClock
from testbed.sim.ledger import Ledger
from testbed.sim.network import Consumer, Message

# The stubs ask to be told of changes every 20 ms: at speed 1 a small part of a LAN's latency.
PUBLISHING_INTERVAL_MS = 20.0
# Every delivery must reach the stub, not just the newest per publishing interval.
QUEUE_SIZE = 1000


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str
    certificate: str
    private_key: str
    server_certificate: str


class SoftwareStub:
    def __init__(self, name: str, machines: int, batch_interval: float, deadline: float,
                 inbox: Mapping[tuple[int, int], Node], clock: SimClock) -> None:
        self.name = name
        self.batch_interval = batch_interval
        self.clock = clock
        self.recorder = Consumer(Environment(), Ledger([], machines), name, machines,
                                 batch_interval, deadline)
        self._key = {node.nodeid: key for key, node in inbox.items()}
        self._pending: list[tuple[Message, float]] = []
        self.notifications = 0
        self.client: Client | None = None
        self._reading: asyncio.Task[None] | None = None

    async def connect(self, url: str, credentials: Credentials | None) -> None:
        client = Client(url, timeout=10)
        if credentials is not None:
            await client.set_security(
                SecurityPolicyBasic256Sha256, credentials.certificate, credentials.private_key,
                server_certificate=credentials.server_certificate,
                mode=ua.MessageSecurityMode.SignAndEncrypt)
            client.set_user(credentials.user)
            client.set_password(credentials.password)
        client.name = f"interop-testbed stub {self.name}"
        await client.connect()
        self.client = client
        # No handler: asyncua would start a task per notification to call it, which cost more
        # than the stub's own work; its queue (unbounded, so nothing is dropped) is read here.
        subscription = await client.create_subscription(PUBLISHING_INTERVAL_MS, None,
                                                        queue_maxsize=0)
        self._reading = asyncio.create_task(self._read(subscription))
        # Report every write, even of an unchanged value: each one is a delivery.
        trigger = ua.DataChangeFilter(Trigger=ua.DataChangeTrigger.StatusValueTimestamp)
        requests = []
        for handle, ident in enumerate(self._key, start=1):
            params = ua.MonitoringParameters(ClientHandle=handle, SamplingInterval=0.0,
                                             QueueSize=QUEUE_SIZE, DiscardOldest=True,
                                             Filter=trigger)
            requests.append(ua.MonitoredItemCreateRequest(
                ItemToMonitor=ua.ReadValueId(NodeId=ident, AttributeId=ua.AttributeIds.Value),
                MonitoringMode=ua.MonitoringMode.Reporting, RequestedParameters=params))
        # As any client must: no more items in one call than the server takes (0: no limit).
        limit = await client.get_node(
            ua.ObjectIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall
        ).read_value()
        per_call = int(limit) or max(1, len(requests))
        for start in range(0, len(requests), per_call):
            results = await subscription.create_monitored_items(requests[start:start + per_call])
            failed = [r for r in results if isinstance(r, ua.StatusCode)]
            if failed:
                raise RuntimeError(f"stub {self.name}: could not subscribe: {failed[0]}")

    async def _read(self, subscription: Subscription) -> None:
        async for event in subscription:
            if isinstance(event, DataChangeEvent):
                self.datachange_notification(event.node, event.value, event.data)

    def datachange_notification(self, node: Node, _val: Any, data: Any) -> None:
        value: ua.DataValue = data.monitored_item.Value
        if value.StatusCode is not None and not value.StatusCode.is_good():
            return  # the initial "waiting for data": not a delivery
        stamp = value.SourceTimestamp
        if stamp is None:
            return
        m, kind = self._key[node.nodeid]
        received = self.clock.now()
        msg: Message = (self.clock.sim_time(stamp), m, kind)
        self.notifications += 1
        if self.batch_interval:
            interval = self.batch_interval
            self._pending.append((msg, (math.floor(received / interval) + 1) * interval))
            self.ingest(received)
        else:
            self.recorder.record(msg, received)

    def ingest(self, now: float) -> None:
        """Take in every batch whose boundary has passed, as the simulated software does."""
        if not self._pending or self._pending[0][1] > now:
            return
        due = [p for p in self._pending if p[1] <= now]
        self._pending = [p for p in self._pending if p[1] > now]
        for msg, boundary in due:
            self.recorder.record(msg, boundary)

    def in_flight(self) -> int:
        return len(self._pending)

    async def disconnect(self) -> None:
        if self._reading is not None:
            self._reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reading
            self._reading = None
        if self.client is not None:
            await self.client.disconnect()
            self.client = None
