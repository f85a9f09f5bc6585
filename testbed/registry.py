"""The plugin manager: built-in and third-party plugins load the same way, from entry points."""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pluggy
import pydantic

from testbed import hookspecs
from testbed.items import ArchitectureKind, Item, MachineKind, SoftwareKind, TranslatorKind
from testbed.params import ArchitectureParams, MachineParams, SoftwareParams, TranslatorParams

hookimpl = pluggy.HookimplMarker(hookspecs.PROJECT)
ENTRY_POINT_GROUP = "testbed"
OWN_DISTRIBUTION = "interop-testbed"
# Like tox's TOX_DISABLED_EXTERNAL_PLUGINS: a comma-separated list of plugin names not to load.
DISABLE_ENV = "TESTBED_DISABLED_PLUGINS"
# A registration hook only hands over items; one that takes longer is stuck.
HOOK_TIMEOUT_S = float(os.environ.get("TESTBED_HOOK_TIMEOUT", "10"))

_HOOKS: dict[str, tuple[str, type[Item]]] = {
    "testbed_register_machine_kinds": ("machines", MachineKind),
    "testbed_register_translators": ("translators", TranslatorKind),
    "testbed_register_software": ("software", SoftwareKind),
    "testbed_register_architectures": ("architectures", ArchitectureKind),
}
_PARAM_BASES: dict[type[Item], type[pydantic.BaseModel]] = {
    MachineKind: MachineParams,
    TranslatorKind: TranslatorParams,
    SoftwareKind: SoftwareParams,
    ArchitectureKind: ArchitectureParams,
}


class PluginError(Exception):
    """A plugin broke the contract. The message names the plugin and what it did wrong."""


@dataclass(frozen=True)
class PluginInfo:
    name: str
    distribution: str
    version: str


@dataclass
class Registry:
    """Every registered item, by category and name."""

    plugins: dict[str, PluginInfo] = field(default_factory=dict)
    machines: dict[str, MachineKind] = field(default_factory=dict)
    translators: dict[str, TranslatorKind] = field(default_factory=dict)
    software: dict[str, SoftwareKind] = field(default_factory=dict)
    architectures: dict[str, ArchitectureKind[Any]] = field(default_factory=dict)
    # Plugin names that were blocked, so worker processes load the same set.
    disabled: frozenset[str] = frozenset()
    # Models built from this registry (the scenario model), kept for its lifetime.
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def items(self) -> Iterator[Item]:
        for table in (self.machines, self.translators, self.software, self.architectures):
            yield from table.values()

    def versions(self) -> dict[str, str]:
        """Plugin name -> "distribution version", for the record of a run."""
        return {p.name: f"{p.distribution} {p.version}" for p in self.plugins.values()}


def disabled_from_environment() -> set[str]:
    return {name.strip() for name in os.environ.get(DISABLE_ENV, "").split(",") if name.strip()}


def load_registry(
    *,
    disabled: Iterable[str] = (),
    extra_plugins: Sequence[tuple[str, object]] = (),
    entry_points: bool = True,
    only_distribution: str | None = None,
) -> Registry:
    """Load the plugins of the ``testbed`` entry-point group, plus any given in-process.

    :param disabled: plugin names not to load (added to ``$TESTBED_DISABLED_PLUGINS``).
    :param extra_plugins: ``(name, plugin)`` pairs registered as if they came from an entry
        point, for tests.
    :param only_distribution: load only the entry points of this distribution (e.g. the
        testbed's own catalogue, for its published schema and catalogue page).
    :raises PluginError: a plugin failed to import, broke the contract or clashed with another.
    """
    blocked = set(disabled) | disabled_from_environment()
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    registry = Registry(disabled=frozenset(blocked))
    if entry_points:
        for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP),
                         key=lambda e: e.name):
            dist = ep.dist
            info = PluginInfo(ep.name, dist.name if dist else "?", dist.version if dist else "?")
            if ep.name in blocked or (only_distribution and info.distribution
                                      != only_distribution):
                pm.set_blocked(ep.name)
                continue
            _check_unique_plugin(registry, info)
            try:
                module = ep.load()
            except Exception as exc:
                raise PluginError(
                    f"plugin {ep.name!r} ({info.distribution}) failed to import "
                    f"{ep.value!r}: {type(exc).__name__}: {exc}") from exc
            _register_plugin(pm, registry, info, module)
    for name, plugin in extra_plugins:
        if name in blocked:
            continue
        info = PluginInfo(name, "in-process", "-")
        _check_unique_plugin(registry, info)
        _register_plugin(pm, registry, info, plugin)
    _collect(pm, registry)
    return registry


