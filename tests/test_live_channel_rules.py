"""Which channel and identity token may carry a session (testbed/live/channels.py), on the
endpoint descriptions alone; tests/hostile/test_live_channels.py tries them on the wire."""

from __future__ import annotations

import pytest
from asyncua import ua
from asyncua.common.utils import ServiceError

from testbed.live.channels import channel_endpoint, check_identity, require_encrypted_passwords

NONE = "http://opcfoundation.org/UA/SecurityPolicy#None"
BASIC256SHA256 = "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256"
RSA_OAEP = "http://www.w3.org/2001/04/xmlenc#rsa-oaep"
SIGN_AND_ENCRYPT = ua.MessageSecurityMode.SignAndEncrypt


def secure_endpoint() -> ua.EndpointDescription:
    endpoint = ua.EndpointDescription(
        SecurityPolicyUri=BASIC256SHA256, SecurityMode=SIGN_AND_ENCRYPT,
        UserIdentityTokens=[ua.UserTokenPolicy(PolicyId="username",
                                               TokenType=ua.UserTokenType.UserName,
                                               SecurityPolicyUri=NONE)])
    require_encrypted_passwords([endpoint])
    return endpoint


def refused(code: int) -> pytest.RaisesExc[ServiceError]:
    return pytest.raises(ServiceError, check=lambda e: e.code == code)


def test_a_session_needs_a_channel_of_an_advertised_policy_and_mode() -> None:
    endpoints = [secure_endpoint()]
    assert channel_endpoint(endpoints, BASIC256SHA256, SIGN_AND_ENCRYPT) is endpoints[0]
    with refused(ua.StatusCodes.BadSecurityPolicyRejected):
        channel_endpoint(endpoints, NONE, ua.MessageSecurityMode.None_)
    with refused(ua.StatusCodes.BadSecurityModeRejected):
        channel_endpoint(endpoints, BASIC256SHA256, ua.MessageSecurityMode.Sign)


def test_a_secure_endpoints_password_must_be_encrypted_with_its_policys_algorithm() -> None:
    endpoint = secure_endpoint()
    assert endpoint.UserIdentityTokens[0].SecurityPolicyUri == BASIC256SHA256

    def token(algorithm: str | None, policy: str = "username") -> ua.UserNameIdentityToken:
        return ua.UserNameIdentityToken(PolicyId=policy, UserName="operator",
                                        Password=b"secret", EncryptionAlgorithm=algorithm)

    check_identity(endpoint, token(RSA_OAEP))
    with refused(ua.StatusCodes.BadIdentityTokenInvalid):
        check_identity(endpoint, token(None))
    with refused(ua.StatusCodes.BadSecurityPolicyRejected):
        check_identity(endpoint, token("http://www.w3.org/2001/04/xmlenc#rsa-1_5"))
    with refused(ua.StatusCodes.BadIdentityTokenInvalid):
        check_identity(endpoint, token(RSA_OAEP, policy="anonymous"))


def test_anonymous_only_where_offered_and_a_null_token_is_anonymous() -> None:
    null = ua.ExtensionObject()
    with refused(ua.StatusCodes.BadIdentityTokenInvalid):
        check_identity(secure_endpoint(), ua.AnonymousIdentityToken(PolicyId="anonymous"))
    with refused(ua.StatusCodes.BadIdentityTokenInvalid):
        check_identity(secure_endpoint(), null)

    # Without --security: anonymous and a password in the clear, on a None channel.
    open_endpoint = ua.EndpointDescription(
        SecurityPolicyUri=NONE, SecurityMode=ua.MessageSecurityMode.None_,
        UserIdentityTokens=[
            ua.UserTokenPolicy(PolicyId="anonymous", TokenType=ua.UserTokenType.Anonymous,
                               SecurityPolicyUri=NONE),
            ua.UserTokenPolicy(PolicyId="username", TokenType=ua.UserTokenType.UserName,
                               SecurityPolicyUri=NONE)])
    require_encrypted_passwords([open_endpoint])
    check_identity(open_endpoint, ua.AnonymousIdentityToken(PolicyId="anonymous"))
    check_identity(open_endpoint, null)
    check_identity(open_endpoint, ua.UserNameIdentityToken(PolicyId="username", UserName="u",
                                                           Password=b"p"))
