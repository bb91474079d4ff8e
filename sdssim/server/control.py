"""The control API under ``/_sdssim``: time, faults, records, the request log, the scorecard.

Not part of Graph: for tests and teaching.  It needs ``Authorization: Bearer
<control token>`` when the server has one (``--control-token``, else
``--token``), a ``Host`` naming the bound interface and, on POST,
``Content-Type: application/json`` (see :mod:`sdssim.server.guards`).  It is
never rate limited nor throttled by throttle faults, and is not written to the
request log.  Refusals use Graph's error body all the same.

=========================================  ==========================================
``GET /_sdssim/clock``                     ``{"now", "mode", "speed", "nextEventTime"}``
``POST /_sdssim/clock/advance``            ``{"seconds": N}``, ``{"duration": "PT40M"}`` or
                                           ``{"until": "2026-09-01T10:00:00Z"}``
``GET /_sdssim/faults``                    every scheduled fault
``POST /_sdssim/faults``                   ``{"kind", "at"?, "duration"?, "target"?, …params}``
``GET /_sdssim/events``                    the record stream, JSON Lines (``?since=SEQ``)
``GET|DELETE /_sdssim/requests``           the request log (``{"value": [...]}``) / clear it
``GET /_sdssim/scorecard``                 grade the client from the request log
``GET /_sdssim/openapi.json``              the OpenAPI description of every route
``PUT /_sdssim/blob/{profileId}/{file}``   upload one CSV file (the uploadUrl target)
``POST /_sdssim/blob/{profileId}``         upload several: ``{"School.csv": "…", …}``
``POST /_sdssim/jobs``                     ``{"servicePrincipalId", "job", "objects"}``: add a
                                           job with a chosen source object count
=========================================  ==========================================
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.responses import Response

from sdssim.clock import duration_us, format_timestamp, format_us, parse_timestamp
from sdssim.engine.faults import REQUEST_FAULTS
from sdssim.engine.simulation import unthrottled
from sdssim.errors import BadRequest
from sdssim.server import scorecard
from sdssim.server.guards import ascii_int
from sdssim.server.routing import Ctx, route

__all__ = ["MAX_ADVANCE_SECONDS", "fault_params"]

_C = "control"
#: the longest single advance (400 days): a guard against runaway requests
MAX_ADVANCE_SECONDS = 400 * 86400


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadRequest(f"'{name}' must be a number.")
    if not 0 <= value <= MAX_ADVANCE_SECONDS:
        raise BadRequest(f"'{name}' must be between 0 and {MAX_ADVANCE_SECONDS} seconds.")
    return float(value)


def clock_doc(ctx: Ctx) -> dict:
    nxt = ctx.sim.next_event_time()
    return {"now": format_timestamp(ctx.sim.now), **ctx.state.clock.describe(),
            "nextEventTime": format_timestamp(nxt) if nxt is not None else None}


@route("GET", "clock", root=_C, summary="The simulation's virtual time")
def get_clock(ctx: Ctx) -> Response:
    return ctx.ok(clock_doc(ctx))


@route("POST", "clock/advance", root=_C, summary="Advance virtual time",
       body={"$ref": "#/components/schemas/advanceBody"}, body_required=True)
def advance_clock(ctx: Ctx) -> Response:
    """Validate the whole request, then run the first slice; the app runs the rest
    (``ctx.advance_to``) a slice at a time so other clients are not starved."""
    body = ctx.json_object()
    keys = set(body) & {"seconds", "duration", "until"}
    if len(keys) != 1 or set(body) - keys:
        raise BadRequest("Give exactly one of 'seconds', 'duration' or 'until'.")
    sim = ctx.sim
    if "seconds" in body:
        seconds = _number("seconds", body["seconds"])
    elif "duration" in body:
        value = body["duration"]
        if not isinstance(value, str):
            raise BadRequest("'duration' must be an ISO 8601 duration string such as 'PT40M'.")
        try:
            seconds = _number("duration", duration_us(value) / 1_000_000)
        except (ValueError, OverflowError) as exc:
            raise BadRequest(f"'duration': {exc}") from None
    else:
        value = body["until"]
        if not isinstance(value, str):
            raise BadRequest("'until' must be an ISO 8601 timestamp string.")
        try:
            target = parse_timestamp(value)
        except (ValueError, OverflowError) as exc:
            raise BadRequest(f"'until': {exc}") from None
        gap = (target - sim.now).total_seconds()
        if gap < 0:
            raise BadRequest(f"'until' is in the past (now is {format_timestamp(sim.now)}).")
        seconds = _number("until", gap)
    target = sim.now.add(microseconds=round(seconds * 1_000_000))
    first = min(target, sim.now.add(seconds=ctx.state.advance_slice))
    sim.run_until(first)
    ctx.state.clock.rebase(sim)
    if first < target:
        ctx.advance_to = target
    return ctx.ok(clock_doc(ctx))


# --------------------------------------------------------------------------- faults

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
_RENAMES = {"retryAfterSeconds": "retry_after", "retryAfter": "retry_after"}


def fault_params(body: dict) -> tuple[str, dict[str, Any]]:
    """The control payload → ``(kind, add_fault keyword arguments)``.

    Keys are camelCase on the wire (``retryAfterSeconds`` → ``retry_after``).
    """
    kind = body.get("kind")
    if not isinstance(kind, str):
        raise BadRequest("A fault needs a 'kind' string.")
    kwargs: dict[str, Any] = {}
    for key, value in body.items():
        if key == "kind":
            continue
        name = _RENAMES.get(key) or _CAMEL.sub("_", key).lower()
        if not name.isidentifier() or name in kwargs:
            raise BadRequest(f"fault {kind!r} has no parameter {key!r}")
        kwargs[name] = value
    return kind, kwargs


@route("POST", "faults", root=_C, summary="Schedule a fault", status=201,
       body={"$ref": "#/components/schemas/faultBody"}, body_required=True)
def add_fault(ctx: Ctx) -> Response:
    kind, kwargs = fault_params(ctx.json_object())
    fault = ctx.sim.add_fault(kind, **kwargs)
    return ctx.ok(_fault_doc(fault), 201)


def _fault_doc(fault: Any) -> dict:
    doc = fault.to_json()
    doc["at"] = format_us(fault.start_us)
    doc["end"] = format_us(fault.end_us) if fault.end_us is not None else None
    if fault.kind in REQUEST_FAULTS:
        doc["remaining"] = fault.remaining
    return doc


@route("GET", "faults", root=_C, summary="List scheduled faults")
def list_faults(ctx: Ctx) -> Response:
    return ctx.ok({"value": [_fault_doc(f) for f in ctx.sim.faults]})


# --------------------------------------------------------------------------- records


@route("GET", "events", root=_C, summary="The record stream as JSON Lines",
       media_type="application/x-ndjson")
def events(ctx: Ctx) -> Response:
    since = 0
    for key, value in ctx.params:
        if key != "since":
            raise BadRequest(f"The query parameter '{key}' is not supported.")
        number = ascii_int(value, max_digits=12)
        if number is None:
            raise BadRequest("'since' must be a record sequence number.")
        since = number
    buffer = ctx.state.records
    if buffer is None:
        records, dropped = list(ctx.sim.records(since)), 0
    else:
        records, dropped = buffer.since(since)
    lines = [json.dumps(r.to_json(), separators=(",", ":")) for r in records]
    if dropped:  # older records went past the retention limit (--max-records)
        lines.insert(0, json.dumps({"dropped": dropped, "limit": buffer.limit},
                                   separators=(",", ":")))
    text = "".join(line + "\n" for line in lines)
    return Response(text.encode("utf-8"), media_type="application/x-ndjson",
                    headers={"X-Sdssim-Records-Dropped": str(dropped)})


@route("GET", "requests", root=_C, summary="The request log")
def requests(ctx: Ctx) -> Response:
    log = ctx.state.requests
    return ctx.ok({"value": log.entries(), "dropped": log.dropped})


@route("DELETE", "requests", root=_C, summary="Clear the request log", status=204)
def clear_requests(ctx: Ctx) -> Response:
    ctx.state.requests.clear()
    return ctx.empty(204)


_SCORE_OPTIONS = {"tolerance": "tolerance", "retryWindow": "retry_window",
                  "minPollSeconds": "min_poll_seconds"}


@route("GET", "scorecard", root=_C, summary="Grade the client from the request log",
       query=tuple(_SCORE_OPTIONS))
def get_scorecard(ctx: Ctx) -> Response:
    options = {}
    for key, value in ctx.params:
        if key not in _SCORE_OPTIONS:
            raise BadRequest(f"The query parameter '{key}' is not supported.")
        try:
            number = float(value)
        except ValueError:
            raise BadRequest(f"'{key}' must be a number.") from None
        if not 0 <= number < 1e9:
            raise BadRequest(f"'{key}' must be a non-negative number.")
        options[_SCORE_OPTIONS[key]] = number
    return ctx.ok(scorecard.grade(ctx.state.requests.entries(), **options))


@route("GET", "openapi.json", root=_C, summary="This server's OpenAPI description")
def openapi(ctx: Ctx) -> Response:
    from sdssim.server.openapi import openapi_document

    return ctx.ok(openapi_document(ctx.origin))


# --------------------------------------------------------------------------- uploads and jobs


@route("PUT", "blob/{profileId}/{fileName}", root=_C, status=201,
       summary="Upload one CSV file to a profile's upload URL",
       body={"$ref": "#/components/schemas/csvText"}, media_type="text/csv")
def put_blob(ctx: Ctx, profileId: str, fileName: str) -> Response:
    with unthrottled(ctx.sim):
        ctx.sim.upload_files(profileId, {fileName: ctx.body})
    return ctx.empty(201)


@route("POST", "blob/{profileId}", root=_C, status=201,
       summary="Upload several CSV files: {fileName: text}",
       body={"$ref": "#/components/schemas/csvFiles"}, body_required=True)
def post_blobs(ctx: Ctx, profileId: str) -> Response:
    files = ctx.json_object()
    if not all(isinstance(v, str) for v in files.values()):
        raise BadRequest("Each file's content must be a string.")
    with unthrottled(ctx.sim):
        ctx.sim.upload_files(profileId, files)
    return ctx.empty(201)


@route("POST", "jobs", root=_C, status=201,
       summary="Add a job with a chosen number of source objects",
       body={"$ref": "#/components/schemas/controlJobBody"}, body_required=True)
def add_job(ctx: Ctx) -> Response:
    body = ctx.json_object()
    extra = set(body) - {"servicePrincipalId", "job", "objects"}
    if extra:
        raise BadRequest(f"Unknown property '{sorted(extra)[0]}'.")
    sp = body.get("servicePrincipalId")
    if not isinstance(sp, str) or not sp:
        raise BadRequest("'servicePrincipalId' must be a non-empty string.")
    job = body.get("job", {})
    if not isinstance(job, dict):
        raise BadRequest("'job' must be an object.")
    objects = body.get("objects")
    if objects is not None and not (
        isinstance(objects, dict)
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                for v in objects.values())
    ):
        raise BadRequest("'objects' must map object types to non-negative integers.")
    with unthrottled(ctx.sim):
        created = ctx.sim.create_job(sp, job, objects=objects)
    return ctx.ok(created.to_json(), 201)
