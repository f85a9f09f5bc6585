"""An integrator points node-opcua, an OPC UA stack we did not write, at ``testbed live
--security``: it must get in only as a listed user over Basic256Sha256 + SignAndEncrypt,
find the shop's machines by browsing, read typed, timestamped values with their units,
receive data changes and breakdown events, and call the test methods.

Needs Node.js and ``npm ci`` in tests/interop/node (node-opcua pinned in its lockfile).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from live_process import Live, machine_ids, require, start_live, wait_for_simulated

from testbed.registry import Registry

pytestmark = pytest.mark.live

NODE_DIR = Path(__file__).resolve().parent / "node"
USER, PASSWORD = "integrator", "correct-horse-battery"
# Reached through the LAN or Wi-Fi without a translator's poll (MTConnect, OPC UA) or polled by
# the hub (Modbus, the serial retrofit kit): every one has samples within a simulated minute.
# The assembly benches are paper: nothing of theirs reaches the server.
SAMPLED = ["lathe-1", "lathe-2", "lathe-3", "press-1", "press-2", "press-3", "press-4", "saw",
           "mill-1", "mill-2", "laser"]
PUSHING = ["mill-1", "mill-2", "laser"]
POLLED = ["press-1", "press-2", "press-3", "press-4", "saw"]
BROKEN = "laser"


def _node() -> str:
    node = shutil.which("node")
    require(node is not None, "Node.js (`node`) is not installed")
    require((NODE_DIR / "node_modules" / "node-opcua").is_dir(),
            "node-opcua is not installed: run `npm ci` in tests/interop/node")
    assert node is not None
    return node


def _stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One secured live run, with node-opcua's report of what it saw."""
    node = _node()
    tmp = tmp_path_factory.mktemp("node-opcua")
    users = tmp / "users.yaml"
    users.write_text(f"{USER}: {PASSWORD}\n", encoding="utf-8")
    users.chmod(0o600)
    out = tmp / "out"
    with start_live(out, "--security", "--users", str(users)) as live:
        # Let a few simulated minutes pass so that the presses and mills have made parts.
        wait_for_simulated(live, 4 * 60)
        client = subprocess.run(
            [node, str(NODE_DIR / "client.mjs"), "--url", live.url, "--user", USER,
             "--password", PASSWORD, "--pki", str(tmp / "client-pki"),
             "--server-cert", str(out / "pki" / "server-cert.der"), "--duration", "6",
             "--breakdown", BROKEN],
            capture_output=True, text=True, timeout=60, cwd=NODE_DIR, check=False)
        report = json.loads(client.stdout.strip().splitlines()[-1]) if client.stdout else {}
        assert client.returncode == 0, f"{report}\n{client.stderr[-3000:]}"
        assert PASSWORD not in live.output(), "a password reached the log"
        yield live, report


def test_only_basic256sha256_sign_and_encrypt_with_user_names_is_offered(run: Any) -> None:
    _, report = run
    assert report["endpoints"] == [{"securityPolicy": "Basic256Sha256",
                                    "securityMode": "SignAndEncrypt",
                                    "userTokens": ["UserName"]}]
    # The certificate the endpoint presents is the one written to the run's pki folder.
    assert report["serverCertificateMatches"] is True


def test_anonymous_and_wrong_password_are_refused(run: Any) -> None:
    _, report = run
    assert report["anonymous"]["refused"], report["anonymous"]
    assert report["wrongPassword"]["refused"], report["wrongPassword"]
    assert "BadIdentityTokenRejected" in report["wrongPassword"]["error"]


def test_browsing_finds_the_scenarios_thirteen_machines(run: Any, registry: Registry) -> None:
    _, report = run
    expected = machine_ids(registry)
    assert len(expected) == 13
    assert report["namespaceIndex"] == 2
    assert report["machines"] == expected
    assert report["machineNodeIds"] == [f"ns=2;s=Machines.{m}" for m in expected]


