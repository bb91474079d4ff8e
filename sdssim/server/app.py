"""The ASGI app: one :class:`~sdssim.engine.Simulation` behind Microsoft Graph's URLs.

:func:`create_app` builds a Starlette app with a single dispatcher
(:mod:`sdssim.server.dispatch`).  For every request it

1. reads the body, then takes the simulation's lock (one request at a time, so
   concurrent clients never lose or duplicate state);
2. brings virtual time up to date (``realtime`` clock only);
3. for Graph paths (``/beta``, ``/v1.0``): checks ``Authorization: Bearer``,
   then the rate limit;
4. matches the route and runs its handler;
5. turns every refusal into a Graph error body — ``GraphError`` keeps its
   ``status``/``code``, ``ModelError`` is 400 ``badRequest`` naming the field,
   ``InvalidTransition`` 409 ``conflict``, an unknown segment 400
   ``BadRequest`` "Resource not found for the segment '…'", a wrong method 405,
   anything unexpected 500 ``generalException`` (logged, never a traceback on
   the wire);
6. adds ``request-id`` and ``client-request-id`` headers and logs Graph
   requests in the :class:`~sdssim.server.requestlog.RequestLog`.

Steps 2–6 are :func:`sdssim.server.answer.answer`; what the handlers share is
:class:`~sdssim.server.state.ServerState`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.middleware import Middleware

from sdssim.server import control as _control  # noqa: F401  (registers the control routes)
from sdssim.server import routes_checkpoints as _ckpts  # noqa: F401  (registers checkpoint routes)
from sdssim.server import routes_jobs as _jobs  # noqa: F401  (registers the job routes)
from sdssim.server import routes_profiles as _profiles  # noqa: F401  (registers profile routes)
from sdssim.server import routes_transport as _transport  # noqa: F401  (GET /_sdssim/ca.pem)
from sdssim.server import ui as _ui  # noqa: F401  (registers the dashboard routes)
from sdssim.server.clock import ServerClock
from sdssim.server.dispatch import Dispatcher
from sdssim.server.graph import DEFAULT_PAGE_SIZE
from sdssim.server.guards import DEFAULT_MAX_BODY
from sdssim.server.persist import StateStore
from sdssim.server.retention import DEFAULT_MAX_REQUESTS, RecordBuffer
from sdssim.server.state import (
    ADVANCE_SLICE_SECONDS,
    GRAPH_VERSIONS,
    LOOPBACK_NAMES,
    ServerState,
)
from sdssim.server.throttling import RateLimit

if TYPE_CHECKING:
    from sdssim.engine import Simulation

__all__ = ["create_app", "ServerState", "GRAPH_VERSIONS", "LOOPBACK_NAMES",
           "ADVANCE_SLICE_SECONDS"]


def create_app(
    sim: Simulation,
    *,
    token: str | None = None,
    rate_limit: RateLimit | str | None = None,
    clock: ServerClock | str = "virtual",
    speed: float = 1.0,
    page_size: int = DEFAULT_PAGE_SIZE,
    store: StateStore | None = None,
    control_token: str | None = None,
    allowed_hosts: Iterable[str] | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    records: RecordBuffer | None = None,
    max_requests: int | None = DEFAULT_MAX_REQUESTS,
    advance_slice: float = ADVANCE_SLICE_SECONDS,
) -> Starlette:
    """A Starlette app serving ``sim``.

    ``token``: when given, only ``Authorization: Bearer <token>`` is accepted
    (otherwise any bearer token is).  ``rate_limit``: a :class:`RateLimit` or its
    text form ``"5/10s"``.  ``clock``: ``"virtual"``, ``"realtime"`` (with
    ``speed``) or a :class:`ServerClock`.  ``page_size``: the largest page a
    collection answers (``$top`` and ``Prefer: odata.maxpagesize`` may ask for less).
    ``store``: where checkpoints (and, if persistent, the simulation) are kept.

    Guards (docs/server.md, "Threat model"): ``control_token`` protects
    ``/_sdssim`` (default: ``token``; neither means an open control API, fit
    only for loopback); ``allowed_hosts`` are the host names a control request's
    ``Host`` header may carry (default: loopback names; ``None`` given through
    :func:`sdssim.server.serve.serve` for a wildcard bind); ``max_body`` is the
    largest request body (413 past it); ``records`` is a
    :class:`~sdssim.server.retention.RecordBuffer` the simulation feeds (then
    ``/_sdssim/events`` reads it instead of ``sim.records()``); ``max_requests``
    bounds the request log; ``advance_slice`` is how many virtual seconds a
    clock advance runs before letting other requests in.
    """
    if isinstance(rate_limit, str):
        rate_limit = RateLimit.parse(rate_limit)
    if isinstance(clock, str):
        clock = ServerClock(clock, speed=speed)
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    if max_body < 0 or not advance_slice > 0:
        raise ValueError("max_body must be >= 0 and advance_slice > 0")
    hosts = LOOPBACK_NAMES if allowed_hosts is None else frozenset(
        h.strip("[]").lower() for h in allowed_hosts)
    state = ServerState(sim, token=token, rate_limit=rate_limit, clock=clock,
                        page_size=page_size,
                        control_token=control_token if control_token is not None else token,
                        allowed_hosts=hosts or None, max_body=max_body, records=records,
                        max_requests=max_requests, advance_slice=advance_slice,
                        store=store)
    clock.attach(sim)

    # every HTTP request goes to the dispatcher (any path, any method): routing and 404/405
    # are Graph's, not Starlette's; lifespan messages pass through to Starlette
    app = Starlette(middleware=[Middleware(Dispatcher, state=state)])
    app.state.sdssim = state
    return app
