"""``POST /_sdssim/clock/advance`` a slice at a time, so a long advance starves no one."""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from sdssim.errors import GraphError
from sdssim.server.answer import answer, error_response
from sdssim.server.routing import json_response, split_path
from sdssim.server.simstate import graph_date
from sdssim.server.state import ServerState

__all__ = ["is_advance", "advance_in_slices"]

log = logging.getLogger("sdssim.server")


def is_advance(scope: Scope) -> bool:
    return scope.get("method") == "POST" and split_path(
        scope.get("raw_path", b"").decode("latin-1") or scope.get("path", "")
    ) == ["_sdssim", "clock", "advance"]


async def advance_in_slices(state: ServerState, request: Request, body: bytes) -> Response:
    """``POST /_sdssim/clock/advance`` a slice at a time, letting other requests in between.

    The first slice runs as an ordinary request (so every refusal is the
    handler's, with nothing advanced); the handler leaves the rest of the way in
    ``ctx.advance_to``.  Each further slice takes the lock, runs at most
    ``advance_slice`` virtual seconds, and gives the event loop back.
    """
    with state.lock:
        response, ctx = answer(state, request, body)
    target = getattr(ctx, "advance_to", None)
    if target is None or ctx is None:
        return response
    while True:
        with state.lock:
            sim = state.sim
            if sim.now >= target:
                break
            step = min(target, sim.now.add(seconds=state.advance_slice))
            try:
                sim.run_until(step)
            except Exception:  # a bug in the engine: one Graph-shaped answer, not a 500 page
                log.exception("unexpected error advancing the clock")
                error = GraphError("An internal server error occurred.",
                                   code="generalException", status=500)
                return error_response(graph_date(sim), ctx.request_id, ctx.client_request_id,
                                      error)
            state.clock.rebase(sim)
            state.cache.invalidate()
        await asyncio.sleep(0)
    with state.lock:
        from sdssim.server.control import clock_doc

        final = json_response(clock_doc(ctx))
    final.headers["request-id"] = ctx.request_id
    final.headers["client-request-id"] = ctx.client_request_id
    return final
