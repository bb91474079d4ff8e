"""The simulation engine: scheduler, rules and the :class:`Simulation` facade."""

from .config import SimConfig
from .faults import FAULT_KINDS, Fault
from .records import ErrorRecord, EventRecord, SnapshotRecord
from .scheduler import Scheduler
from .simulation import Simulation

__all__ = [
    "FAULT_KINDS",
    "ErrorRecord",
    "EventRecord",
    "Fault",
    "Scheduler",
    "SimConfig",
    "Simulation",
    "SnapshotRecord",
]
