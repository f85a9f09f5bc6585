"""Security that holds against a client that does not protect itself.

asyncua's ``Client`` refuses, on its own side, to log in on a channel the server does not
advertise, so tests through it cannot show what the server allows. These speak the protocol
with asyncua's low-level ``UaClient``, which sends whatever it is given: a SecurityPolicy#None
channel to a ``--security`` server, a session on it with the right user name and password in
the clear, a read. Then, over Basic256Sha256, identity tokens the endpoint does not allow; and
the status codes of refused writes and method calls.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from asyncua import Client, ua
from asyncua.client.ua_client import UaClient
from asyncua.crypto import security_policies, uacrypto
from asyncua.crypto.security_policies import SecurityPolicyBasic256Sha256
from asyncua.ua.ua_binary import struct_from_binary

from testbed.live.session import LiveRun

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "live"))
from live_helpers import live_run
from test_live_security import secure_client

pytestmark = pytest.mark.live
NS = "urn:interop-testbed:factory"
PASSWORD = "correct-horse-battery-staple"
CLIENT_URI = "urn:interop-testbed:channel-test-client"
BASIC256SHA256 = SecurityPolicyBasic256Sha256.URI


@pytest.fixture(autouse=True)
def _quiet() -> None:
    # Refused requests are the point here; asyncua logs each one.
    logging.getLogger("asyncua").setLevel(logging.CRITICAL)


def running(tmp: Path, story: Callable[[LiveRun], Awaitable[None]], **options: Any) -> None:
    async def run() -> None:
        async with live_run(tmp, duration=None, **options) as live:
            stop = asyncio.Event()
            driving = asyncio.create_task(live.run(stop))
            try:
                await story(live)
                # The figures at the end need some simulated time to divide by.
                while live.model.env.now < 60:
                    await asyncio.sleep(0.05)
            finally:
                stop.set()
                await driving

    asyncio.run(run())


def secured(tmp: Path, story: Callable[[LiveRun], Awaitable[None]]) -> None:
    running(tmp, story, users={"operator": PASSWORD})


async def none_channel(url: str) -> UaClient:
    """A socket, a Hello and an OpenSecureChannel with SecurityPolicy#None: nothing else."""
    address = urlparse(url)
    assert address.hostname is not None and address.port is not None
    client = UaClient(timeout=5)
    await client.connect_socket(address.hostname, address.port)
    await client.send_hello(url)
    await client.open_secure_channel(ua.OpenSecureChannelParameters(
        ClientProtocolVersion=0, RequestType=ua.SecurityTokenRequestType.Issue,
        SecurityMode=ua.MessageSecurityMode.None_, ClientNonce=b"", RequestedLifetime=60000))
    return client


async def send(client: UaClient, request: Any, response_type: type) -> Any:
    """The request as it is; a ServiceFault raises its status code."""
    assert client.protocol is not None
    data = await client.protocol.send_request(request)
    return struct_from_binary(response_type, data)


def create_session(url: str) -> ua.CreateSessionRequest:
    return ua.CreateSessionRequest(Parameters=ua.CreateSessionParameters(
        ClientDescription=ua.ApplicationDescription(
            ApplicationUri=CLIENT_URI, ApplicationName=ua.LocalizedText("intruder"),
            ApplicationType=ua.ApplicationType.Client),
        EndpointUrl=url, SessionName="intruder", ClientNonce=os.urandom(32),
        RequestedSessionTimeout=60000, MaxResponseMessageSize=0))


def activate_session(user: str, password: str) -> ua.ActivateSessionRequest:
    token = ua.UserNameIdentityToken(PolicyId="username", UserName=user,
                                     Password=password.encode(), EncryptionAlgorithm=None)
    return ua.ActivateSessionRequest(Parameters=ua.ActivateSessionParameters(
        UserIdentityToken=token))


def read_time(ns: int) -> ua.ReadRequest:
    return ua.ReadRequest(Parameters=ua.ReadParameters(NodesToRead=[ua.ReadValueId(
        NodeId=ua.NodeId("Factory.SimulatedTime", ns), AttributeId=ua.AttributeIds.Value)]))


