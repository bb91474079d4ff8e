"""The five sdssim state machines: profile, sync, job, schedule, quarantine.

Declared with :mod:`transitions` (the only sdssim module allowed to import it)
in :mod:`.declarations`; compiled into immutable :class:`TransitionTable`
objects for the engine's hot loop; rendered as Mermaid or Graphviz diagrams.
"""

from __future__ import annotations

from .declarations import MACHINES, REMOVED, declaration
from .declared import build_machine, new_model
from .diagram import to_dot, to_mermaid
from .table import Transition, TransitionTable, table

__all__ = [
    "MACHINES",
    "REMOVED",
    "Transition",
    "TransitionTable",
    "table",
    "declaration",
    "build_machine",
    "new_model",
    "to_mermaid",
    "to_dot",
]
