"""One benchmark model, three implementations: sdssim, SimPy and a bare ``heapq`` loop.

:func:`make_plan` builds the model's jobs and faults from a seed;
:data:`IMPLEMENTATIONS` maps a name to a function running a plan and giving
a :class:`Result` (per-job :class:`Outcome`, events processed, wall time).
"""

from __future__ import annotations

from collections.abc import Callable

from .heapq_model import run_heapq
from .plan import JobPlan, Outcome, Plan, Rules, make_plan
from .result import Result
from .sdssim_model import run_sdssim
from .simpy_model import run_simpy

__all__ = ["IMPLEMENTATIONS", "JobPlan", "Outcome", "Plan", "Result", "Rules", "make_plan",
           "run_heapq", "run_sdssim", "run_sdssim_stepped", "run_simpy"]


def run_sdssim_stepped(plan: Plan) -> Result:
    """sdssim with the lazy steady state off: every cycle costs its two heap events."""
    return run_sdssim(plan, stepped=True)


#: name -> runner; the first three are the issue's three, the fourth shows the engine stepped
IMPLEMENTATIONS: dict[str, Callable[[Plan], Result]] = {
    "sdssim": run_sdssim,
    "simpy": run_simpy,
    "heapq": run_heapq,
    "sdssim-stepped": run_sdssim_stepped,
}
