"""The request log: every Graph request the server answered, for tests and the scorecard.

One entry per request under ``/beta`` or ``/v1.0`` (control requests under
``/_sdssim`` are not logged, so reading the log does not change it).  Entries
are plain JSON documents::

    {"seq": 1, "time": "2026-09-01T08:00:00Z", "wall": 0.0123,
     "method": "GET", "path": "/beta/education/synchronizationProfiles",
     "query": "$top=5", "status": 200, "retryAttempt": null,
     "clientRequestId": "…", "requestId": "…", "retryAfter": null,
     "nextLink": null, "bodyDigest": null}

``time`` is virtual time after the request was answered; ``wall`` is wall
seconds since the server started (see :mod:`sdssim.server.clock`);
``clientRequestId`` is the client's ``client-request-id`` header (``null`` when
it sent none); ``retryAttempt`` the integer of its ``Retry-Attempt`` header;
``retryAfter`` and ``nextLink`` what the answer carried; ``bodyDigest`` the
first 16 hex digits of the SHA-256 of a non-empty request body.
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from typing import Any

__all__ = ["RequestLog", "body_digest"]


def body_digest(body: bytes) -> str | None:
    return hashlib.sha256(body).hexdigest()[:16] if body else None


class RequestLog:
    """A thread-safe log of request entries: the most recent ``limit`` (all when ``None``).

    ``seq`` keeps counting when old entries are dropped; ``dropped`` says how many were.
    """

    def __init__(self, limit: int | None = None) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=limit)
        self._lock = threading.Lock()
        self._seq = 0
        self.dropped = 0

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._seq += 1
            entry = {"seq": self._seq, **entry}
            if self._entries.maxlen is not None and len(self._entries) == self._entries.maxlen:
                self.dropped += 1
            self._entries.append(entry)
        return entry

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._seq = 0
            self.dropped = 0

    def __len__(self) -> int:
        return len(self._entries)
