"""How the server drives the simulation's virtual time — the only wall-clock reads in sdssim.

The engine never looks at the wall clock.  The server has three legitimate
reasons to, and all of them go through a :class:`ServerClock`:

* ``realtime`` mode: before each request virtual time is advanced to
  ``start + speed × elapsed wall time`` (``start`` being the virtual time when
  the clock was last set, by server start or by ``POST /_sdssim/clock/advance``);
* the ``rate_limit`` option counts requests per window of *wall* seconds, since
  a client honouring ``Retry-After`` sleeps in wall time;
* the request log stores each request's wall offset so the scorecard can tell
  whether a client really waited ``Retry-After`` seconds.

In ``virtual`` mode (the default) time moves only when a client calls
``POST /_sdssim/clock/advance`` (or code calls ``sim.advance``).

``monotonic`` is injectable, so tests can drive a realtime clock by hand.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from sdssim.clock import US_PER_S, from_us, to_us

if TYPE_CHECKING:
    from sdssim.engine import Simulation

__all__ = ["ServerClock", "CLOCK_MODES"]

CLOCK_MODES = ("virtual", "realtime")


class ServerClock:
    """Virtual or realtime driving of one simulation."""

    def __init__(
        self,
        mode: str = "virtual",
        *,
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if mode not in CLOCK_MODES:
            raise ValueError(f"clock mode must be one of {', '.join(CLOCK_MODES)}, not {mode!r}")
        if not speed > 0:
            raise ValueError(f"speed must be positive, not {speed!r}")
        self.mode = mode
        self.speed = float(speed)
        self._monotonic = monotonic
        self._origin = monotonic()
        self._base_wall = self._origin
        self._base_us: int | None = None

    def wall(self) -> float:
        """Wall seconds since the clock was created (for the request log)."""
        return self._monotonic() - self._origin

    def attach(self, sim: Simulation) -> None:
        """Start counting realtime from the simulation's current time."""
        self.rebase(sim)

    def rebase(self, sim: Simulation) -> None:
        """Virtual time was set by hand: realtime continues from here."""
        self._base_wall = self._monotonic()
        self._base_us = to_us(sim.now)

    def sync(self, sim: Simulation) -> None:
        """Bring virtual time up to date before a request (realtime mode only)."""
        if self.mode != "realtime":
            return
        if self._base_us is None:
            self.rebase(sim)
            return
        elapsed = self._monotonic() - self._base_wall
        target = self._base_us + int(elapsed * self.speed * US_PER_S)
        if target > to_us(sim.now):
            sim.run_until(from_us(target))

    def describe(self) -> dict:
        return {"mode": self.mode, "speed": self.speed}
