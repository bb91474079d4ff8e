"""Answers of pure Graph reads, kept as bytes until the simulation changes.

Rendering a job list means building every job's Graph model and its JSON: most
of a request's cost, and the same bytes again as long as nothing changed.  A
route declared with ``route(..., cached=True)`` (a GET whose handler only reads:
lists, gets, ``$count``, ``profileStatus``, ``schema``) has its 2xx answers kept
here, keyed by everything of the request a handler reads (path and query as
sent, ``Host``, scheme, ``Prefer``), and valid for one *version* of the state:

* the served simulation's identity (a restored checkpoint is another object);
* :func:`sdssim.server.simstate.fingerprint` taken after the handler ran (it
  moves with records, time, events, identities, calls and faults);
* :attr:`ResponseCache.generation`, which :func:`sdssim.server.answer.answer`
  bumps for every request that is not such a read (any write, any control
  call), so a change the fingerprint does not see still clears the cache.

A version that differs from the one stored drops every entry at once.  While a
request fault (``throttle``, ``unavailable``, ``gateway_timeout``) may still
refuse a request, nothing is served from the cache: the engine must count each
request.  Everything else the handler would have done is redone on a hit: the
request id, the guards, the rate limit and the request log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from sdssim.server.simstate import fingerprint, request_faults_pending

if TYPE_CHECKING:
    from sdssim.engine import Simulation

__all__ = ["ResponseCache", "Entry", "request_key", "DEFAULT_MAX_ENTRIES", "DEFAULT_MAX_BYTES"]

#: the most answers kept for one version (a dashboard or a client pages a few collections)
DEFAULT_MAX_ENTRIES = 512
#: the most bytes of answers kept (pages of 999 jobs are megabytes each)
DEFAULT_MAX_BYTES = 32 * 1024 * 1024


@attrs.frozen
class Entry:
    """One kept answer and what its request told the log."""

    body: bytes
    status: int
    media_type: str | None
    #: the answer's headers as the handler's response had them (Content-Length, -Type, …)
    raw_headers: tuple[tuple[bytes, bytes], ...]
    preference_applied: tuple[str, ...]
    next_link: str | None

    def response(self) -> Response:
        return _Kept(self)


class _Kept(Response):
    """A kept answer sent again: what ``Response(body, status, media_type)`` sets, copied."""

    def __init__(self, entry: Entry) -> None:
        self.status_code = entry.status
        if entry.media_type is not None:
            self.media_type = entry.media_type
        self.background = None
        self.body = entry.body
        self.raw_headers = list(entry.raw_headers)


def request_key(request: Request) -> tuple:
    """Everything of a GET that a read handler looks at."""
    scope = request.scope
    headers = request.headers
    return (scope.get("scheme"), scope.get("server"), headers.get("host"),
            scope.get("raw_path") or scope.get("path"), scope.get("query_string", b""),
            tuple(headers.getlist("prefer")))


class ResponseCache:
    """The answers kept for the current version of the served state."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        #: bumped by every request that may change the state (see the module docstring)
        self.generation = 0
        self._version: tuple | None = None
        self._entries: dict[tuple, Entry] = {}
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def version(self, sim: Simulation) -> tuple | None:
        """The current version of ``sim``'s state; ``None``: do not cache now."""
        version = (self.generation, id(sim), fingerprint(sim))
        if version != self._version:
            self._clear()
            # a pending request fault must see every request: no cached answers meanwhile
            self._version = None if request_faults_pending(sim) else version
        return version if version == self._version else None

    def get(self, key: tuple, sim: Simulation) -> Entry | None:
        version = self.version(sim)
        entry = self._entries.get(key) if version is not None else None
        if entry is None:
            self.misses += 1
        else:
            self.hits += 1
        return entry

    def put(self, key: tuple, sim: Simulation, response: Response, ctx: Any) -> None:
        """Keep a 2xx ``response`` of a read, for the state as it is now (after the handler)."""
        if not 200 <= response.status_code < 300 or not isinstance(response.body, bytes):
            return
        if self.version(sim) is None:
            return
        body = bytes(response.body)
        if len(body) > self.max_bytes or key in self._entries:
            return
        while self._entries and (len(self._entries) >= self.max_entries
                                 or self._bytes + len(body) > self.max_bytes):
            oldest = next(iter(self._entries))
            self._bytes -= len(self._entries.pop(oldest).body)
        self._entries[key] = Entry(body, response.status_code, response.media_type,
                                   tuple(response.raw_headers), tuple(ctx.preference_applied),
                                   ctx.next_link)
        self._bytes += len(body)

    def invalidate(self) -> None:
        """Something may change the state: no kept answer is valid any longer."""
        self.generation += 1
        self._clear()
        self._version = None

    def _clear(self) -> None:
        self._entries.clear()
        self._bytes = 0
