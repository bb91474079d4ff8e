"""Cheap readings of the served simulation: has it changed, what time is it, can a request fault.

The response cache (:mod:`sdssim.server.response_cache`) and the request log
ask these on every request, so each costs a few microseconds:

* :func:`fingerprint` moves whenever the simulation changed (its public
  ``revision``: calls that changed something, faults added or refusing a
  request, the clock, records);
* :func:`graph_date` is the simulation's ``now`` in Graph's wire form, formatted
  once per instant (building a ``pendulum.DateTime`` for ``sim.now`` and
  formatting it costs more than the rest of a cached answer);
* :func:`request_faults_pending` tells whether a ``throttle``, ``unavailable``
  or ``gateway_timeout`` fault may still refuse a request: then every request
  must reach the engine, which counts it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sdssim.clock import format_timestamp
from sdssim.server.persist import changes

if TYPE_CHECKING:
    from sdssim.engine import Simulation

__all__ = ["fingerprint", "graph_date", "request_faults_pending"]

#: (engine time in microseconds, its wire form): the last instant formatted
_last_date: tuple[int, str] = (-1, "")


def fingerprint(sim: Simulation) -> int:
    """A value that differs whenever ``sim`` changed (:attr:`Simulation.revision`)."""
    return changes(sim)


def _now_us(sim: Any) -> int | None:
    try:
        now = sim._core.sched.now
    except AttributeError:
        return None
    return now if isinstance(now, int) else None


def graph_date(sim: Simulation) -> str:
    """``sim.now`` as Graph writes it (``2026-09-01T08:00:00Z``), e.g. ``innerError.date``."""
    global _last_date
    us = _now_us(sim)
    if us is None:
        return format_timestamp(sim.now)
    last = _last_date
    if last[0] == us:
        return last[1]
    text = format_timestamp(sim.now)
    _last_date = (us, text)
    return text


def request_faults_pending(sim: Simulation) -> bool:
    """Whether a request fault (429/503/504) would refuse the next request of ``sim`` now:
    then every request must reach the engine, which counts it."""
    return sim.observe.request_refused()
