"""A user points --out somewhere the testbed must not or cannot write: a file, a path it cannot
create, a directory of their own files. Every command that writes results refuses with exit 2
and a message naming the path and what to do, before any simulation, and leaves the user's
files exactly as they were. A directory the testbed wrote itself is reused, and resumed."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BUNDLED, ROOT

from testbed.cli import EXIT_BAD_INPUT, main
from testbed.files import MARKER

SHOP = str(ROOT / "tests" / "scenarios" / "small-shop.yaml")
# a claims file on the testbed's own catalogue: no vendor plugin needs installing
CLAIMS = str(ROOT / "tests" / "scenarios" / "edge-hub-claims.yaml")
GUIDANCE = str(ROOT / "tests" / "scenarios" / "tiny-guidance.yaml")
REGION = str(ROOT / "tests" / "scenarios" / "tiny-region.yaml")

# Every command with --out, as a user types it but for the directory.
COMMANDS = {
    "run": ["run", SHOP, "--quiet", "--out"],
    "compare": ["compare", SHOP, "--quiet", "--out"],
    "verify": ["verify", CLAIMS, "--quiet", "--out"],
    "guidance": ["guidance", GUIDANCE, "--population", REGION, "--quiet", "--out"],
    "sweep": ["sweep", SHOP, "--param", "seed=1,2", "--quiet", "--out"],
    "live": ["live", str(BUNDLED / "sme-legacy-shop.yaml"), "--architecture",
             "Edge gateway hub", "--quiet", "--out"],
}


def _refused(command: str, out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main([*COMMANDS[command], str(out)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert f"--out {out}:" in err
    return err


@pytest.mark.parametrize("command", COMMANDS)
def test_an_out_that_is_a_file_is_refused_and_the_file_kept(
        command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mine = tmp_path / "results.json"
    mine.write_text("my own notes\n")
    err = _refused(command, mine, capsys)
    assert "is a file, not a directory; give a directory" in err
    assert mine.read_text() == "my own notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]


@pytest.mark.parametrize("command", COMMANDS)
def test_an_out_the_testbed_cannot_create_is_refused(
        command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A path under a file cannot be made by anyone, root included (chmod does not stop root).
    mine = tmp_path / "notes.txt"
    mine.write_text("keep me\n")
    err = _refused(command, mine / "out", capsys)
    assert "cannot write there (Not a directory); give a directory you can write to" in err
    assert mine.read_text() == "keep me\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_an_out_holding_the_users_files_is_refused_and_nothing_touched(
        command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "quarterly"
    out.mkdir()
    files = {"report.html": "<p>the board's report</p>", "results.json": "{}",
             "notes.md": "mine"}
    for name, text in files.items():
        (out / name).write_text(text)
    err = _refused(command, out, capsys)
    assert "holds files the testbed did not write (notes.md, report.html, results.json)" in err
    assert "give a new or empty directory" in err
    assert {p.name: p.read_text() for p in out.iterdir()} == files


def test_a_directory_the_testbed_cannot_write_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "locked"
    out.mkdir()
    out.chmod(0o500)
    try:
        probe = out / "probe"
        try:
            probe.write_text("")
        except PermissionError:
            pass
        else:
            probe.unlink()
            pytest.skip("running as root: permissions do not stop this process writing")
        err = _refused("run", out, capsys)
        assert "cannot write there (Permission denied)" in err
    finally:
        out.chmod(0o700)


def test_a_directory_the_testbed_wrote_is_reused_and_resumed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main([*COMMANDS["run"], str(out), "--replications", "2"]) == 0
    assert (out / MARKER).is_file()
    first = (out / "results.json").read_text()
    cached = {p.name: p.stat().st_mtime_ns for p in (out / ".cache").iterdir()}
    assert cached
    # The user keeps a note beside the results: the testbed reuses its directory and leaves
    # the note alone.
    (out / "my-notes.txt").write_text("discussed on Monday")
    assert main([*COMMANDS["run"], str(out), "--replications", "2"]) == 0
    assert (out / "results.json").read_text() == first
    # Resumed: every replication came from the cache, none was run and written again.
    assert {p.name: p.stat().st_mtime_ns for p in (out / ".cache").iterdir()} == cached
    assert (out / "my-notes.txt").read_text() == "discussed on Monday"


def test_an_empty_directory_is_taken(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    assert main([*COMMANDS["sweep"], str(out)]) == 0
    assert {p.name for p in out.iterdir()} >= {MARKER, "sweep.csv", "sweep.json", "sweep.html"}
