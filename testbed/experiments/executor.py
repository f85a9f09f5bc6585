"""Where a command's tasks run: in this process, in worker processes on this machine, or on a
Dask distributed cluster. Every command (run, compare, verify, guidance, sweep) hands its tasks
to one of these, through :func:`testbed.experiments.tasks.run_tasks`.

A task is a module-level function of a self-contained, JSON-able payload and the plugin
registry, returning a JSON-able result, so any worker can run it and any result can be cached
on disk. Results come back by position whatever runs them, and every random number is derived
from the payload's own seed and names, so the figures never depend on where tasks ran.
"""

from __future__ import annotations

import functools
import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol

from testbed.registry import Registry, load_registry

Payload = dict[str, Any]
Result = dict[str, Any]
Work = Callable[[Payload, Registry], Result]


def default_jobs() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


@functools.lru_cache(maxsize=4)
def worker_registry(disabled: tuple[str, ...]) -> Registry:
    """The plugins, loaded once per worker process from their entry points."""
    return load_registry(disabled=disabled)


def _leave_quietly_on_interrupt() -> None:
    # Ctrl-C in a terminal reaches the command's worker processes too. The command itself says
    # where the finished work is kept; a worker interrupted mid-task would only add a traceback
    # (or "Exception ignored in ..." from a finalizer) to that message, so it leaves at once.
    signal.signal(signal.SIGINT, lambda _signum, _frame: os._exit(130))


def _in_worker(work: Work, disabled: tuple[str, ...], payload: Payload) -> Result:
    return work(payload, worker_registry(disabled))


class Executor(Protocol):
    def map(self, work: Work, payloads: Sequence[Payload], registry: Registry,
            on_done: Callable[[int, Result], None]) -> None:
        """``work(payload, registry)`` for every payload; ``on_done(position, result)`` as
        each finishes, in any order."""

    def close(self) -> None: ...


class LocalExecutor:
    """Worker processes on this machine; ``jobs=1`` runs in this process, with the caller's
    registry (so plugins registered in-process, as tests do, are seen). Worker processes load
    the plugins from their entry points, less the ones the caller blocked."""

    def __init__(self, jobs: int = 1) -> None:
        self.jobs = jobs

    def map(self, work: Work, payloads: Sequence[Payload], registry: Registry,
            on_done: Callable[[int, Result], None]) -> None:
        if self.jobs <= 1 or len(payloads) <= 1:
            for index, payload in enumerate(payloads):
                on_done(index, work(payload, registry))
            return
        run = functools.partial(_in_worker, work, tuple(sorted(registry.disabled)))
        with ProcessPoolExecutor(max_workers=min(self.jobs, len(payloads)),
                                 initializer=_leave_quietly_on_interrupt) as pool:
            for index, result in enumerate(pool.map(run, payloads)):
                on_done(index, result)

    def close(self) -> None:
        pass


class DaskExecutor:
    """A Dask distributed cluster, by its scheduler's address (``tcp://host:8786``) or a
    cluster object (a ``LocalCluster`` in tests). Its workers load the plugins from their
    entry points, so every plugin must be installed on every worker."""

    def __init__(self, scheduler: str | Any) -> None:
        try:
            from distributed import Client
        except ImportError as exc:  # the optional extra is not installed
            raise RuntimeError("the Dask executor needs `pip install interop-testbed[dask]`"
                               ) from exc
        self.client = Client(scheduler)

    def map(self, work: Work, payloads: Sequence[Payload], registry: Registry,
            on_done: Callable[[int, Result], None]) -> None:
        from distributed import as_completed

        run = functools.partial(_in_worker, work, tuple(sorted(registry.disabled)))
        futures = self.client.map(run, list(payloads), pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        for future in as_completed(futures):
            on_done(index[future.key], future.result())

    def close(self) -> None:
        self.client.close()