class PlaintextPassword(Client):
    """Sends the password in the clear, whatever the endpoint's user token policy asks."""

    def _add_user_auth(self, params: ua.ActivateSessionParameters, username: str | None,
                       password: str | None) -> None:
        super()._add_user_auth(params, username, password)
        params.UserIdentityToken.Password = (password or "").encode()
        params.UserIdentityToken.EncryptionAlgorithm = None


class Rsa15Password(Client):
    """Encrypts the password with RSA 1.5 (Basic128Rsa15's algorithm), not the endpoint's."""

    def _add_user_auth(self, params: ua.ActivateSessionParameters, username: str | None,
                       password: str | None) -> None:
        super()._add_user_auth(params, username, password)
        assert self.security_policy.peer_certificate is not None
        key = uacrypto.x509_from_der(self.security_policy.peer_certificate).public_key()
        secret = ua.ua_binary.Primitives.Bytes.pack((password or "").encode()
                                                    + (self._server_nonce or b""))
        data, uri = security_policies.encrypt_asymmetric(
            key, secret, security_policies.SecurityPolicyBasic128Rsa15.URI)
        params.UserIdentityToken.Password = data
        params.UserIdentityToken.EncryptionAlgorithm = uri


class StaleNonce(Client):
    """Encrypts the password as asked, but with a server nonce other than the session's, as a
    token captured from another session would carry."""

    def _encrypt_password(self, password: str, policy_uri: str) -> tuple[bytes, str]:
        nonce, self._server_nonce = self._server_nonce, os.urandom(32)
        try:
            return super()._encrypt_password(password, policy_uri)
        finally:
            self._server_nonce = nonce


async def client_of(live: LiveRun, tmp: Path, user: str | None, password: str | None,
                    kind: type[Client] = Client) -> Client:
    return await secure_client(live.url, tmp, live.options.pki / "server-cert.der", user,
                               password, kind)


def test_a_none_channel_serves_discovery_and_refuses_sessions_even_with_the_password(
        tmp_path: Path) -> None:
    async def story(live: LiveRun) -> None:
        client = await none_channel(live.url)
        try:
            # Discovery needs no message security (Part 4 5.4.4): it still works.
            endpoints = await client.get_endpoints(ua.GetEndpointsParameters(EndpointUrl=live.url))
            assert [(e.SecurityPolicyUri, e.SecurityMode) for e in endpoints] == [
                (BASIC256SHA256, ua.MessageSecurityMode.SignAndEncrypt)]
            servers = await client.find_servers(ua.FindServersParameters(EndpointUrl=live.url))
            assert [s.ApplicationUri for s in servers] == ["urn:interop-testbed:live:server"]

            # A session, its activation with the right user and password, a read: all refused.
            with pytest.raises(ua.uaerrors.BadSecurityPolicyRejected):
                await send(client, create_session(live.url), ua.CreateSessionResponse)
            with pytest.raises(ua.uaerrors.BadSecurityPolicyRejected):
                await send(client, activate_session("operator", PASSWORD),
                           ua.ActivateSessionResponse)
            with pytest.raises(ua.uaerrors.BadSecurityPolicyRejected):
                await send(client, read_time(2), ua.ReadResponse)
            with pytest.raises(ua.uaerrors.BadSecurityPolicyRejected):
                await send(client, ua.RegisterServerRequest(Server=ua.RegisteredServer(
                    ServerUri="urn:intruder", IsOnline=True)), ua.RegisterServerResponse)
            # The channel stays usable for discovery after the refusals.
            assert await client.get_endpoints(ua.GetEndpointsParameters(EndpointUrl=live.url))
        finally:
            await client.close_secure_channel()
            client.disconnect_socket()

    secured(tmp_path, story)


