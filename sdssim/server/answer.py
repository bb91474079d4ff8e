"""Answer one request while holding the simulation's lock: route, guard, run, log.

:func:`answer` brings virtual time up to date (``realtime`` clock only); for
Graph paths (``/beta``, ``/v1.0``) checks ``Authorization: Bearer``, then the
rate limit; matches the route and runs its handler; turns every refusal into a
Graph error body (:func:`error_response`) — ``GraphError`` keeps its
``status``/``code``, ``ModelError`` is 400 ``badRequest`` naming the field,
``InvalidTransition`` 409 ``conflict``, an unknown segment 400 ``BadRequest``
"Resource not found for the segment '…'", a wrong method 405, anything
unexpected 500 ``generalException`` (logged, never a traceback on the wire);
adds ``request-id`` and ``client-request-id`` headers and logs Graph requests
in the :class:`~sdssim.server.requestlog.RequestLog`.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import Response

from sdssim.errors import GraphError, InvalidTransition, ModelError, StartRejected, Throttled
from sdssim.server.graph import error_body
from sdssim.server.guards import ascii_int, check_control
from sdssim.server.requestlog import body_digest
from sdssim.server.response_cache import Entry, request_key
from sdssim.server.routing import Ctx, json_response, match, split_path
from sdssim.server.simstate import graph_date
from sdssim.server.state import GRAPH_VERSIONS, ServerState

__all__ = ["answer", "error_response", "MethodNotAllowed"]

log = logging.getLogger("sdssim.server")


class MethodNotAllowed(GraphError):
    """405 with the methods the path does allow (Graph's OData message)."""

    status = 405
    code = "BadRequest"

    def __init__(self, allow: str) -> None:
        super().__init__("Specified HTTP method is not allowed for the request target.")
        self.allow = allow


def error_response(date: str, request_id: str, client_request_id: str, exc: GraphError) -> Response:
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
    if isinstance(exc, MethodNotAllowed):
        headers["Allow"] = exc.allow
    return json_response(body, exc.status, headers)


def _url_path(request: Request) -> str:
    """``request.url.path`` (the request log's ``path``), worked out once per path and host."""
    scope = request.scope
    return _url_path_of(scope.get("scheme", "http"), scope.get("server"),
                        request.headers.get("host"), scope["path"])


@functools.lru_cache(maxsize=1024)
def _url_path_of(scheme: str, server: tuple | None, host: str | None, path: str) -> str:
    headers = [] if host is None else [(b"host", host.encode("latin-1"))]
    return URL(scope={"scheme": scheme, "server": server, "path": path, "query_string": b"",
                      "headers": headers}).path


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
           ) -> tuple[str, str, Any, dict[str, str], bool]:
    """``(root, version, handler, params, cached)``; raises the Graph error for a miss."""
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
        raise MethodNotAllowed(", ".join(sorted(found.methods)))
    return root, version, handler, params, method in found.cached


def answer(state: ServerState, request: Request, body: bytes,
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
    kept: Entry | None = None
    try:
        segments = split_path(request.scope.get("raw_path", b"").decode("latin-1")
                              or request.url.path)
        root = "control" if segments and segments[0] == "_sdssim" else "graph"
        if refused is not None:
            raise refused
        state.clock.sync(sim)
        root, version, handler, params, cached = _route(state, request, segments)
        key = request_key(request) if cached and root == "graph" else None
        if key is not None:
            kept = state.cache.get(key, sim)
        if kept is not None:
            response = kept.response()
        else:
            if key is None:  # not a pure read: whatever it changes, no kept answer stays valid
                state.cache.invalidate()
            ctx = Ctx(request, body, state, version, request_id, client_request_id)
            response = handler(ctx, **params)
            if key is not None:
                state.cache.put(key, sim, response, ctx)
    except GraphError as exc:
        response = error_response(graph_date(sim), request_id, client_request_id, exc)
    except ModelError as exc:
        field = f" '{exc.path}'" if exc.path else ""
        wrapped = GraphError(f"Invalid value for property{field}: {exc.message}",
                             code="badRequest", status=400)
        response = error_response(graph_date(sim), request_id, client_request_id, wrapped)
    except InvalidTransition as exc:
        wrapped = GraphError(str(exc), code="conflict", status=409)
        response = error_response(graph_date(sim), request_id, client_request_id, wrapped)
    except Exception:
        log.exception("unexpected error answering %s %s", request.method, request.url.path)
        wrapped = GraphError("An internal server error occurred.", code="generalException",
                             status=500)
        response = error_response(graph_date(sim), request_id, client_request_id, wrapped)
    response.headers["request-id"] = request_id
    response.headers["client-request-id"] = client_request_id
    applied = kept.preference_applied if kept is not None else (
        ctx.preference_applied if ctx is not None else ())
    if applied and 200 <= response.status_code < 300:
        response.headers["Preference-Applied"] = ", ".join(applied)
    next_link = kept.next_link if kept is not None else (
        ctx.next_link if ctx is not None else None)
    if root == "graph":
        retry_after = response.headers.get("retry-after")
        state.requests.append({
            "time": graph_date(sim),
            "wall": round(state.clock.wall(), 6),
            "method": request.method.upper(),
            "path": _url_path(request),
            "query": request.scope.get("query_string", b"").decode("latin-1"),
            "status": response.status_code,
            "retryAttempt": retry_attempt,
            "clientRequestId": supplied_crid,
            "requestId": request_id,
            "retryAfter": ascii_int(retry_after),
            "nextLink": next_link,
            "bodyDigest": body_digest(body),
        })
    return response, ctx
