"""The ASGI app: one :class:`~sdssim.engine.Simulation` behind Microsoft Graph's URLs.

:func:`create_app` builds a Starlette app with a single dispatcher.  For every
request it

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
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sdssim.clock import format_timestamp
from sdssim.errors import GraphError, InvalidTransition, ModelError, StartRejected, Throttled
from sdssim.server import control as _control  # noqa: F401  (registers the control routes)
from sdssim.server import routes_checkpoints as _ckpts  # noqa: F401  (registers checkpoint routes)
from sdssim.server import routes_jobs as _jobs  # noqa: F401  (registers the job routes)
from sdssim.server import routes_profiles as _profiles  # noqa: F401  (registers profile routes)
from sdssim.server import routes_transport as _transport  # noqa: F401  (GET /_sdssim/ca.pem)
from sdssim.server import ui as _ui  # noqa: F401  (registers the dashboard routes)
from sdssim.server.clock import ServerClock
from sdssim.server.graph import DEFAULT_PAGE_SIZE, error_body
from sdssim.server.guards import DEFAULT_MAX_BODY, ascii_int, check_control, read_body
from sdssim.server.persist import StateStore, changes
from sdssim.server.requestlog import RequestLog, body_digest
from sdssim.server.retention import DEFAULT_MAX_REQUESTS, RecordBuffer
from sdssim.server.routing import Ctx, json_response, match, split_path
from sdssim.server.throttling import RateLimit

if TYPE_CHECKING:
    from sdssim.engine import Simulation

__all__ = ["create_app", "ServerState", "GRAPH_VERSIONS"]

log = logging.getLogger("sdssim.server")

GRAPH_VERSIONS = ("beta", "v1.0")
#: host names a control request may name in ``Host`` on a loopback bind
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
#: virtual seconds a clock advance runs before it lets other requests in
ADVANCE_SLICE_SECONDS = 6 * 3600


class ServerState:
    """Everything the handlers share; ``lock`` serializes access to ``sim``."""

    def __init__(self, sim: Simulation, *, token: str | None, rate_limit: RateLimit | None,
                 clock: ServerClock, page_size: int, control_token: str | None = None,
                 allowed_hosts: frozenset[str] | None = None, max_body: int = DEFAULT_MAX_BODY,
                 records: RecordBuffer | None = None, max_requests: int | None = None,
                 advance_slice: float = ADVANCE_SLICE_SECONDS,
                 store: StateStore | None = None) -> None:
        self.sim = sim
        #: checkpoints, and with ``--state`` the served simulation itself (``persist``)
        self.store = store if store is not None else StateStore()
        self.token = token
        self.control_token = control_token
        self.allowed_hosts = allowed_hosts
        self.max_body = max_body
        self.records = records
        self.advance_slice = advance_slice
        self.rate_limit = rate_limit
        self.clock = clock
        self.page_size = page_size
        self.lock = threading.Lock()
        self.requests = RequestLog(max_requests)
        #: subject ("job/<id>") -> display name, e.g. the scenario key (the dashboard shows it)
        self.labels: dict[str, str] = {}
        self.ca_pem: bytes | None = None   # set by --tls / --proxy (GET /_sdssim/ca.pem)
        self._ids = 0
        self._on_demand: RateLimit | None = None

    def on_demand_limit(self, sim: Simulation) -> RateLimit:
        """provisionOnDemand's limit (config: 5 per 10 s), counted in wall seconds."""
        if self._on_demand is None:
            cfg = sim.config
            self._on_demand = RateLimit(cfg.provision_on_demand_requests,
                                        cfg.provision_on_demand_window.total_seconds())
        return self._on_demand

    def next_request_id(self) -> str:
        self._ids += 1
        return f"5d550000-0000-4000-8000-{self._ids:012x}"


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
    app = Starlette(middleware=[Middleware(_Dispatcher, state=state)])
    app.state.sdssim = state
    return app


# --------------------------------------------------------------------------- dispatch


