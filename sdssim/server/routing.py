"""Path matching and the per-request context handed to every handler.

Routes are declared with :func:`route` in ``routes_profiles``, ``routes_jobs``
and ``control``; the registry also feeds the OpenAPI description.  Graph paths
are matched segment by segment after the version (``beta``, ``v1.0``), so the
server can answer unknown segments and wrong methods with Graph's own errors
rather than a framework's.  OData key syntax is accepted as well:
``synchronizationProfiles('id')`` is the same as ``synchronizationProfiles/id``.

Handlers are plain synchronous functions ``handler(ctx, **path_params)`` that
return a Starlette ``Response``; they run while the app holds the simulation's
lock, so they never interleave.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any, Literal, overload
from urllib.parse import parse_qsl, quote, unquote

import attrs
from starlette.requests import Request
from starlette.responses import Response

from sdssim.clock import format_timestamp
from sdssim.errors import BadRequest
from sdssim.server.graph import DEFAULT_PAGE_SIZE, JSON, MAX_PAGE_SIZE, parse_prefer
from sdssim.server.guards import ascii_int
from sdssim.server.odata_query import ODataQuery

__all__ = ["Route", "route", "ROUTES", "Ctx", "split_path", "match", "json_response"]

Handler = Callable[..., Response]


@attrs.define(eq=False)
class Route:
    """One path with its methods; ``pattern`` segments in braces are parameters."""

    root: str  # "graph" or "control"
    pattern: tuple[str, ...]
    versions: tuple[str, ...]
    methods: dict[str, Handler] = attrs.field(factory=dict)
    docs: dict[str, dict] = attrs.field(factory=dict)
    #: methods whose 2xx answers may be kept until the state changes (``route(cached=True)``)
    cached: set[str] = attrs.field(factory=set)

    def match(self, segments: list[str]) -> dict[str, str] | None:
        if len(segments) != len(self.pattern):
            return None
        params = {}
        for pat, seg in zip(self.pattern, segments, strict=True):
            if pat.startswith("{"):
                if not seg:
                    return None
                params[pat[1:-1]] = seg
            elif pat != seg:
                return None
        return params


#: every route, in declaration order
ROUTES: list[Route] = []


def route(
    method: str,
    path: str,
    *,
    versions: tuple[str, ...] = (),
    root: str = "graph",
    summary: str = "",
    status: int = 200,
    body: dict | None = None,
    body_required: bool = False,
    query: tuple[str, ...] = (),
    response: dict | None = None,
    media_type: str = JSON,
    cached: bool = False,
) -> Callable[[Handler], Handler]:
    """Register ``handler`` for ``method path`` (and describe it for OpenAPI).

    ``cached``: the handler only reads (no side effect but the engine's request
    faults), so its answers may be served again until the state changes
    (:mod:`sdssim.server.response_cache`).
    """
    pattern = tuple(path.strip("/").split("/"))

    def decorate(handler: Handler) -> Handler:
        for r in ROUTES:
            if r.root == root and r.pattern == pattern and r.versions == versions:
                target = r
                break
        else:
            target = Route(root, pattern, versions)
            ROUTES.append(target)
        target.methods[method] = handler
        if cached:
            target.cached.add(method)
        else:
            target.cached.discard(method)
        target.docs[method] = {
            "summary": summary, "status": status, "body": body, "body_required": body_required,
            "query": query, "response": response, "media_type": media_type,
        }
        return handler

    return decorate


_KEY_SEGMENT = re.compile(r"^([A-Za-z][A-Za-z0-9]*)\('?([^'()]*)'?\)$")


def split_path(raw_path: str) -> list[str]:
    """``/a/b('x')/c%2Fd`` → ``["a", "b", "x", "c/d"]`` (percent-decoding each segment)."""
    return list(_split_path(raw_path))


@functools.lru_cache(maxsize=1024)
def _split_path(raw_path: str) -> tuple[str, ...]:
    out: list[str] = []
    for raw in raw_path.strip("/").split("/"):
        seg = unquote(raw)
        m = _KEY_SEGMENT.match(seg)
        if m and m.group(2):
            out.extend([m.group(1), m.group(2)])
        else:
            out.append(seg)
    return tuple(out)


#: ``(root, number of segments) -> routes`` in declaration order, and the ROUTES it was built from
_INDEX: dict[tuple[str, int], list[Route]] = {}
_INDEXED: list[Route] = []


def _candidates(root: str, n: int) -> list[Route]:
    """The routes of ``root`` with ``n`` segments (rebuilt whenever ``ROUTES`` changed)."""
    global _INDEXED
    if _INDEXED != ROUTES:  # Route compares by identity: cheap
        index: dict[tuple[str, int], list[Route]] = {}
        for r in ROUTES:
            index.setdefault((r.root, len(r.pattern)), []).append(r)
        _INDEX.clear()
        _INDEX.update(index)
        _INDEXED = list(ROUTES)
    return _INDEX.get((root, n), [])


def match(root: str, version: str, segments: list[str]
          ) -> tuple[Route | None, dict[str, str], str | None]:
    """The route for ``segments``; else ``(None, {}, first unknown segment)``."""
    found: tuple[int, Route, dict[str, str]] | None = None
    for r in _candidates(root, len(segments)):  # only a route this long can match
        if r.versions and version not in r.versions:
            continue
        params = r.match(segments)
        if params is not None:
            # a literal segment beats a parameter: ``jobs/validateCredentials`` is not a job id
            literals = len(r.pattern) - len(params)
            if found is None or literals > found[0]:
                found = (literals, r, params)
    if found is not None:
        return found[1], found[2], None
    # a miss: name the first segment no route of this root knows
    best_depth = 0
    for r in ROUTES:
        if r.root != root or (r.versions and version not in r.versions):
            continue
        depth = 0
        for pat, seg in zip(r.pattern, segments, strict=False):
            if pat.startswith("{") or pat == seg:
                depth += 1
            else:
                break
        best_depth = max(best_depth, depth)
    bad = segments[best_depth] if best_depth < len(segments) else segments[-1]
    return None, {}, bad


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    content = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Response(content, status_code=status, media_type=JSON, headers=headers)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # NaN, Infinity, -Infinity


class Ctx:
    """What a handler needs about its request: the simulation, body, query and helpers."""

    def __init__(self, request: Request, body: bytes, state: Any, version: str,
                 request_id: str, client_request_id: str) -> None:
        self.request = request
        self.body = body
        self.state = state
        self.sim = state.sim
        self.version = version
        self.request_id = request_id
        self.client_request_id = client_request_id
        self.params: list[tuple[str, str]] = parse_qsl(
            request.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
        )
        self.prefer = parse_prefer(request.headers.getlist("prefer"))
        self.preference_applied: list[str] = []
        self.next_link: str | None = None
        #: a clock advance the app finishes a slice at a time (control.advance_clock)
        self.advance_to: Any = None
        scheme = request.url.scheme
        host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
        self.origin = f"{scheme}://{host}"

    # -- time and ids -----------------------------------------------------------------
    @property
    def date(self) -> str:
        return format_timestamp(self.sim.now)

    # -- request ------------------------------------------------------------------------
    def json(self, *, required: bool = True) -> Any:
        """The JSON body; a Graph 400 when it is missing (if ``required``) or malformed."""
        text = self.body.strip()
        if not text:
            if required:
                raise BadRequest("Empty Payload. JSON content expected.")
            return None
        try:
            doc = json.loads(text.decode("utf-8"), parse_constant=_no_constant)
            # a lone surrogate (\ud800) parses but cannot be written back as UTF-8: refuse it
            # now, before a handler stores it and its answer fails after the side effect
            json.dumps(doc, ensure_ascii=False).encode("utf-8")
            return doc
        except (UnicodeError, ValueError, RecursionError):  # JSONDecodeError is a ValueError
            raise BadRequest(
                "Unable to read JSON request payload. Please ensure Content-Type header is set "
                "and payload is of valid JSON format."
            ) from None

    @overload
    def json_object(self, *, required: Literal[True] = True) -> dict[str, Any]: ...

    @overload
    def json_object(self, *, required: bool) -> dict[str, Any] | None: ...

    def json_object(self, *, required: bool = True) -> dict[str, Any] | None:
        """The body as a JSON object; ``None`` only for an empty optional body."""
        if not required and not self.body.strip():
            return None
        doc = self.json(required=True)
        if not isinstance(doc, dict):
            raise BadRequest("The request body must be a JSON object.")
        return doc

    def query(self, allowed: set[str] | None = None) -> ODataQuery:
        return ODataQuery(self.params, allowed=allowed)

    def no_query(self) -> None:
        """400 for system query options on a resource that takes none."""
        ODataQuery(self.params, allowed=set())

    @property
    def include_unknown_enum_members(self) -> bool:
        wanted = "include-unknown-enum-members" in self.prefer
        if wanted and "include-unknown-enum-members" not in self.preference_applied:
            self.preference_applied.append("include-unknown-enum-members")
        return wanted

    @property
    def page_size(self) -> int:
        size = self.state.page_size
        pref = ascii_int(self.prefer.get("odata.maxpagesize"), max_digits=4)
        if pref is not None and 0 < pref <= MAX_PAGE_SIZE:
            size = pref
            self.preference_applied.append(f"odata.maxpagesize={size}")
        return size or DEFAULT_PAGE_SIZE

    # -- answers -------------------------------------------------------------------------
    def url(self, *segments: str) -> str:
        """Absolute URL under this request's version: ``url("education", "x")``."""
        path = "/".join(quote(s, safe="$'()") for s in segments)
        return f"{self.origin}/{self.version}/{path}"

    def request_url(self) -> str:
        """This request's absolute URL without its query string."""
        raw = self.request.scope.get("raw_path") or self.request.url.path.encode()
        return self.origin + raw.decode("latin-1")

    def context(self, fragment: str) -> str:
        return f"{self.origin}/{self.version}/$metadata#{fragment}"

    def ok(self, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        if isinstance(data, dict):
            self.next_link = data.get("@odata.nextLink")
        return json_response(data, status, headers)

    def created(self, data: Any, *location: str) -> Response:
        """201 with ``data`` and a ``Location`` header: the new resource's :meth:`url`."""
        return self.ok(data, 201, headers={"Location": self.url(*location)})

    def empty(self, status: int = 204) -> Response:
        return Response(b"", status_code=status)

    def text(self, value: str, status: int = 200) -> Response:
        return Response(value.encode("utf-8"), status_code=status, media_type="text/plain")
