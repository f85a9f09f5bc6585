"""Writing the files a command leaves behind: into a directory the testbed owns, and so that a
killed run never leaves half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["MARKER", "OutDirError", "claim_out_dir", "write_atomically"]

# The file that says "the testbed wrote this directory". A directory holding it may be written
# into again: its results are overwritten and its .cache resumed; one without it that holds
# anything at all is the user's, and nothing in it is touched.
MARKER = ".testbed-out"
MARKER_TEXT = ("This directory was written by interop-testbed. Commands given it as --out may\n"
               "overwrite their own files here and resume from .cache/; delete the directory\n"
               "to start afresh.\n")


class OutDirError(Exception):
    """An --out directory the testbed may not or cannot write; str() says why and what to do."""


def claim_out_dir(out: Path, option: str = "--out") -> None:
    """Make ``out`` the testbed's directory, or refuse before anything is written: a path that
    is a file, a directory the testbed cannot write, or one that holds files the testbed did not
    write (it has no marker) raises OutDirError. Nothing the user had there is changed."""
    if out.exists() and not out.is_dir():
        raise OutDirError(f"{option} {out}: is a file, not a directory; give a directory for "
                          f"the results (a new one is created)")
    try:
        if out.is_dir() and not (out / MARKER).is_file():
            _refuse_foreign(out, option)
        out.mkdir(parents=True, exist_ok=True)
        if (out / MARKER).is_file():
            # The marker may be older than a change of permissions: prove it writable now.
            tempfile.TemporaryFile(dir=out).close()
        else:
            write_atomically(out / MARKER, MARKER_TEXT)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OutDirError(f"{option} {out}: cannot write there ({reason}); give a directory "
                          f"you can write to") from None


def _refuse_foreign(out: Path, option: str) -> None:
    foreign = sorted(entry.name for entry in out.iterdir())
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more"
                                          if len(foreign) > 3 else "")
        raise OutDirError(
            f"{option} {out}: holds files the testbed did not write ({shown}); so that none "
            f"of them is overwritten, give a new or empty directory instead (a directory an "
            f"earlier testbed command wrote has a {MARKER} file and is reused)")


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a killed run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private; a result is as readable as any file the user writes.
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current
