"""Self-contained pieces of work, for studies of many shops: each task carries its scenario
document, so any worker (a local process or a Dask worker on another machine) can run it, and
each result is a plain JSON-able dict, so it can be cached on disk and a study resumed.

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
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from testbed import __version__
from testbed.loader import validate_document
from testbed.registry import Registry, load_registry
from testbed.scenario import Scenario, scenario_model

Payload = dict[str, Any]
Result = dict[str, Any]
Work = Callable[[Payload], Result]


@functools.lru_cache(maxsize=4)
def worker_registry(disabled: tuple[str, ...]) -> Registry:
    """The plugins, loaded once per worker process."""
    return load_registry(disabled=disabled)


def scenario_of(payload: Payload) -> tuple[Scenario, Registry]:
    registry = worker_registry(tuple(payload.get("disabled", ())))
    document = payload["scenario"]
    return validate_document(scenario_model(registry), document, document.get("name"),
                             None), registry


class Executor(Protocol):
    def map(self, work: Work, payloads: Sequence[Payload],
            on_done: Callable[[int, Result], None]) -> None: ...


class LocalExecutor:
    """Worker processes on this machine (``jobs=1`` runs in this process)."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs

    def map(self, work: Work, payloads: Sequence[Payload],
            on_done: Callable[[int, Result], None]) -> None:
        if self.jobs <= 1 or len(payloads) <= 1:
            for index, payload in enumerate(payloads):
                on_done(index, work(payload))
            return
        with ProcessPoolExecutor(max_workers=min(self.jobs, len(payloads))) as pool:
            for index, result in enumerate(pool.map(work, payloads)):
                on_done(index, result)


class DaskExecutor:
    """A Dask distributed cluster, by its scheduler's address (``tcp://host:8786``) or a
    cluster object (a ``LocalCluster`` in tests)."""

    def __init__(self, scheduler: str | Any) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # the optional extra is not installed
            raise RuntimeError("the Dask executor needs `pip install interop-testbed[dask]`"
                               ) from exc
        self.client = Client(scheduler)

    def map(self, work: Work, payloads: Sequence[Payload],
            on_done: Callable[[int, Result], None]) -> None:
        from distributed import as_completed

        futures = self.client.map(work, list(payloads), pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        for future in as_completed(futures):
            on_done(index[future.key], future.result())

    def close(self) -> None:
        self.client.close()


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


def run_tasks(work: Work, payloads: Sequence[Payload], executor: Executor,
              cache: TaskCache | None = None,
              on_done: Callable[[int, int], None] | None = None) -> list[Result]:
    """Every payload's result, in order. Identical payloads run once (a shop that does not
    adopt a rule is its own baseline); cached results are reused and new ones cached as they
    finish. ``on_done(done, total)`` reports progress over the distinct tasks."""
    keys = [task_key(p) for p in payloads]
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
    if on_done:
        on_done(len(found), len(unique))

    def finished(position: int, result: Result) -> None:
        key = missing[position]
        found[key] = result
        if cache:
            cache.put(key, result)
        if on_done:
            on_done(len(found), len(unique))

    executor.map(work, [payloads[first[key]] for key in missing], finished)
    return [found[key] for key in keys]
