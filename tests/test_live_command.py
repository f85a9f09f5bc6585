"""`testbed live` refuses what it cannot run with a clear message and exit code 2, before it
opens a port where it can, and never with a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BUNDLED, TEST_SCENARIOS

from testbed.cli import main

SHOP = str(BUNDLED / "sme-legacy-shop.yaml")


def test_an_unknown_architecture_is_refused_with_the_names_allowed(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["live", SHOP, "--architecture", "Edge hub"]) == 2
    err = capsys.readouterr().err
    assert "no architecture named 'Edge hub'" in err and "'Edge gateway hub'" in err


def test_an_unknown_timestamps_choice_is_refused_with_the_choices_allowed(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["live", SHOP, "--architecture", "Edge gateway hub", "--timestamps", "local"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--timestamps: invalid choice: 'local' (choose from 'simulated', 'wall')" in err


def test_a_users_file_others_can_read_is_refused(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    users = tmp_path / "users.yaml"
    users.write_text("integrator: correct-horse-battery\n")
    users.chmod(0o644)
    assert main(["live", SHOP, "--architecture", "Edge gateway hub", "--security",
                 "--users", str(users)]) == 2
    err = capsys.readouterr().err
    assert f"{users}: the users file is readable by others (mode 644)" in err
    assert "correct-horse-battery" not in err
    assert main(["live", SHOP, "--architecture", "Edge gateway hub", "--users",
                 str(users)]) == 2
    assert "users are only checked with --security" in capsys.readouterr().err


def test_a_busy_port_is_named_without_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = subprocess.run([sys.executable, "-m", "testbed.cli", "live", SHOP,
                              "--architecture", "Edge gateway hub", "--opcua-port", str(port),
                              "--duration", "1min", "--out", str(tmp_path)],
                             capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "a port is in use on 127.0.0.1" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("missing", ["asyncua", "pymodbus", "aiohttp"])
def test_without_the_live_extra_the_command_says_what_to_install(missing: str,
                                                                  tmp_path: Path) -> None:
    # As if the package had been installed without the extra: a sitecustomize that makes the
    # import of asyncua (or pymodbus) fail, in a real `testbed live` process.
    (tmp_path / "sitecustomize.py").write_text(f"import sys\nsys.modules[{missing!r}] = None\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(tmp_path), *filter(None, [os.environ.get("PYTHONPATH")])])}
    run = subprocess.run([sys.executable, "-m", "testbed.cli", "live", SHOP, "--architecture",
                          "Edge gateway hub", "--duration", "1min", "--out",
                          str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 2, run.stderr
    assert "testbed live needs `pip install 'interop-testbed[live]'`" in run.stderr
    assert missing in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()
    # and the other commands do not need the extra
    run = subprocess.run([sys.executable, "-m", "testbed.cli", "validate", SHOP],
                         capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr


@pytest.mark.live
def test_machines_without_a_live_endpoint_are_named_by_protocol(tmp_path: Path) -> None:
    def free_port() -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])

    mix = str(TEST_SCENARIOS / "interfaces" / "live-mix.yaml")
    run = subprocess.run([sys.executable, "-m", "testbed.cli", "live", mix, "--architecture",
                          "hub", "--speed", "60", "--duration", "1min", "--quiet",
                          "--opcua-port", str(free_port()), "--modbus-port", str(free_port()),
                          "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "units 1-1: press" in run.stderr
    assert ("Source timestamps: simulated time, running 60 times as fast as the wall clock "
            "and ahead of it (--timestamps wall maps them onto it)") in run.stderr
    assert ("No live endpoint of their own (simulated, read them in the OPC UA address space): "
            "ethernet-ip: ab; euromap63: moulder; rs232-ascii: scale; s7comm: plc") in run.stderr
    assert "Traceback" not in run.stderr
