"""Security of live endpoints, tried with asyncua and the real command: with ``--security``
only users get in, and only over Basic256Sha256 with signing and encryption; keys are the
owner's alone; a users file others can read is refused; listening beyond loopback is said
loudly; no password is ever written anywhere. (tests/interop/test_node_opcua.py tries the
same server with node-opcua.)"""

from __future__ import annotations

import asyncio
import logging
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from asyncua import Client, ua
from asyncua.crypto.security_policies import SecurityPolicyBasic256Sha256

from testbed.live.security import key_pair

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "live"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interop"))
from live_helpers import live_run
from live_process import ARCHITECTURE, SCENARIO, start_live, wait_for_simulated

pytestmark = pytest.mark.live
NS = "urn:interop-testbed:factory"
PASSWORD = "correct-horse-battery-staple"
CLIENT_URI = "urn:interop-testbed:hostile-test-client"


@pytest.fixture(autouse=True)
def _quiet() -> None:
    # Refused logins are the point here; asyncua logs each one.
    logging.getLogger("asyncua").setLevel(logging.CRITICAL)


def users_file(tmp: Path, mode: int = 0o600) -> Path:
    users = tmp / "users.yaml"
    users.write_text(f"operator: {PASSWORD}\n", encoding="utf-8")
    users.chmod(mode)
    return users


async def secure_client(url: str, tmp: Path, server_certificate: Path, user: str | None,
                        password: str | None, kind: type[Client] = Client) -> Client:
    """A client (of ``kind``) with its own certificate over Basic256Sha256 SignAndEncrypt."""
    own = key_pair(tmp / "client-pki", "client", CLIENT_URI, server=False)
    client = kind(url, timeout=10)
    client.application_uri = CLIENT_URI
    await client.set_security(SecurityPolicyBasic256Sha256, str(own.certificate),
                              str(own.private_key), server_certificate=str(server_certificate),
                              mode=ua.MessageSecurityMode.SignAndEncrypt)
    if user is not None:
        client.set_user(user)
    if password is not None:
        client.set_password(password)
    return client


def test_with_security_only_listed_users_get_in_and_only_encrypted(tmp_path: Path) -> None:
    async def story() -> None:
        async with live_run(tmp_path, users={"operator": PASSWORD}, duration=None) as run:
            stop = asyncio.Event()
            driving = asyncio.create_task(run.run(stop))
            pki = run.options.pki
            server_cert = pki / "server-cert.der"

            # Discovery offers Basic256Sha256 with signing and encryption, user names only.
            endpoints = await Client(run.url).connect_and_get_server_endpoints()
            assert endpoints
            for endpoint in endpoints:
                assert endpoint.SecurityMode == ua.MessageSecurityMode.SignAndEncrypt
                assert endpoint.SecurityPolicyUri.endswith("#Basic256Sha256")
                tokens = {t.TokenType for t in endpoint.UserIdentityTokens}
                assert tokens == {ua.UserTokenType.UserName}

            # Without security: no channel at all. Encrypted but anonymous, or with a wrong
            # password, or an unknown user: no session.
            with pytest.raises((ua.UaError, OSError, TimeoutError)):
                async with Client(run.url, timeout=5):
                    pass
            for user, password in ((None, None), ("operator", "wrong-password"),
                                   ("intruder", PASSWORD)):
                client = await secure_client(run.url, tmp_path, server_cert, user, password)
                with pytest.raises(ua.UaStatusCodeError):
                    async with client:
                        pass

            # The listed user, encrypted, reads the factory.
            client = await secure_client(run.url, tmp_path, server_cert, "operator", PASSWORD)
            async with client:
                ns = await client.get_namespace_index(NS)
                value = await client.get_node(ua.NodeId("Factory.SimulatedTime", ns)) \
                    .read_data_value()
                assert value.StatusCode.is_good()
            stop.set()
            await driving

            # Keys and the directory that holds them are the owner's alone.
            assert stat.S_IMODE(pki.stat().st_mode) == 0o700
            keys = sorted(pki.glob("*-key.pem"))
            assert [k.name for k in keys] == ["server-key.pem", "stubs-key.pem"]
            for key in keys:
                assert stat.S_IMODE(key.stat().st_mode) == 0o600, key

    asyncio.run(story())


def test_a_users_file_others_can_read_is_refused_by_name(tmp_path: Path) -> None:
    users = users_file(tmp_path, mode=0o644)
    result = subprocess.run(
        [sys.executable, "-m", "testbed.cli", "live", str(SCENARIO), "--architecture",
         ARCHITECTURE, "--security", "--users", str(users), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert str(users) in result.stderr
    assert "644" in result.stderr and "chmod 600" in result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert not (tmp_path / "out" / "pki").exists()  # nothing was started


def test_beyond_loopback_is_said_loudly_and_no_password_is_written(tmp_path: Path) -> None:
    # Without security, listening on every address says anyone can connect.
    with start_live(tmp_path / "open", "--host", "0.0.0.0", duration="10min") as live:
        pass
    assert "WARNING: live endpoints listen on 0.0.0.0" in live.output()
    assert "anyone can connect without a password" in live.output()

    # With security, it still warns (the endpoints are reachable) but not about passwords;
    # a user logs in, and the password is nowhere in the output or the files written.
    users = users_file(tmp_path)
    out = tmp_path / "secure"
    with start_live(out, "--host", "0.0.0.0", "--security", "--users", str(users),
                    duration="10min") as live:
        async def login() -> None:
            client = await secure_client(live.url, tmp_path, out / "pki" / "server-cert.der",
                                         "operator", PASSWORD)
            async with client:
                ns = await client.get_namespace_index(NS)
                await client.get_node(ua.NodeId("Factory.SimulatedTime", ns)).read_value()
            bad = await secure_client(live.url, tmp_path, out / "pki" / "server-cert.der",
                                      "operator", PASSWORD[::-1])
            with pytest.raises(ua.UaStatusCodeError):
                async with bad:
                    pass

        asyncio.run(login())
        wait_for_simulated(live, 60)
        assert live.stop() == 0
        assert live.process.stdout is not None
        stdout = live.process.stdout.read()
    output = live.output()
    assert "WARNING: live endpoints listen on 0.0.0.0" in output
    assert "without a password" not in output
    assert "results: " in stdout
    written = [f for f in out.rglob("*") if f.is_file()]
    assert {f.name for f in written} >= {"results.json", "simulated.json", "live.json",
                                         "server-key.pem"}
    for text in (stdout, output, *(f.read_bytes().decode("latin-1") for f in written)):
        assert PASSWORD not in text and PASSWORD[::-1] not in text
