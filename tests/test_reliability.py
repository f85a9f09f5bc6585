"""Nothing is lost: real processes killed mid-run, and a plugin that never returns."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import TEST_SCENARIOS

import testbed.registry
from testbed import TranslatorKind, hookimpl
from testbed.registry import PluginError, load_registry
from testbed.results.run import Results

SMALL = TEST_SCENARIOS / "small-shop.yaml"


def _start(out: Path, seed: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "testbed.cli", "run", str(SMALL), "--out",
                             str(out), "--quiet", "--jobs", "2", "--seed", str(seed)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


# Up to five runs of the small shop (40-55 s here): the slow env. By default the same atomic
# write and resume are shown by `guidance` killed midway and by Ctrl-C on `run` and `compare`.
@pytest.mark.slow
def test_a_run_killed_at_random_moments_leaves_the_previous_results_whole(
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _start(out, 42)
    assert first.wait(timeout=300) == 0
    previous = (out / "results.json").read_bytes()
    chance = random.Random(7)
    for _ in range(3):
        run = _start(out, 43)
        time.sleep(chance.uniform(0.3, 4.0))
        os.killpg(run.pid, signal.SIGKILL)  # the run and its worker processes, no clean-up
        run.wait(timeout=60)
        text = (out / "results.json").read_bytes()
        # either the old results, untouched, or (if the run had finished) complete new ones
        results = Results.model_validate_json(text)
        assert text == previous or results.seed == 43
        if results.seed == 43:
            break
    # The interrupted command, run again, resumes from the replications that had finished
    # and gives exactly what an uninterrupted run gives.
    assert list((out / ".cache").glob("*.json"))
    again = _start(out, 43)
    assert again.wait(timeout=300) == 0
    clean = _start(tmp_path / "clean", 43)
    assert clean.wait(timeout=300) == 0
    assert (out / "results.json").read_bytes() == (tmp_path / "clean" / "results.json"
                                                  ).read_bytes()


class _Hangs:
    @hookimpl
    def testbed_register_translators(self, register: Callable[[TranslatorKind], None]) -> None:
        time.sleep(3600)


def test_a_plugin_that_never_returns_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(testbed.registry, "HOOK_TIMEOUT_S", 0.5)
    started = time.monotonic()
    expected = "plugin 'stuck' did not return from testbed_register_translators within 0.5 s"
    with pytest.raises(PluginError, match=re.escape(expected)):
        load_registry(extra_plugins=[("stuck", _Hangs())])
    assert time.monotonic() - started < 5


_COMMANDS = {
    "compare": ["compare", str(SMALL)],
    "guidance": ["guidance", str(TEST_SCENARIOS / "tiny-guidance.yaml"), "--population",
                 str(TEST_SCENARIOS / "tiny-region.yaml")],
    "sweep": ["sweep", str(SMALL), "--param", "shop.links[wifi].outages.mttr=30s,5min"],
}


# guidance is the cheapest to run twice; compare (about 2 min here) and sweep prove the same
# of the same atomic-write and cache code and run in the slow env.
@pytest.mark.parametrize("command", [
    pytest.param("compare", marks=pytest.mark.slow), "guidance",
    pytest.param("sweep", marks=pytest.mark.slow)])
def test_a_command_killed_midway_keeps_its_results_whole_and_resumes(
        command: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [sys.executable, "-m", "testbed.cli", *_COMMANDS[command], "--out", str(out),
            "--quiet", "--jobs", "2"]
    assert subprocess.run(args, capture_output=True, timeout=600).returncode == 0
    written = {f.name: f.read_bytes() for f in out.iterdir() if f.is_file()}
    cache = out / ".cache"
    for finished in cache.glob("*.json"):
        finished.unlink()  # so the next run has everything to do again
    again = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    deadline = time.monotonic() + 300
    while not list(cache.glob("*.json")) and again.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.killpg(again.pid, signal.SIGKILL)  # the command and its workers, no clean-up
    again.wait(timeout=60)
    # Every result file is the previous one, whole: never half written.
    assert {f.name: f.read_bytes() for f in out.iterdir() if f.is_file()} == written
    kept = set(cache.glob("*.json"))
    assert kept, "the kill came before any work was kept"
    assert subprocess.run(args, capture_output=True, timeout=600).returncode == 0
    # Resumed from what was kept, it gives exactly what the uninterrupted run gave.
    assert kept <= set(cache.glob("*.json"))
    assert {f.name: f.read_bytes() for f in out.iterdir() if f.is_file()} == written


@pytest.mark.parametrize("command", ["run", "compare"])
def test_ctrl_c_stops_a_command_at_once_and_says_where_its_finished_work_is(
        command: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    # Ctrl-C in a terminal sends SIGINT to the command and its worker processes alike; the
    # test's own shell may have left SIGINT ignored, so the child gets the default back.
    interrupted = subprocess.Popen(
        [sys.executable, "-m", "testbed.cli", command, str(SMALL), "--out", str(out), "--quiet",
         "--jobs", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300
    while not list((out / ".cache").glob("*.json")):
        assert interrupted.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    os.killpg(interrupted.pid, signal.SIGINT)
    _, err = interrupted.communicate(timeout=60)
    assert interrupted.returncode == 130
    assert err.decode().strip() == (
        f"interrupted: no report was written; finished work is kept in {out / '.cache'} and "
        "the same command resumes from it")
    assert not list(out.glob("*.json")) and not list(out.glob("*.html"))
