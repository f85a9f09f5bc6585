"""interop-testbed: a virtual regional testbed for factory interoperability.

This module is the plugin API: everything a plugin needs is exported here, and a plugin imports
only from ``testbed`` (the built-in catalogue does the same). The hooks a plugin implements are
specified in ``testbed.hookspecs``, and ``testbed.testing`` holds the pytest fixtures for a
plugin's own tests. Every other module (``testbed.params``, ``testbed.wiring``, the engine, the
workflows, ...) is internal and may change without notice, even where a name exported here
happens to be defined in it. docs/plugin-authoring.md documents every name in ``__all__``.
"""

from testbed.items import ArchitectureKind, MachineKind, SoftwareKind, TranslatorKind
from testbed.params import (
    ArchitectureParams,
    Constant,
    DistributionSpec,
    Exponential,
    Faults,
    IiraTier,
    Location,
    LogNormal,
    MachineParams,
    Medium,
    MessageKind,
    RamiLayer,
    ShiftedExponential,
    SoftwareParams,
    TranslatorParams,
    Uniform,
)
from testbed.registry import hookimpl
from testbed.units import Bandwidth, Duration, Rate, Size
from testbed.wiring import (
    ADAPTING_ROLES,
    DataPath,
    MachineInstance,
    Placed,
    TranslatorOffer,
    Wiring,
    WiringContext,
    WiringError,
)

__version__ = "0.1.0"

__all__ = [
    "ADAPTING_ROLES",
    "ArchitectureKind",
    "ArchitectureParams",
    "Bandwidth",
    "Constant",
    "DataPath",
    "DistributionSpec",
    "Duration",
    "Exponential",
    "Faults",
    "IiraTier",
    "Location",
    "LogNormal",
    "MachineInstance",
    "MachineKind",
    "MachineParams",
    "Medium",
    "MessageKind",
    "Placed",
    "RamiLayer",
    "Rate",
    "ShiftedExponential",
    "Size",
    "SoftwareKind",
    "SoftwareParams",
    "TranslatorKind",
    "TranslatorOffer",
    "TranslatorParams",
    "Uniform",
    "Wiring",
    "WiringContext",
    "WiringError",
    "__version__",
    "hookimpl",
]