class _Dispatcher:
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
        if refused is None and _is_advance(scope):
            async with self.advancing:  # one advance at a time; other requests go on
                response = await _advance_in_slices(state, request, body)
            if state.store.persistent:
                with state.lock:
                    response = _persist(state, response)
        else:
            with state.lock:
                if refused is not None or not state.store.persistent:
                    response, _ = _handle(state, request, body, refused)
                else:
                    sim, before = state.sim, changes(state.sim)
                    response, _ = _handle(state, request, body)
                    if state.sim is not sim or request.method.upper() not in ("GET", "HEAD") \
                            or changes(state.sim) != before:
                        response = _persist(state, response)
        await response(scope, receive, send)


def _persist(state: ServerState, response: Response) -> Response:
    """Store the simulation before the answer leaves (one transaction per changing request)."""
    try:
        state.store.save_current(state.sim)
    except Exception as exc:  # a full disk or a locked file: say so, never a 500
        log.error("cannot save the state to %s: %s", state.store.path, exc)
        err = GraphError(f"The simulation state could not be saved: {exc}",
                         code="serviceNotAvailable", status=503)
        failed = _error(_date(state.sim), response.headers.get("request-id", ""),
                        response.headers.get("client-request-id", ""), err)
        for name in ("request-id", "client-request-id"):
            if name in response.headers:
                failed.headers[name] = response.headers[name]
        return failed
    return response


class _MethodNotAllowed(GraphError):
    """405 with the methods the path does allow (Graph's OData message)."""

    status = 405
    code = "BadRequest"

    def __init__(self, allow: str) -> None:
        super().__init__("Specified HTTP method is not allowed for the request target.")
        self.allow = allow


def _error(date: str, request_id: str, client_request_id: str, exc: GraphError) -> Response:
    details = None
    if isinstance(exc, StartRejected):
        details = [
            {"code": m.type.value if m.type is not None else "Error",
             "message": m.description or "", "target": m.group or ""}
            for m in exc.messages
        ]
    body = error_body(exc.code, exc.message, date=date, request_id=request_id,
                      client_request_id=client_request_id, details=details)
    headers = {}
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:  # 429 always; 503/504 when the fault asked for one
        headers["Retry-After"] = str(retry_after)
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="sdssim"'
    if isinstance(exc, _MethodNotAllowed):
        headers["Allow"] = exc.allow
    return json_response(body, exc.status, headers)


def _check_auth(state: ServerState, request: Request) -> None:
    header = request.headers.get("authorization")
    if not header:
        raise GraphError("Access token is empty.", code="InvalidAuthenticationToken", status=401)
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise GraphError("Access token validation failure. Expected a Bearer token.",
                         code="InvalidAuthenticationToken", status=401)
    if state.token is not None and token != state.token:
        raise GraphError("Access token validation failure. Invalid audience.",
                         code="InvalidAuthenticationToken", status=401)


def _route(state: ServerState, request: Request, segments: list[str]
           ) -> tuple[str, str, Any, dict[str, str]]:
    """``(root, version, handler, params)``; raises the Graph error for a miss."""
    head = segments[0] if segments else ""
    if head == "_sdssim":
        root, version, rest = "control", "_sdssim", segments[1:]
    elif head in GRAPH_VERSIONS:
        root, version, rest = "graph", head, segments[1:]
        if len(rest) > 1 and rest[0] == "":
            # msgraph-sdk's default base URL ends in "/": it asks for /v1.0//servicePrincipals
            rest = rest[1:]
        if version == "beta" and rest and rest[0] == "educationRoot":
            rest = ["education", *rest[1:]]
    else:
        raise GraphError(f"Invalid version: {head}" if head else "Resource not found.",
                         code="BadRequest", status=400)
    if root == "control":
        check_control(state, request, request.method.upper(), rest)
    if root == "graph":
        _check_auth(state, request)
        if state.rate_limit is not None:
            wait = state.rate_limit.check(state.clock.wall())
            if wait is not None:
                raise Throttled(f"Too many requests; retry after {wait} seconds.",
                                retry_after=wait)
    if not rest or rest == [""]:
        if root == "graph":
            raise GraphError("Resource not found for the segment ''.", code="BadRequest",
                             status=400)
        raise GraphError("Unknown control resource.", code="BadRequest", status=400)
    found, params, bad = match(root, version, rest)
    if found is None:
        raise GraphError(f"Resource not found for the segment '{bad}'.", code="BadRequest",
                         status=400)
    method = request.method.upper()
    handler = found.methods.get(method)
    if handler is None:
        raise _MethodNotAllowed(", ".join(sorted(found.methods)))
    return root, version, handler, params


