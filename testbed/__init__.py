"""interop-testbed: a virtual regional testbed for factory interoperability.

The public API for plugin authors is what this module exports; everything else is internal.
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
