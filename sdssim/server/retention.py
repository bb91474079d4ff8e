"""Bounded memory for long-lived servers: the last N records and the last N requests.

``sdssim serve`` builds its simulation with ``keep_records=False`` and hands
every record to a :class:`RecordBuffer` holding the most recent
``max_records`` (``--max-records``); ``GET /_sdssim/events`` reads it and says,
with the ``X-Sdssim-Records-Dropped`` header and a first ``{"dropped": ...}``
line, when records it was asked for are gone.  The request log keeps the most
recent ``max_requests`` entries (``--max-requests``) the same way.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

__all__ = ["RecordBuffer", "DEFAULT_MAX_RECORDS", "DEFAULT_MAX_REQUESTS"]

DEFAULT_MAX_RECORDS = 200_000
DEFAULT_MAX_REQUESTS = 50_000


class RecordBuffer:
    """The most recent ``limit`` records; ``dropped`` counts the ones pushed out."""

    def __init__(self, limit: int = DEFAULT_MAX_RECORDS) -> None:
        if limit < 1:
            raise ValueError("a record buffer holds at least one record")
        self.limit = limit
        self._records: deque[Any] = deque(maxlen=limit)
        self.dropped = 0
        self._lock = threading.Lock()

    def append(self, record: Any) -> None:
        with self._lock:
            if len(self._records) == self.limit:
                self.dropped += 1
            self._records.append(record)

    def __call__(self, record: Any) -> None:  # usable as Simulation(on_record=...)
        self.append(record)

    def __len__(self) -> int:
        return len(self._records)

    def since(self, seq: int) -> tuple[list[Any], int]:
        """Records with ``seq`` above ``seq``, and how many such records were dropped."""
        with self._lock:
            records = [r for r in self._records if r.seq > seq]
            first = self._records[0].seq if self._records else None
            dropped = max(0, (first - 1) - seq) if first is not None and self.dropped else 0
            if first is None and self.dropped:
                dropped = 0
        return records, min(dropped, self.dropped)
