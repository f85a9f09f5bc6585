"""Writes and method calls answered with the status codes OPC UA Part 4 names.

asyncua 2.1 answers a write to a value that is not writable, to an attribute other than the
value, or to a node that does not exist, with BadUserAccessDenied, and a method call with too
few or too many arguments with BadUnexpectedError (the Python call fails). A client cannot tell
from those what it did wrong. Part 4 names them: BadNodeIdUnknown, BadAttributeIdInvalid,
BadNotWritable (the node's access level does not allow writing), BadUserAccessDenied (it does,
but not for this user), BadTypeMismatch (asyncua's own answer for a value of the wrong type),
and for Call (5.11.2) BadArgumentsMissing, BadTooManyArguments and BadInvalidArgument with a
BadTypeMismatch for each argument of the wrong type.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asyncua import Server, ua
from asyncua.crypto.permission_rules import User, UserRole

Method = Callable[..., Awaitable[Any]]
# asyncua's own writes (the server's updates of its values) come without a session, as admin.
SERVER_USER = User(role=UserRole.Admin)


def write_status(server: Server, item: ua.WriteValue, user: User) -> ua.StatusCode | None:
    """Why this write is refused, or None for asyncua to carry it out."""
    node = server.iserver.aspace.get(item.NodeId)
    if node is None:
        return ua.StatusCode(ua.StatusCodes.BadNodeIdUnknown)
    if item.AttributeId not in node.attributes:
        return ua.StatusCode(ua.StatusCodes.BadAttributeIdInvalid)
    if user.role == UserRole.Admin:
        return None  # the server's own writes
    if item.AttributeId != ua.AttributeIds.Value:
        return ua.StatusCode(ua.StatusCodes.BadNotWritable)  # no node has a WriteMask here

    def allows(attribute: ua.AttributeIds) -> bool:
        level = node.attributes.get(attribute)
        value = None if level is None or level.value is None else level.value.Value
        return value is not None and ua.ua_binary.test_bit(value.Value,
                                                           ua.AccessLevel.CurrentWrite)

    if not allows(ua.AttributeIds.AccessLevel):
        return ua.StatusCode(ua.StatusCodes.BadNotWritable)
    if not allows(ua.AttributeIds.UserAccessLevel):
        return ua.StatusCode(ua.StatusCodes.BadUserAccessDenied)
    return None


def spec_write_statuses(server: Server) -> None:
    """Answer refused writes with the status Part 4 names (:func:`write_status`)."""
    service = server.iserver.attribute_service
    write = service.write

    async def checked(params: ua.WriteParameters,
                      user: User = SERVER_USER) -> list[ua.StatusCode]:
        refused = [write_status(server, item, user) for item in params.NodesToWrite]
        allowed = [item for item, status in zip(params.NodesToWrite, refused, strict=True)
                   if status is None]
        done = iter(await write(ua.WriteParameters(NodesToWrite=allowed), user)
                    if allowed else [])
        return [next(done) if status is None else status for status in refused]

    service.write = checked


def checked_arguments(inputs: list[ua.VariantType], method: Method) -> Method:
    """``method``, called only with as many arguments as ``inputs`` and of their types."""
    async def call(parent: ua.NodeId, *args: ua.Variant) -> Any:
        if len(args) < len(inputs):
            return ua.StatusCode(ua.StatusCodes.BadArgumentsMissing)
        if len(args) > len(inputs):
            return ua.StatusCode(ua.StatusCodes.BadTooManyArguments)
        results = [ua.StatusCode(ua.StatusCodes.Good if arg.VariantType == kind
                                 else ua.StatusCodes.BadTypeMismatch)
                   for arg, kind in zip(args, inputs, strict=True)]
        if not all(result.is_good() for result in results):
            return ua.CallMethodResult(
                StatusCode=ua.StatusCode(ua.StatusCodes.BadInvalidArgument),
                InputArgumentResults=results)
        return await method(parent, *args)

    return call