def test_tags_read_with_their_types_status_and_simulated_timestamps(run: Any) -> None:
    _, report = run
    tags = report["tags"]
    simulated_now = _stamp(report["simulatedTime"]["value"])
    for machine in SAMPLED:
        value = tags[machine]["ProcessValue"]
        assert value["status"] == "Good", (machine, value)
        assert value["dataType"] == "Double"
        assert 30.0 < value["value"] < 50.0, (machine, value)  # 40 °C ± 5 °C swing and noise
    for machine in [*PUSHING, *POLLED]:
        count = tags[machine]["PartCount"]
        assert count["status"] == "Good", (machine, count)
        assert count["dataType"] == "UInt32"
        assert count["value"] >= 1
    for machine, values in tags.items():
        for name, value in values.items():
            if value["status"] == "Good":
                # Source timestamps are simulated time: never after the simulated now.
                assert _stamp(value["sourceTimestamp"]) <= simulated_now, (machine, name)
                expected = {"PartCount": "UInt32", "BreakdownCount": "UInt32",
                            "State": "String", "ProcessValue": "Double"}[name]
                assert value["dataType"] == expected, (machine, name, value)
            else:
                # Nothing has reached the server yet: no value, and says so.
                assert value["status"] == "BadWaitingForInitialData", (machine, name, value)
                assert value["value"] is None
        if values["State"]["status"] == "Good":
            assert values["State"]["value"] in ("Running", "Setup", "Broken down")
    # Paper stations never report.
    assert tags["assembly-bench-1"]["PartCount"]["status"] == "BadWaitingForInitialData"


def test_process_value_unit_is_degrees_celsius(run: Any) -> None:
    _, report = run
    units = report["engineeringUnits"]
    assert units is not None, "no EngineeringUnits property under ProcessValue"
    assert units["status"] == "Good"
    assert units["displayName"] == "°C"
    assert units["namespaceUri"] == "http://www.opcfoundation.org/UA/units/un/cefact"
    assert units["unitId"] == int.from_bytes(b"CEL", "big")  # UNECE "CEL", as Part 8 packs it


def test_engineering_units_has_the_standard_browse_name(run: Any) -> None:
    _, report = run
    assert report["standardEngineeringUnitsPath"] == "Good"


def test_subscription_receives_data_changes_from_every_sampled_machine(run: Any) -> None:
    _, report = run
    subscription = report["subscription"]
    assert subscription["notifications"]["ProcessValue"]["good"] > 0
    per_machine = subscription["processValueNotifications"]
    for machine in SAMPLED:
        # Six seconds at x60 are six simulated minutes of samples every few seconds.
        assert per_machine[machine] > 10, (machine, per_machine)
    assert subscription["notifications"]["PartCount"]["good"] > 0


def test_breaking_a_machine_down_raises_an_event_and_counts_it(run: Any) -> None:
    _, report = run
    assert set(report["eventItems"].values()) == {"Good"}, report["eventItems"]
    breakdown = report["breakdown"]
    assert breakdown["start"] == {"status": "Good", "result": True}
    assert breakdown["end"] == {"status": "Good", "result": True}
    events = [e for e in report["events"] if e["machine"] == BROKEN]
    assert events, report["events"]
    assert events[-1]["sourceName"] == BROKEN
    assert events[-1]["message"] == f"{BROKEN} broke down"
    count = report["tags"][BROKEN]["BreakdownCount"]
    assert count["status"] == "Good"
    assert count["value"] == events[-1]["breakdownCount"] >= 1


def test_an_unknown_machine_is_an_invalid_argument(run: Any) -> None:
    _, report = run
    assert report["breakdown"]["unknownMachine"] == "BadInvalidArgument"


def test_ctrl_c_ends_the_run_and_writes_the_results(run: Any) -> None:
    live: Live = run[0]
    assert live.stop() == 0, live.output()[-3000:]
    for name in ("results.json", "simulated.json", "live.json"):
        assert (live.out / name).is_file(), name
    results = json.loads((live.out / "results.json").read_text(encoding="utf-8"))
    assert results
    # The private key stays the owner's.
    assert (live.out / "pki" / "server-key.pem").stat().st_mode & 0o077 == 0
