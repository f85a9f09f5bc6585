"""How much one service call may ask of the server: advertised and enforced from one table.

OPC UA servers advertise their per-call limits under ServerCapabilities/OperationLimits, and a
client that asks for more in one call gets BadTooManyOperations (Part 4); a client that respects
the advertised limits splits its calls. asyncua advertises 10,000 for every limit and enforces
none, while the request size the server accepts (MAX_REQUEST_BYTES in testbed/live/session.py)
refused a read of 10,000 nodes long before. Here every limit in :data:`LIMITS` is both written
to its property and checked on each call a client's session makes, so what a client reads is
what holds. The server's own session (building the address space) is not a client and is not
limited.

A property is present only for a limit that is enforced (Part 5's OperationLimitsType: a server
without a maximum leaves the property out): asyncua offers no HistoryUpdate service, answers
RegisterNodes without a session, and lets no client manage nodes (only its administrator role
may, which no client is given), so those properties are removed.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from asyncua import Server, ua
from asyncua.server.internal_session import InternalSession

_OL = "Server_ServerCapabilities_OperationLimits_"

# A thousand items of any kind take asyncua well under the 0.5 s the event loop may be held
# (tests/hostile: 10,000 monitored items in one call held it for up to 1.3 s), and a request for
# a thousand nodes fits in the request size the server takes in.
PER_CALL = 1000
# A history read returns up to HISTORY_MIN_PER_TAG..HISTORY_BUDGET values per node.
HISTORY_PER_CALL = 100

LIMITS: dict[str, int] = {
    "MaxNodesPerRead": PER_CALL,
    "MaxNodesPerWrite": PER_CALL,
    "MaxNodesPerBrowse": PER_CALL,
    "MaxNodesPerTranslateBrowsePathsToNodeIds": PER_CALL,
    "MaxNodesPerMethodCall": PER_CALL,
    "MaxMonitoredItemsPerCall": PER_CALL,
    "MaxNodesPerHistoryReadData": HISTORY_PER_CALL,
    "MaxNodesPerHistoryReadEvents": HISTORY_PER_CALL,
}
NOT_OFFERED = ("MaxNodesPerHistoryUpdateData", "MaxNodesPerHistoryUpdateEvents",
               "MaxNodesPerRegisterNodes", "MaxNodesPerNodeManagement")


def limit_node(name: str) -> ua.NodeId:
    return ua.NodeId(getattr(ua.ObjectIds, _OL + name))


def _history_limit(params: ua.HistoryReadParameters) -> str:
    events = isinstance(params.HistoryReadDetails, ua.ReadEventDetails)
    return "MaxNodesPerHistoryReadEvents" if events else "MaxNodesPerHistoryReadData"


# Each limited session method: which limit applies to a call and how many operations it asks.
_COUNTED: dict[str, tuple[Callable[[Any], str], Callable[[Any], Sequence[Any]]]] = {
    "read": (lambda _p: "MaxNodesPerRead", lambda p: p.NodesToRead),
    "write": (lambda _p: "MaxNodesPerWrite", lambda p: p.NodesToWrite),
    "browse": (lambda _p: "MaxNodesPerBrowse", lambda p: p.NodesToBrowse),
    "translate_browsepaths_to_nodeids": (lambda _p: "MaxNodesPerTranslateBrowsePathsToNodeIds",
                                         lambda p: p),
    "call": (lambda _p: "MaxNodesPerMethodCall", lambda p: p),
    "create_monitored_items": (lambda _p: "MaxMonitoredItemsPerCall",
                               lambda p: p.ItemsToCreate),
    "history_read": (_history_limit, lambda p: p.NodesToRead),
}


def _limited(call: Callable[[Any], Awaitable[Any]], which: Callable[[Any], str],
             items: Callable[[Any], Sequence[Any]]) -> Callable[[Any], Awaitable[Any]]:
    @functools.wraps(call)
    async def limited(params: Any) -> Any:
        if len(items(params)) > LIMITS[which(params)]:
            raise ua.UaStatusCodeError(ua.StatusCodes.BadTooManyOperations)
        return await call(params)

    return limited


def _limit_session(session: InternalSession) -> InternalSession:
    for method, (which, items) in _COUNTED.items():
        setattr(session, method, _limited(getattr(session, method), which, items))
    return session


async def enforce_limits(server: Server) -> None:
    """Advertise :data:`LIMITS` and hold every client session to them (after ``init``)."""
    for name, value in LIMITS.items():
        await server.get_node(limit_node(name)).write_value(ua.Variant(value,
                                                                       ua.VariantType.UInt32))
    await server.delete_nodes([server.get_node(limit_node(name)) for name in NOT_OFFERED])
    iserver = server.iserver
    create = iserver.create_session

    @functools.wraps(create)
    def create_limited(*args: Any, **kwargs: Any) -> InternalSession:
        return _limit_session(create(*args, **kwargs))

    iserver.create_session = create_limited
