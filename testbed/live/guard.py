"""Guards in front of asyncua's server, against clients that would stall or swamp it.

**Frames that cannot be honest.**

asyncua 2.1's server reads a frame's 8-byte header and then buffers until the whole frame has
arrived, whatever size the header claims (up to 4 GB); the size is checked against the
transport limits only once the frame is complete. A client that sends a header claiming a huge
chunk and then keeps sending grows the server's memory without bound: for 30 seconds before
activation (asyncua's watchdog) and for ever after an anonymous session is activated. Garbage
that does not start with an OPC UA message type is buffered the same way, and a connection
that sent it is kept open.

OPC UA Part 6 (7.1.2, 7.1.5) says a chunk larger than the receive buffer agreed in the Hello is
an error, BadTcpMessageTooLarge, after which the server closes the connection; an unknown
message type is BadTcpMessageTypeInvalid. The guard does exactly that, as each piece of a frame
arrives, so no connection ever holds more than one receive buffer's worth of a frame.

**Monitoring the same value over and over.** Every write to a value costs asyncua a deep copy
per monitored item on it, on the event loop, before the next simulation slice. A client that
subscribed to the factory's 52 machine tags 10,000 times over held the loop for seconds at a
time and starved every other client (tests/hostile). OPC UA lets a server refuse items with
BadTooManyMonitoredItems; asyncua sets no limit, so :func:`limit_monitors` refuses items past
``per_value`` on any one value, across all sessions, which bounds the cost of a write whatever
the clients do. How many items one call may create is an operation limit
(testbed/live/limits.py).

**Sessions on channels nobody advertised.** Each connection's requests go through
:class:`~testbed.live.channels.AdvertisedChannelsProcessor`, which serves only discovery on a
channel that matches no advertised endpoint (testbed/live/channels.py).
"""

from __future__ import annotations

import dataclasses
import logging
import struct
from typing import Any

import asyncua.server.server as asyncua_server
from asyncua import Server, ua
from asyncua.server.binary_server_asyncio import BinaryServer, OPCUAProtocol
from asyncua.ua.ua_binary import uatcp_to_binary

from testbed.live.channels import AdvertisedChannelsProcessor

_logger = logging.getLogger(__name__)

MESSAGE_TYPES = frozenset({b"HEL", b"ACK", b"ERR", b"RHE", b"OPN", b"CLO", b"MSG"})
CHUNK_TYPES = frozenset({b"F", b"C", b"A"})
HEADER = struct.Struct("<3scI")


class GuardedProtocol(OPCUAProtocol):
    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        # asyncua makes its processor here, unless it refused the connection (then there is
        # no transport), and first uses it when data arrives, later
        if self.transport is not None:
            processor = AdvertisedChannelsProcessor(self.iserver, self.transport, self.limits)
            processor.set_policies(self.policies)
            self.processor = processor

    def data_received(self, data: bytes) -> None:
        # The frame that starts the buffer, or this read if nothing is buffered, is checked
        # before it is taken in; what is left buffered afterwards (the start of a frame not yet
        # complete) is checked again, so that it cannot grow past one receive buffer.
        if self._acceptable(self._buffer[:HEADER.size] or data[:HEADER.size], 0):
            super().data_received(data)
            self._acceptable(self._buffer[:HEADER.size], len(self._buffer))

    def _acceptable(self, header: bytes, buffered: int) -> bool:
        if len(header) < HEADER.size or self.transport is None:
            return True
        kind, chunk, size = HEADER.unpack(header)
        limit = self.limits.max_recv_buffer
        if kind not in MESSAGE_TYPES or chunk not in CHUNK_TYPES:
            self._refuse(ua.StatusCodes.BadTcpMessageTypeInvalid,
                         f"not an OPC UA message type: {header[:4]!r}")
            return False
        if size > limit or buffered > limit:
            self._refuse(ua.StatusCodes.BadTcpMessageTooLarge,
                         f"a chunk of {size} bytes; at most {limit}")
            return False
        return True

    def _refuse(self, code: int, reason: str) -> None:
        _logger.warning("closing the connection from %s: %s", self.peer_name, reason)
        self._buffer = b""
        assert self.transport is not None
        error = ua.ErrorMessage(ua.StatusCode(code), reason)
        self.transport.write(uatcp_to_binary(ua.MessageType.Error, error))
        self.transport.close()


class GuardedBinaryServer(BinaryServer):
    def _make_protocol(self) -> OPCUAProtocol:
        return GuardedProtocol(iserver=self.iserver, policies=self._policies,
                               clients=self.clients, closing_tasks=self.closing_tasks,
                               limits=self.limits)


async def start_guarded(server: Server) -> None:
    """``server.start()``, with every connection behind :class:`GuardedProtocol`.

    asyncua has no option for its transport class: ``Server.start`` builds a ``BinaryServer``
    by name, so the name is swapped for the guarded one for exactly that call.
    """
    original = asyncua_server.BinaryServer
    asyncua_server.BinaryServer = GuardedBinaryServer
    try:
        await server.start()
    finally:
        asyncua_server.BinaryServer = original


def limit_monitors(server: Server, per_value: int) -> None:
    """Refuse a monitored item on a value already monitored ``per_value`` times."""
    iserver = server.iserver
    service = iserver.subscription_service
    create = service.create_monitored_items
    refused = ua.MonitoredItemCreateResult(
        StatusCode=ua.StatusCode(ua.StatusCodes.BadTooManyMonitoredItems))

    def monitors(target: ua.ReadValueId) -> int:
        if target.NodeId not in iserver.aspace:
            return 0
        attribute = iserver.aspace[target.NodeId].attributes.get(target.AttributeId)
        return 0 if attribute is None else len(attribute.datachange_callbacks)

    async def create_limited(params: ua.CreateMonitoredItemsParameters) -> list[Any]:
        taken: dict[tuple[Any, int], int] = {}
        allowed = []
        for item in params.ItemsToCreate:
            target = item.ItemToMonitor
            if target.AttributeId == ua.AttributeIds.EventNotifier:
                allowed.append(True)  # events cost nothing per write
                continue
            key = (target.NodeId, target.AttributeId)
            taken[key] = taken.get(key, monitors(target)) + 1
            allowed.append(taken[key] <= per_value)
        if all(allowed):
            return await create(params)
        created = iter(await create(dataclasses.replace(
            params, ItemsToCreate=[i for i, ok in zip(params.ItemsToCreate, allowed,
                                                     strict=True) if ok])))
        return [next(created) if ok else refused for ok in allowed]

    service.create_monitored_items = create_limited
