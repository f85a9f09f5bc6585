"""Sessions only on the secure channels the server advertises, whatever the client checks.

asyncua 2.1's server lets every connection open a SecurityPolicy#None channel (it must: OPC UA
Part 4 5.4.4 says GetEndpoints needs no message security, so that a client can learn the
endpoints before it can encrypt anything), and then serves every request on that channel:
CreateSession, ActivateSession with a user name and a plaintext password, Read. With
``--security`` only Basic256Sha256 with signing and encryption is advertised, but nothing held
a client to it; asyncua's own client refused on its side, a client that does not look at the
endpoint list was let in.

:class:`AdvertisedChannelsProcessor` serves only discovery (GetEndpoints, FindServers) on a
channel whose security policy and mode match no advertised endpoint, and refuses every other
request with ``BadSecurityPolicyRejected`` (no endpoint has the channel's policy) or
``BadSecurityModeRejected`` (one has the policy, with another mode), as open62541 does with its
``securityPolicyNoneDiscoveryOnly``. On an advertised channel it checks the identity token of
ActivateSession against the endpoint's user token policies (Part 4 7.41): the token must name a
policy the endpoint offers (``BadIdentityTokenInvalid``), and a password must be encrypted
with the algorithm of that policy's security policy when it is not None
(``BadIdentityTokenInvalid`` if sent in the clear, ``BadSecurityPolicyRejected`` if encrypted
with another algorithm). With ``--security`` the user name policy asks for exactly that
(:func:`require_encrypted_passwords`), and the encrypted password must carry the session's
server nonce (:func:`check_password_nonces`).
"""

from __future__ import annotations

from typing import Any

from asyncua import ua
from asyncua.common.utils import ServiceError
from asyncua.crypto import security_policies, uacrypto
from asyncua.server.internal_server import InternalServer
from asyncua.server.internal_session import InternalSession
from asyncua.server.uaprocessor import UaProcessor
from asyncua.ua.ua_binary import struct_from_binary

# What a channel of no advertised endpoint serves: discovery, and closing itself.
DISCOVERY = frozenset(ua.NodeId(i) for i in (
    ua.ObjectIds.GetEndpointsRequest_Encoding_DefaultBinary,
    ua.ObjectIds.FindServersRequest_Encoding_DefaultBinary,
    ua.ObjectIds.CloseSecureChannelRequest_Encoding_DefaultBinary,
))
ACTIVATE_SESSION = ua.NodeId(ua.ObjectIds.ActivateSessionRequest_Encoding_DefaultBinary)
NONE_URI = security_policies.SecurityPolicyNone.URI
BASIC256SHA256 = security_policies.SecurityPolicyBasic256Sha256.URI
# The algorithm each security policy encrypts a password with (Part 7's policy definitions).
ENCRYPTION = {cls.URI: cls.AsymmetricEncryptionURI for cls in (
    security_policies.SecurityPolicyBasic256Sha256,
    security_policies.SecurityPolicyAes128Sha256RsaOaep,
    security_policies.SecurityPolicyAes256Sha256RsaPss,
)}
TOKEN_TYPES: dict[type, ua.UserTokenType] = {
    ua.AnonymousIdentityToken: ua.UserTokenType.Anonymous,
    ua.UserNameIdentityToken: ua.UserTokenType.UserName,
    ua.X509IdentityToken: ua.UserTokenType.Certificate,
    ua.IssuedIdentityToken: ua.UserTokenType.IssuedToken,
}


def channel_endpoint(endpoints: list[ua.EndpointDescription], policy_uri: str,
                     mode: ua.MessageSecurityMode) -> ua.EndpointDescription:
    """The advertised endpoint a channel of this policy and mode belongs to; refused if none."""
    same_policy = [e for e in endpoints if e.SecurityPolicyUri == policy_uri]
    if not same_policy:
        raise ServiceError(ua.StatusCodes.BadSecurityPolicyRejected)
    for endpoint in same_policy:
        if endpoint.SecurityMode == mode:
            return endpoint
    raise ServiceError(ua.StatusCodes.BadSecurityModeRejected)


