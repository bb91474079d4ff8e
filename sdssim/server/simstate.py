"""Cheap readings of the served simulation: has it changed, what time is it, can a request fault.

The response cache (:mod:`sdssim.server.response_cache`) and the request log
ask these on every request, so each costs a few microseconds:

* :func:`fingerprint` moves whenever the simulation changed (it is
  :func:`sdssim.server.persist.changes`: records made, scheduler time and
  events, identities handed out, calls logged, faults and their remaining
  requests).  It reads engine internals; should they change shape, it answers
  ``None`` and the server simply stops caching rather than failing;
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
from sdssim.engine.faults import REQUEST_FAULTS
from sdssim.server.persist import changes

if TYPE_CHECKING:
    from sdssim.engine import Simulation

__all__ = ["fingerprint", "graph_date", "request_faults_pending"]

#: (engine time in microseconds, its wire form): the last instant formatted
_last_date: tuple[int, str] = (-1, "")


def fingerprint(sim: Simulation) -> tuple | None:
    """A value that differs whenever ``sim`` changed; ``None`` when it cannot be read."""
    try:
        return changes(sim)
    except AttributeError:  # the engine's internals moved: no fingerprint, no caching
        return None


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
    """Whether a request fault (429/503/504) would refuse the next request of ``sim`` now.

    The same test as the engine's (requests left, started, not ended); the
    fingerprint holds the time and every fault's remaining requests, so the answer
    is asked again whenever either moves.  Without the time: any fault with
    requests left counts.
    """
    now = _now_us(sim)
    return any(f.kind in REQUEST_FAULTS and f.remaining > 0
               and (now is None or (f.start_us <= now and (f.end_us is None or now < f.end_us)))
               for f in sim.faults)
