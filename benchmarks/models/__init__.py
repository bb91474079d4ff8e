"""One benchmark model, several implementations: sdssim (four modes), SimPy and bare ``heapq``.

:func:`make_plan` builds the reference model's jobs and faults from a seed,
:func:`make_storm_plan` the worst case (a fault every few hours on every job);
:data:`IMPLEMENTATIONS` maps a name to a function running a plan and giving a
:class:`Result` (per-job :class:`Outcome`, events processed, wall time).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from .heapq_lazy_model import run_heapq_lazy
from .heapq_model import run_heapq
from .plan import JobPlan, Outcome, Plan, Rules, make_plan, make_storm_plan
from .result import Result
from .sdssim_model import run_sdssim
from .simpy_model import run_simpy

__all__ = ["IMPLEMENTATIONS", "JobPlan", "Outcome", "Plan", "Result", "Rules", "make_plan",
           "make_storm_plan", "run_heapq", "run_heapq_lazy", "run_sdssim", "run_simpy"]

#: name -> runner.  sdssim's modes: lazy steady state (the default) or every cycle stepped,
#: records kept (the default: events, snapshots and errors in memory) or not kept.
IMPLEMENTATIONS: dict[str, Callable[[Plan], Result]] = {
    "simpy": run_simpy,
    "heapq": run_heapq,
    "heapq-lazy": run_heapq_lazy,
    "sdssim-lazy-records-on": partial(run_sdssim, keep_records=True, name="sdssim-lazy-records-on"),
    "sdssim-lazy-records-off": partial(run_sdssim, name="sdssim-lazy-records-off"),
    "sdssim-stepped-records-on": partial(run_sdssim, stepped=True, keep_records=True,
                                         name="sdssim-stepped-records-on"),
    "sdssim-stepped-records-off": partial(run_sdssim, stepped=True,
                                          name="sdssim-stepped-records-off"),
}