def check_identity(endpoint: ua.EndpointDescription, token: Any) -> None:
    """Refuse an identity token the endpoint does not offer, or a password that is not
    encrypted as the endpoint's user token policy requires."""
    offered = endpoint.UserIdentityTokens
    if isinstance(token, ua.ExtensionObject) and token.TypeId == ua.NodeId(ua.ObjectIds.Null):
        # Part 4 5.6.3: a null token means anonymous, and names no policy
        policy = next((p for p in offered if p.TokenType == ua.UserTokenType.Anonymous), None)
    else:
        token_type = TOKEN_TYPES.get(type(token))
        policy = next((p for p in offered if p.PolicyId == getattr(token, "PolicyId", None)
                       and p.TokenType == token_type), None)
    if policy is None:
        raise ServiceError(ua.StatusCodes.BadIdentityTokenInvalid)
    if not isinstance(token, ua.UserNameIdentityToken):
        return
    # An empty SecurityPolicyUri means the endpoint's own policy (Part 4 7.41).
    required = ENCRYPTION.get(policy.SecurityPolicyUri or endpoint.SecurityPolicyUri or NONE_URI)
    if required is None:
        return
    if not token.EncryptionAlgorithm:
        raise ServiceError(ua.StatusCodes.BadIdentityTokenInvalid)
    if token.EncryptionAlgorithm != required:
        raise ServiceError(ua.StatusCodes.BadSecurityPolicyRejected)


def require_encrypted_passwords(endpoints: list[ua.EndpointDescription]) -> None:
    """Make each secure endpoint's user name policy ask for the password encrypted under the
    endpoint's own security policy. asyncua offers it in the clear on an encrypted channel;
    encrypted with the server's key, it is readable by the server alone, and a client that
    sends it in the clear is refused (:func:`check_identity`)."""
    for endpoint in endpoints:
        if endpoint.SecurityPolicyUri not in ENCRYPTION:
            continue
        for policy in endpoint.UserIdentityTokens:
            if policy.TokenType == ua.UserTokenType.UserName:
                policy.SecurityPolicyUri = endpoint.SecurityPolicyUri


def check_password_nonces(iserver: InternalServer) -> None:
    """Accept an encrypted password only with the server nonce it must carry (Part 4 7.41.2:
    length, password, the last server nonce, encrypted together), so that a captured token
    cannot be replayed into another session; asyncua strips the nonce unread."""
    decrypt = iserver.decrypt_user_token

    def checked(isession: InternalSession, token: ua.UserNameIdentityToken) -> tuple[str, str]:
        if token.EncryptionAlgorithm != ENCRYPTION[BASIC256SHA256]:
            return decrypt(isession, token)  # refused before, by check_identity, if encrypted
        secret = uacrypto.decrypt_rsa_oaep(iserver.private_key, token.Password)
        length = int.from_bytes(secret[:4], "little")
        nonce = isession.nonce or b""
        if length != len(secret) - 4 or not nonce or not secret.endswith(nonce):
            raise ServiceError(ua.StatusCodes.BadIdentityTokenInvalid)
        return token.UserName, secret[4:len(secret) - len(nonce)].decode("utf-8")

    iserver.decrypt_user_token = checked


class AdvertisedChannelsProcessor(UaProcessor):
    """asyncua's per-connection request processor, serving sessions only on channels that
    match an advertised endpoint."""

    async def _process_message(self, typeid: ua.NodeId, requesthdr: ua.RequestHeader,
                               seqhdr: Any, body: Any) -> Any:
        if typeid not in DISCOVERY:
            channel = self._connection.security_policy
            endpoint = channel_endpoint(self.iserver.endpoints, channel.URI, channel.Mode)
            if typeid == ACTIVATE_SESSION:
                params = struct_from_binary(ua.ActivateSessionParameters, body.copy())
                check_identity(endpoint, params.UserIdentityToken)
        return await super()._process_message(typeid, requesthdr, seqhdr, body)
