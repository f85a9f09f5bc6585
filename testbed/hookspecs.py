"""The plugin contract: every hook a testbed plugin may implement.

A plugin is an ordinary module or object with functions named after these specs, marked with
``testbed.hookimpl`` and published under the ``testbed`` entry-point group. The built-in catalogue
(``testbed_catalogue``) is registered exactly this way.

Every hook is registration-style: it receives a ``register`` callable and hands it catalogue items
(:class:`testbed.items.MachineKind` and friends). Each item has a unique name, a pydantic params
model whose defaults are the item's documented defaults, and metadata (protocol, vendor, openness,
RAMI 4.0 layer, IIRA tier, sources). Hooks run once, when the registry is built; nothing here is
called while a simulation runs, so a plugin never sits on the per-message path.

Hooks are called with keyword arguments; an implementation may accept fewer arguments than the
spec names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from testbed.items import ArchitectureKind, MachineKind, SoftwareKind, TranslatorKind

PROJECT = "testbed"
hookspec = pluggy.HookspecMarker(PROJECT)


@hookspec
def testbed_register_machine_kinds(register: Callable[[MachineKind], None]) -> None:
    """Register kinds of machine: a 1990s CNC lathe, a Modbus PLC, a paper-based station.

    :param register: call once per :class:`~testbed.items.MachineKind`.
    """


@hookspec
def testbed_register_translators(register: Callable[[TranslatorKind], None]) -> None:
    """Register translators: protocol gateways, retrofit kits, brokers, aggregation servers,
    custom drivers, and people who re-key data by hand.

    :param register: call once per :class:`~testbed.items.TranslatorKind`.
    """


@hookspec
def testbed_register_software(register: Callable[[SoftwareKind], None]) -> None:
    """Register vendor software stubs: MES, ERP, CMMS, cloud IoT platforms, analytics.

    :param register: call once per :class:`~testbed.items.SoftwareKind`.
    """


@hookspec
def testbed_register_architectures(register: Callable[[ArchitectureKind[Any]], None]) -> None:
    """Register architectures: ways of wiring machines, translators and software together.

    :param register: call once per :class:`~testbed.items.ArchitectureKind`. Its ``wire``
        function turns a shop into a :class:`~testbed.wiring.Wiring`. It runs before the
        simulation (when a scenario is validated, and before each replication, possibly in
        another process), so it must be deterministic and quick; it is never called per
        message.
    """
