"""The ``rate_limit`` option: answer 429 when a client sends too many requests.

``RateLimit(5, 10)`` (``--rate-limit 5/10s``) lets at most 5 Graph requests
through in any sliding window of 10 *wall* seconds, server-wide (Graph's
documented limits, such as provisionOnDemand's 5 requests per 10 s, are per
app and tenant; the fake has one of each).  A refused request does not count
towards the window, and its ``Retry-After`` is the whole seconds until a slot
frees up (at least 1).

Throttle *faults* (``POST /_sdssim/faults`` with ``kind: throttle``) are the
engine's: it raises :class:`sdssim.errors.Throttled` for the next N calls.
"""

from __future__ import annotations

import math
import re
from collections import deque

__all__ = ["RateLimit"]

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$")
_UNIT = {None: 1.0, "s": 1.0, "m": 60.0, "h": 3600.0}


class RateLimit:
    """At most ``requests`` requests per ``per_seconds`` wall seconds."""

    def __init__(self, requests: int, per_seconds: float) -> None:
        if requests < 1 or not per_seconds > 0:
            raise ValueError("a rate limit needs at least 1 request per a positive window")
        self.requests = int(requests)
        self.per_seconds = float(per_seconds)
        self._times: deque[float] = deque()

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """``"5/10s"``, ``"5/10"``, ``"100/1m"``, ``"1000/1h"``."""
        m = _SPEC.match(text)
        if not m:
            raise ValueError(f"a rate limit is written N/SECONDS (e.g. 5/10s), not {text!r}")
        return cls(int(m.group(1)), float(m.group(2)) * _UNIT[m.group(3)])

    def check(self, now: float) -> int | None:
        """Admit a request at wall time ``now``; ``None``, or the Retry-After seconds."""
        while self._times and self._times[0] <= now - self.per_seconds:
            self._times.popleft()
        if len(self._times) >= self.requests:
            wait = self._times[0] + self.per_seconds - now
            return max(1, math.ceil(wait))
        self._times.append(now)
        return None

    def describe(self) -> str:
        return f"{self.requests}/{self.per_seconds:g}s"
