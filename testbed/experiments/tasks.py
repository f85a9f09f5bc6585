"""Self-contained pieces of work: each task carries its scenario document, so any worker (a local
process or a Dask worker on another machine) can run it, and each result is a plain JSON-able
dict, so it is cached on disk as it finishes and an interrupted command resumes. One cache and
one way to run tasks for every command.

Results come back in task order and do not depend on where tasks ran: every random number is
derived from the task's own scenario seed and replication.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from testbed import __version__
from testbed.experiments.executor import Executor, LocalExecutor, Payload, Result, Work
from testbed.loader import validate_document
from testbed.registry import Registry
from testbed.scenario import Scenario, scenario_model


def scenario_of(payload: Payload, registry: Registry) -> Scenario:
    """The scenario a payload carries, validated again on the worker that runs it."""
    document = payload["scenario"]
    return validate_document(scenario_model(registry), document,
                             payload.get("path", document.get("name")), None)


@functools.cache
def code_fingerprint() -> str:
    """The installed code of the testbed and of every plugin package, by file size and
    modification time: a cached result is reused only by the code that made it, so a vendor
    who edits a plugin without bumping its version never gets stale figures back."""
    roots = {Path(__file__).resolve().parents[1]}
    for entry in importlib.metadata.entry_points(group="testbed"):
        spec = importlib.util.find_spec(entry.module.partition(".")[0])
        if spec is not None and spec.origin is not None:
            origin = Path(spec.origin)
            roots.add(origin.parent if origin.name == "__init__.py" else origin)
    digest = hashlib.sha256()
    for root in sorted(roots):
        for file in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            stat = file.stat()
            digest.update(f"{file}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def task_key(payload: Payload) -> str:
    text = json.dumps({"tool": __version__, "code": code_fingerprint(), **payload},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class TaskCache:
    """Finished results on disk, one file each, written atomically: a study that is killed
    and run again does only what is missing, and nothing already computed is lost."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def get(self, key: str) -> Result | None:
        path = self._path(key)
        try:
            result: Result = json.loads(path.read_text())
            return result
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def put(self, key: str, result: Result) -> None:
        path = self._path(key)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(result, sort_keys=True))
        os.replace(tmp, path)


def run_tasks(work: Work, payloads: Sequence[Payload], registry: Registry,
              executor: Executor | None = None, cache: TaskCache | None = None,
              on_done: Callable[[int, int], None] | None = None,
              on_result: Callable[[int, Result], None] | None = None) -> list[Result]:
    """Every payload's result, in order. Identical payloads run once (a shop that does not
    adopt a rule is its own baseline); cached results are reused and new ones cached as they
    finish. ``on_done(done, total)`` reports progress over the distinct tasks;
    ``on_result(position, result)`` hands over each payload's result as soon as it is known
    (cached ones first), for commands that show results as they come."""
    # The work's name is part of the key: two kinds of task may share a payload's shape.
    name = f"{work.__module__}.{work.__qualname__}"
    keys = [task_key({"task": name, **p}) for p in payloads]
    first: dict[str, int] = {}
    for position, key in enumerate(keys):
        first.setdefault(key, position)
    unique = list(first)
    found: dict[str, Result] = {}
    for key in unique:
        cached = cache.get(key) if cache else None
        if cached is not None:
            found[key] = cached
    missing = [key for key in unique if key not in found]
    where: dict[str, list[int]] = {}
    for position, key in enumerate(keys):
        where.setdefault(key, []).append(position)

    def hand_over(key: str) -> None:
        if on_result:
            for position in where[key]:
                on_result(position, found[key])

    for key in unique:
        if key in found:
            hand_over(key)
    if on_done:
        on_done(len(found), len(unique))

    def finished(position: int, result: Result) -> None:
        key = missing[position]
        found[key] = result
        if cache:
            cache.put(key, result)
        hand_over(key)
        if on_done:
            on_done(len(found), len(unique))

    runner = executor or LocalExecutor()
    runner.map(work, [payloads[first[key]] for key in missing], registry, finished)
    return [found[key] for key in keys]
