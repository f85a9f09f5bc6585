"""Security for live endpoints: certificates, users, and what is refused.

With ``--security`` the OPC UA server offers only Basic256Sha256 with signing and encryption,
accepts only username/password sessions (no anonymous ones), and checks them against a users
file. Private keys are written readable by their owner only; no password is ever logged.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from asyncua import ua
from asyncua.crypto.cert_gen import (
    dump_private_key_as_pem,
    generate_private_key,
    generate_self_signed_app_certificate,
)
from asyncua.crypto.permission_rules import User, UserRole
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

from testbed.errors import InputError, Problem

SERVER_URI = "urn:interop-testbed:live:server"
STUB_URI = "urn:interop-testbed:live:stubs"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def load_users(path: Path) -> dict[str, str]:
    """A users file: a YAML mapping of user name to password, readable by its owner only
    (like ``.pgpass``): a password file others can read is refused, not used."""
    def bad(field: str, message: str) -> InputError:
        return InputError(path, [Problem(field, message)])

    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise bad("", f"cannot read the users file: {exc.strerror}") from None
    if mode & 0o077:
        raise bad("", f"the users file is readable by others (mode {mode & 0o777:o}); "
                      f"allowed: owner-only, e.g. `chmod 600 {path}`")
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise bad("", f"not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not data:
        raise bad("", "expected a mapping of user name to password, e.g. `operator: s3cret`")
    users: dict[str, str] = {}
    for name, password in data.items():
        if not isinstance(name, str) or not name.strip():
            raise bad(str(name), "a user name must be non-empty text")
        if not isinstance(password, str) or len(password) < 8:
            raise bad(name, "the password must be text of at least 8 characters")
        users[name] = password
    return users


class UserList:
    """asyncua's user manager: a session is admitted only with a listed name and password.

    Anything else is refused with BadIdentityTokenRejected, "the user identity token is valid
    but the server has rejected it" (OPC UA Part 4, table of common status codes), the same for
    an unknown name as for a wrong password so that names cannot be probed; asyncua's own
    answer, BadUserAccessDenied, is for operations a user may not perform.
    """

    def __init__(self, users: dict[str, str]) -> None:
        self._users = users

    def get_user(self, iserver: Any, username: str | None = None,
                 password: str | None = None, certificate: Any = None) -> User:
        if username is None or password is None:
            raise ua.uaerrors.BadIdentityTokenRejected
        expected = self._users.get(username)
        if expected is None:
            # the same work for unknown names; bytes, as compare_digest takes str only in ASCII
            hmac.compare_digest(password.encode(), password.encode())
            raise ua.uaerrors.BadIdentityTokenRejected
        if not hmac.compare_digest(expected.encode(), password.encode()):
            raise ua.uaerrors.BadIdentityTokenRejected
        return User(role=UserRole.User, name=username)


@dataclass(frozen=True)
class KeyPair:
    certificate: Path
    private_key: Path


def key_pair(directory: Path, name: str, uri: str, server: bool) -> KeyPair:
    """A self-signed application certificate and its key, made once and then reused."""
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    key_path = directory / f"{name}-key.pem"
    cert_path = directory / f"{name}-cert.der"
    if not key_path.exists() or not cert_path.exists():
        key = generate_private_key()
        # Created owner-only from the start: never a moment when others could read it.
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(dump_private_key_as_pem(key))
        host = socket.gethostname()
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        cert = generate_self_signed_app_certificate(
            key, uri, {"organizationName": "interop-testbed"},
            [x509.UniformResourceIdentifier(uri), x509.DNSName(host),
             x509.DNSName("localhost")],
            extended=[usage])
        cert_path.write_bytes(cert.public_bytes(encoding=Encoding.DER))
    os.chmod(key_path, 0o600)
    return KeyPair(cert_path, key_path)
