"""The discrete-event core: a heap of ``(time, priority, subject, sequence, action, arg)``.

Time is integer microseconds (see :mod:`sdssim.clock`).  Ties are broken by
priority, then by the number of the subject the event belongs to, then by
insertion order: one seed always gives one order of events, and that order
does not depend on *when* an event was pushed, only on whose it is.  That is
what lets a steady job skip its cycles and be woken later with identical
output.  Each push and pop is O(log n).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sized
from typing import Any

__all__ = ["Scheduler", "Event", "WAKE", "CYCLE"]

#: Event priorities (lower runs first at the same instant). A lazy job's wake-up runs
#: before any cycle event at the instant a fault begins, so the fault sees it stepped.
WAKE = 0
#: Every other event: cycles, profile phases, expiries.
CYCLE = 1

#: A pending event: ``(time, priority, subject, sequence, action, arg)``.
Event = tuple[int, int, int, int, Callable[[Any], None], Any]


class Scheduler:
    """A deterministic event queue over virtual time.

    Cancellation is by generation: callers keep a generation counter on their
    subject and pass it as part of ``arg``; an event whose generation is stale
    is ignored by its action.  That keeps the heap free of tombstones.
    """

    __slots__ = ("now", "_heap", "_seq", "processed")

    def __init__(self, start_us: int) -> None:
        self.now = start_us
        self._heap: list[Event] = []
        self._seq = 0
        self.processed = 0

    def at(self, time_us: int, action: Callable[[Any], None], arg: Any = None,
           priority: int = CYCLE, subject: int = 0) -> None:
        """Run ``action(arg)`` at ``time_us`` (never earlier than now)."""
        if time_us < self.now:
            time_us = self.now
        self._seq += 1
        heapq.heappush(self._heap, (time_us, priority, subject, self._seq, action, arg))

    def peek(self) -> int | None:
        """Time of the next event, or ``None`` when the queue is empty."""
        return self._heap[0][0] if self._heap else None

    def pending(self) -> list[Event]:
        """A copy of the pending events ``(time, priority, subject, seq, action, arg)``,
        in no particular order (for inspection, not for running)."""
        return list(self._heap)

    def __len__(self) -> int:
        return len(self._heap)

    def step(self) -> bool:
        """Run the next event; ``False`` when there is none."""
        if not self._heap:
            return False
        time_us, _prio, _subject, _seq, action, arg = heapq.heappop(self._heap)
        self.now = time_us
        self.processed += 1
        action(arg)
        return True

    def run_until(self, time_us: int, after: Callable[[], None] | None = None,
                  when: Sized | None = None) -> None:
        """Run every event due at or before ``time_us``; then ``now = time_us``.

        ``after`` (if given) is called after each event, or only after those that
        leave ``when`` non-empty when that is given (the engine takes its snapshots
        there, when an event changed something).  This is the only run loop.
        """
        heap = self._heap
        pop = heapq.heappop
        ran = 0
        try:
            while heap and heap[0][0] <= time_us:
                t, _prio, _subject, _seq, action, arg = pop(heap)
                self.now = t
                ran += 1
                action(arg)
                if after is not None and (when is None or when):
                    after()
        finally:
            self.processed += ran
        if time_us > self.now:
            self.now = time_us
