"""The ASGI middleware that answers every HTTP request: body, lock, persistence.

For every request :class:`Dispatcher` reads the body, then takes the
simulation's lock (one request at a time, so concurrent clients never lose or
duplicate state) and has :func:`~sdssim.server.answer.answer` answer it; a
clock advance goes a slice at a time (:mod:`sdssim.server.advance`).  With
``--state``, a request that changed the simulation is stored before its answer
leaves.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sdssim.errors import GraphError
from sdssim.server.advance import advance_in_slices, is_advance
from sdssim.server.answer import answer, error_response
from sdssim.server.guards import read_body
from sdssim.server.persist import changes
from sdssim.server.simstate import graph_date
from sdssim.server.state import ServerState

__all__ = ["Dispatcher"]

log = logging.getLogger("sdssim.server")


class Dispatcher:
    """ASGI middleware answering every HTTP request itself."""

    def __init__(self, app: ASGIApp, state: ServerState) -> None:
        self.app = app
        self.state = state
        self.advancing = asyncio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        state = self.state
        refused: GraphError | None = None
        try:
            body = await read_body(request, state.max_body)
        except GraphError as exc:  # 413 (or a malformed Content-Length): nothing runs
            body, refused = b"", exc
        if refused is None and is_advance(scope):
            async with self.advancing:  # one advance at a time; other requests go on
                response = await advance_in_slices(state, request, body)
            if state.store.persistent:
                with state.lock:
                    response = persist_after(state, response)
        else:
            with state.lock:
                if refused is not None or not state.store.persistent:
                    response, _ = answer(state, request, body, refused)
                else:
                    sim, before = state.sim, changes(state.sim)
                    response, _ = answer(state, request, body)
                    if state.sim is not sim or request.method.upper() not in ("GET", "HEAD") \
                            or changes(state.sim) != before:
                        response = persist_after(state, response)
        await response(scope, receive, send)


def persist_after(state: ServerState, response: Response) -> Response:
    """Store the simulation before the answer leaves (one transaction per changing request)."""
    try:
        state.store.save_current(state.sim)
    except Exception as exc:  # a full disk or a locked file: say so, never a 500
        log.error("cannot save the state to %s: %s", state.store.path, exc)
        err = GraphError(f"The simulation state could not be saved: {exc}",
                         code="serviceNotAvailable", status=503)
        failed = error_response(graph_date(state.sim), response.headers.get("request-id", ""),
                                response.headers.get("client-request-id", ""), err)
        for name in ("request-id", "client-request-id"):
            if name in response.headers:
                failed.headers[name] = response.headers[name]
        return failed
    return response
