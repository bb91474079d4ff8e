"""sdssim: a deterministic simulator of School Data Sync profiles and Graph provisioning jobs.

The public API is this small facade; everything else lives in sub-packages
(``sdssim.models``, ``sdssim.machines``, ``sdssim.engine``, ``sdssim.scenario``)
that are importable but not re-exported here.
"""

from .engine import ErrorRecord, EventRecord, Fault, SimConfig, Simulation, SnapshotRecord
from .engine.checkpoint import CheckpointError
from .scenario.export import to_scenario

__version__ = "0.1.0"

__all__ = [
    "CheckpointError",
    "ErrorRecord",
    "EventRecord",
    "Fault",
    "SimConfig",
    "Simulation",
    "SnapshotRecord",
    "to_scenario",
    "__version__",
]