def _handle(state: ServerState, request: Request, body: bytes,
            refused: GraphError | None = None) -> tuple[Response, Ctx | None]:
    """Answer one request (the caller holds ``state.lock``); ``(response, ctx)``.

    Everything the log entry needs from the request is read *before* the
    handler runs, so nothing after a side effect can fail; an exception a
    handler did not expect still becomes a Graph-shaped error.
    """
    sim = state.sim
    request_id = state.next_request_id()
    supplied_crid = request.headers.get("client-request-id")
    client_request_id = supplied_crid or request_id
    retry_attempt = ascii_int((request.headers.get("retry-attempt") or "").strip(),
                              max_digits=9)
    root = "graph"
    ctx: Ctx | None = None
    try:
        segments = split_path(request.scope.get("raw_path", b"").decode("latin-1")
                              or request.url.path)
        root = "control" if segments and segments[0] == "_sdssim" else "graph"
        if refused is not None:
            raise refused
        state.clock.sync(sim)
        root, version, handler, params = _route(state, request, segments)
        ctx = Ctx(request, body, state, version, request_id, client_request_id)
        response = handler(ctx, **params)
    except GraphError as exc:
        response = _error(_date(sim), request_id, client_request_id, exc)
    except ModelError as exc:
        field = f" '{exc.path}'" if exc.path else ""
        wrapped = GraphError(f"Invalid value for property{field}: {exc.message}",
                             code="badRequest", status=400)
        response = _error(_date(sim), request_id, client_request_id, wrapped)
    except InvalidTransition as exc:
        wrapped = GraphError(str(exc), code="conflict", status=409)
        response = _error(_date(sim), request_id, client_request_id, wrapped)
    except Exception:
        log.exception("unexpected error answering %s %s", request.method, request.url.path)
        wrapped = GraphError("An internal server error occurred.", code="generalException",
                             status=500)
        response = _error(_date(sim), request_id, client_request_id, wrapped)
    response.headers["request-id"] = request_id
    response.headers["client-request-id"] = client_request_id
    if ctx is not None and ctx.preference_applied and 200 <= response.status_code < 300:
        response.headers["Preference-Applied"] = ", ".join(ctx.preference_applied)
    if root == "graph":
        retry_after = response.headers.get("retry-after")
        state.requests.append({
            "time": _date(sim),
            "wall": round(state.clock.wall(), 6),
            "method": request.method.upper(),
            "path": request.url.path,
            "query": request.scope.get("query_string", b"").decode("latin-1"),
            "status": response.status_code,
            "retryAttempt": retry_attempt,
            "clientRequestId": supplied_crid,
            "requestId": request_id,
            "retryAfter": ascii_int(retry_after),
            "nextLink": ctx.next_link if ctx is not None else None,
            "bodyDigest": body_digest(body),
        })
    return response, ctx


def _date(sim: Simulation) -> str:
    return format_timestamp(sim.now)


# --------------------------------------------------------------------------- long advances


def _is_advance(scope: Scope) -> bool:
    return scope.get("method") == "POST" and split_path(
        scope.get("raw_path", b"").decode("latin-1") or scope.get("path", "")
    ) == ["_sdssim", "clock", "advance"]


async def _advance_in_slices(state: ServerState, request: Request, body: bytes) -> Response:
    """``POST /_sdssim/clock/advance`` a slice at a time, letting other requests in between.

    The first slice runs as an ordinary request (so every refusal is the
    handler's, with nothing advanced); the handler leaves the rest of the way in
    ``ctx.advance_to``.  Each further slice takes the lock, runs at most
    ``advance_slice`` virtual seconds, and gives the event loop back.
    """
    with state.lock:
        response, ctx = _handle(state, request, body)
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
                return _error(_date(sim), ctx.request_id, ctx.client_request_id, error)
            state.clock.rebase(sim)
        await asyncio.sleep(0)
    with state.lock:
        from sdssim.server.control import clock_doc

        final = json_response(clock_doc(ctx))
    final.headers["request-id"] = ctx.request_id
    final.headers["client-request-id"] = ctx.client_request_id
    return final
