"""interop-testbed: a virtual regional testbed for factory interoperability.

The public API for plugin authors is what this module exports, plus the modules
``testbed.hookspecs`` (the hooks), ``testbed.params`` (parameter models and distributions),
``testbed.units`` (durations, rates, sizes, bandwidths) and ``testbed.wiring`` (what an
architecture builds). Everything else is internal and may change.
"""

from testbed.items import ArchitectureKind, MachineKind, SoftwareKind, TranslatorKind
from testbed.params import (
    ArchitectureParams,
    Faults,
    MachineParams,
    SoftwareParams,
    TranslatorParams,
)
from testbed.registry import hookimpl
from testbed.wiring import MachineInstance, Placed, Wiring, WiringContext, WiringError

__version__ = "0.1.0"

__all__ = [
    "ArchitectureKind",
    "ArchitectureParams",
    "Faults",
    "MachineInstance",
    "MachineKind",
    "MachineParams",
    "Placed",
    "SoftwareKind",
    "SoftwareParams",
    "TranslatorKind",
    "TranslatorParams",
    "Wiring",
    "WiringContext",
    "WiringError",
    "__version__",
    "hookimpl",
]