def test_over_basic256sha256_only_an_encrypted_password_of_a_listed_user_gets_in(
        tmp_path: Path) -> None:
    async def story(live: LiveRun) -> None:
        # The user name policy asks for the password encrypted under Basic256Sha256.
        endpoints = await Client(live.url).connect_and_get_server_endpoints()
        (policy,) = endpoints[0].UserIdentityTokens
        assert (policy.TokenType, policy.SecurityPolicyUri) == (ua.UserTokenType.UserName,
                                                                BASIC256SHA256)

        refusals: list[tuple[str | None, str | None, type[Client], type[Exception]]] = [
            ("operator", "wrong-password", Client, ua.uaerrors.BadIdentityTokenRejected),
            ("intruder", PASSWORD, Client, ua.uaerrors.BadIdentityTokenRejected),
            ("éindringling", "pässwört-müller", Client, ua.uaerrors.BadIdentityTokenRejected),
            (None, None, Client, ua.uaerrors.BadIdentityTokenInvalid),  # anonymous
            ("operator", PASSWORD, PlaintextPassword, ua.uaerrors.BadIdentityTokenInvalid),
            ("operator", PASSWORD, Rsa15Password, ua.uaerrors.BadSecurityPolicyRejected),
            ("operator", PASSWORD, StaleNonce, ua.uaerrors.BadIdentityTokenInvalid),
        ]
        for user, password, kind, refused in refusals:
            client = await client_of(live, tmp_path, user, password, kind)
            with pytest.raises(refused):
                async with client:
                    pass

        client = await client_of(live, tmp_path, "operator", PASSWORD)
        async with client:
            ns = await client.get_namespace_index(NS)
            value = await client.get_node(ua.NodeId("Factory.SimulatedTime", ns)) \
                .read_data_value()
            assert value.StatusCode is not None and value.StatusCode.is_good()

    secured(tmp_path, story)


def test_refused_writes_and_calls_say_why_as_part_4_names_it(tmp_path: Path) -> None:
    async def story(live: LiveRun) -> None:
        async with Client(live.url) as client:
            ns = await client.get_namespace_index(NS)
            machine = live.assembly.machines[0].id
            count = ua.NodeId(f"Machines.{machine}.PartCount", ns)

            def write(node: ua.NodeId, value: ua.Variant,
                      attribute: ua.AttributeIds = ua.AttributeIds.Value) -> ua.WriteValue:
                return ua.WriteValue(NodeId=node, AttributeId=attribute,
                                     Value=ua.DataValue(value))

            results = await client.uaclient.write(ua.WriteParameters(NodesToWrite=[
                write(count, ua.Variant(5, ua.VariantType.UInt32)),
                write(count, ua.Variant("five", ua.VariantType.String)),
                write(count, ua.Variant(ua.LocalizedText("x")), ua.AttributeIds.DisplayName),
                write(ua.NodeId("Machines.no-such-machine.PartCount", ns),
                      ua.Variant(5, ua.VariantType.UInt32)),
            ]))
            assert [r.name for r in results] == ["BadNotWritable", "BadNotWritable",
                                                 "BadNotWritable", "BadNodeIdUnknown"]

            factory = ua.NodeId("Factory", ns)
            outage = ua.NodeId("Factory.InjectOutage", ns)
            link = ua.Variant("no-such-link", ua.VariantType.String)
            seconds = ua.Variant(30.0, ua.VariantType.Double)
            calls = await client.uaclient.call([
                ua.CallMethodRequest(ObjectId=factory, MethodId=outage, InputArguments=args)
                for args in ([], [link], [link, seconds, seconds], [seconds, seconds],
                             [link, seconds])])
            assert [c.StatusCode.name for c in calls] == [
                "BadArgumentsMissing", "BadArgumentsMissing", "BadTooManyArguments",
                "BadInvalidArgument", "BadInvalidArgument"]
            assert [r.name for r in calls[3].InputArgumentResults] == ["BadTypeMismatch", "Good"]
            assert [r.name for r in calls[4].InputArgumentResults] == ["Good", "Good"]

    running(tmp_path, story)