def _check_unique_plugin(registry: Registry, info: PluginInfo) -> None:
    if info.name in registry.plugins:
        other = registry.plugins[info.name]
        raise PluginError(
            f"two plugins are named {info.name!r}: one from {other.distribution}, one from "
            f"{info.distribution}; uninstall one, or rename its entry point in the `testbed` "
            f"group")


def _register_plugin(pm: pluggy.PluginManager, registry: Registry, info: PluginInfo,
                     plugin: object) -> None:
    try:
        pm.register(plugin, name=info.name)
    except Exception as exc:
        raise PluginError(f"plugin {info.name!r} could not be registered: {exc}") from exc
    registry.plugins[info.name] = info
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(
            f"plugin {info.name!r} implements a hook the testbed does not have: {exc}. "
            f"Hooks are: {', '.join(sorted(_HOOKS))}") from exc


def _collect(pm: pluggy.PluginManager, registry: Registry) -> None:
    plugins = {name: pm.get_plugin(name) for name in registry.plugins}
    for hook_name, (table_name, item_type) in _HOOKS.items():
        table: dict[str, Any] = getattr(registry, table_name)
        for name in sorted(plugins):
            others = [p for n, p in plugins.items() if n != name]
            caller = pm.subset_hook_caller(hook_name, remove_plugins=others)
            register = _registrar(name, table, item_type)
            try:
                with _deadline(HOOK_TIMEOUT_S, f"plugin {name!r} did not return from "
                               f"{hook_name} within {HOOK_TIMEOUT_S:g} s"):
                    caller(register=register)
            except PluginError:
                raise
            except Exception as exc:
                raise PluginError(
                    f"plugin {name!r} raised in {hook_name}: {type(exc).__name__}: {exc}"
                ) from exc


@contextlib.contextmanager
def _deadline(seconds: float, message: str) -> Iterator[None]:
    """Raise PluginError if the block runs longer than ``seconds`` (main thread, Unix), so a
    plugin that hangs in a hook is named instead of hanging the testbed."""
    if threading.current_thread() is not threading.main_thread() or \
            not hasattr(signal, "setitimer"):
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise PluginError(message)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _registrar(plugin: str, table: dict[str, Any], item_type: type[Item]) -> Callable[[Any], None]:
    def register(item: Any) -> None:
        where = f"plugin {plugin!r}"
        if not isinstance(item, item_type):
            raise PluginError(
                f"{where} registered {item!r} where a {item_type.__name__} was expected")
        if not item.name or not isinstance(item.name, str):
            raise PluginError(f"{where} registered a {item_type.__name__} with no name")
        if item.name in table:
            raise PluginError(
                f"{item_type.category} {item.name!r} is registered twice: by plugin "
                f"{table[item.name].plugin!r} and by plugin {plugin!r}")
        base = _PARAM_BASES[item_type]
        params = getattr(item, "params", None)
        if not (isinstance(params, type) and issubclass(params, base)):
            raise PluginError(
                f"{where}: {item.category} {item.name!r} has params {params!r}; it must be a "
                f"subclass of testbed.{base.__name__}")
        if isinstance(item, ArchitectureKind):
            if not callable(item.wire):
                raise PluginError(f"{where}: architecture {item.name!r} has no wire function")
        else:
            try:
                defaults = params.model_validate({})
                # Also as the testbed's own model sees them: a plugin may narrow a field's
                # type, never give the engine a value its type does not allow.
                base.model_validate(defaults.model_dump(include=set(base.model_fields)))
            except pydantic.ValidationError as exc:
                raise PluginError(
                    f"{where}: the defaults of {item.category} {item.name!r} are invalid: "
                    f"{exc}") from exc
        table[item.name] = replace(item, plugin=plugin)

    return register
