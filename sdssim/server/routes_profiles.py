"""``/beta/education/synchronizationProfiles``: the School Data Sync profile API.

Every handler calls exactly one :class:`~sdssim.engine.Simulation` method (so an
injected ``throttle`` fault counts each request once).  ``/beta/educationRoot/…``
(the path Graph's "create educationSynchronizationError" page uses) is an alias of ``/beta/education/…``, resolved by
the dispatcher.

Status codes (see ``docs/server.md``): create 201 (the docs' example; their
text says 202), delete 202, pause/resume/reset 200 with no body, start 200
with the verification messages (400 with them as error ``details`` when any
is an Error), uploadUrl 200 ``{"value": url}``, POST errors 201.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

import attrs
from starlette.responses import Response

from sdssim.errors import NotFound
from sdssim.models import (
    EducationSynchronizationError,
    EducationSynchronizationProfile,
    EducationSynchronizationProfileStatus,
)
from sdssim.models._convert import camel
from sdssim.server.odata_filter import compile_filter
from sdssim.server.odata_query import ODataQuery, page, select_fields
from sdssim.server.routing import Ctx, route

__all__ = ["PROFILE_PROPERTIES", "ERROR_PROPERTIES"]

_V = ("beta",)
_PROFILE_SCHEMA = "#/components/schemas/educationSynchronizationProfile"
_MESSAGES = "Collection(microsoft.graph.educationFileSynchronizationVerificationMessage)"
_BASE = "education/synchronizationProfiles"
_COLLECTION_QUERY = ("$top", "$skip", "$skiptoken", "$count", "$filter", "$orderby", "$select")


def _properties(cls: type) -> frozenset[str]:
    return frozenset(camel(a.name) for a in attrs.fields(cls))


PROFILE_PROPERTIES = _properties(EducationSynchronizationProfile)
ERROR_PROPERTIES = _properties(EducationSynchronizationError)
STATUS_PROPERTIES = _properties(EducationSynchronizationProfileStatus)


def _entity(ctx: Ctx, fragment: str, doc: dict) -> dict:
    return {"@odata.context": ctx.context(fragment), **doc}


def _count(items: list, query: ODataQuery, properties: frozenset[str], type_name: str,
           serialize: Callable[[Any], dict]) -> int:
    """``$count`` segment: the number of members matching ``$filter``."""
    if query.filter_text is None:
        return len(items)
    pred = compile_filter(query.filter_text, properties, type_name)
    return sum(1 for item in items if pred(serialize(item)))


def _profile_json(ctx: Ctx, profile: EducationSynchronizationProfile) -> dict:
    return profile.to_json(include_unknown_enum_members=ctx.include_unknown_enum_members)


# --------------------------------------------------------------------------- collection


@route("GET", _BASE, versions=_V, summary="List synchronization profiles",
       query=_COLLECTION_QUERY, response={"$ref": "#/components/schemas/profileCollection"},
       cached=True)
def list_profiles(ctx: Ctx) -> Response:
    query = ctx.query()
    return ctx.ok(page(ctx.sim.list_profiles(), query, url=ctx.request_url(),
                       page_size=ctx.page_size, properties=PROFILE_PROPERTIES,
                       type_name="educationSynchronizationProfile",
                       context=ctx.context("education/synchronizationProfiles"),
                       serialize=lambda p: _profile_json(ctx, p)))


@route("POST", _BASE, versions=_V, summary="Create a synchronization profile", status=201,
       body={"$ref": _PROFILE_SCHEMA},
       body_required=True, response={"$ref": _PROFILE_SCHEMA})
def create_profile(ctx: Ctx) -> Response:
    ctx.no_query()
    body = ctx.json_object()
    profile = ctx.sim.create_profile(body)
    doc = _entity(ctx, "education/synchronizationProfiles/$entity", _profile_json(ctx, profile))
    return ctx.created(doc, "education", "synchronizationProfiles", profile.id)


@route("GET", f"{_BASE}/$count", versions=_V, summary="Count synchronization profiles",
       query=("$filter",), media_type="text/plain", cached=True)
def count_profiles(ctx: Ctx) -> Response:
    query = ctx.query({"$filter"})
    items = ctx.sim.list_profiles()
    return ctx.text(str(_count(items, query, PROFILE_PROPERTIES,
                               "educationSynchronizationProfile",
                               lambda p: _profile_json(ctx, p))))


# --------------------------------------------------------------------------- one profile


@route("GET", f"{_BASE}/{{profileId}}", versions=_V, summary="Get a synchronization profile",
       query=("$select",), response={"$ref": _PROFILE_SCHEMA}, cached=True)
def get_profile(ctx: Ctx, profileId: str) -> Response:
    query = ctx.query({"$select"})
    query.check_properties(PROFILE_PROPERTIES, "educationSynchronizationProfile")
    doc = select_fields(_profile_json(ctx, ctx.sim.get_profile(profileId)), query.select)
    return ctx.ok(_entity(ctx, "education/synchronizationProfiles/$entity", doc))


@route("DELETE", f"{_BASE}/{{profileId}}", versions=_V, summary="Delete a synchronization profile",
       status=202)
def delete_profile(ctx: Ctx, profileId: str) -> Response:
    ctx.no_query()
    ctx.sim.delete_profile(profileId)
    return ctx.empty(202)


def _action(name: str, method: str, summary: str) -> None:
    @route("POST", f"{_BASE}/{{profileId}}/{name}", versions=_V, summary=summary)
    def action(ctx: Ctx, profileId: str) -> Response:
        ctx.no_query()
        ctx.json(required=False)  # a body, if any, must at least be JSON
        getattr(ctx.sim, method)(profileId)
        return ctx.empty(200)

    action.__name__ = f"{name}_profile"


_action("pause", "pause_profile", "Pause an ongoing sync")
_action("resume", "resume_profile", "Resume a paused sync")
_action("reset", "reset_profile", "Reset a sync: clear its errors and sync again")


@route("POST", f"{_BASE}/{{profileId}}/start", versions=_V,
       summary="Verify the uploaded files and start the sync",
       response={"$ref": "#/components/schemas/verificationMessageCollection"})
def start_profile(ctx: Ctx, profileId: str) -> Response:
    ctx.no_query()
    ctx.json(required=False)
    messages = ctx.sim.start_profile(profileId)
    return ctx.ok({
        "@odata.context": ctx.context(_MESSAGES),
        "value": [m.to_json() for m in messages],
    })


@route("GET", f"{_BASE}/{{profileId}}/uploadUrl()", versions=_V,
       summary="Get a short-lived URL to upload the CSV files",
       response={"$ref": "#/components/schemas/stringValue"})
def upload_url(ctx: Ctx, profileId: str) -> Response:
    ctx.no_query()
    sas = ctx.sim.get_upload_url(profileId)
    return ctx.ok({"@odata.context": ctx.context("Edm.String"),
                   "value": local_upload_url(ctx.origin, profileId, sas)})


def local_upload_url(origin: str, profile_id: str, sas: str) -> str:
    """The engine's SAS URL re-pointed at this server's blob endpoint.

    ``PUT {url-path}/{File.csv}?{sas-query}`` with the CSV text uploads a file
    (see :func:`sdssim.server.control.put_blob`).
    """
    query = urlsplit(sas).query
    return f"{origin}/_sdssim/blob/{quote(profile_id, safe='')}?{query}"


@route("GET", f"{_BASE}/{{profileId}}/profileStatus", versions=_V,
       summary="Get the sync status of a profile", query=("$select",),
       response={"$ref": "#/components/schemas/educationSynchronizationProfileStatus"}, cached=True)
def profile_status(ctx: Ctx, profileId: str) -> Response:
    query = ctx.query({"$select"})
    query.check_properties(STATUS_PROPERTIES, "educationSynchronizationProfileStatus")
    status = ctx.sim.get_profile_status(profileId)
    doc = select_fields(
        status.to_json(include_unknown_enum_members=ctx.include_unknown_enum_members), query.select
    )
    fragment = f"education/synchronizationProfiles('{profileId}')/profileStatus/$entity"
    return ctx.ok(_entity(ctx, fragment, doc))


# --------------------------------------------------------------------------- errors


@route("GET", f"{_BASE}/{{profileId}}/errors", versions=_V,
       summary="List a profile's synchronization errors", query=_COLLECTION_QUERY,
       response={"$ref": "#/components/schemas/errorCollection"}, cached=True)
def list_errors(ctx: Ctx, profileId: str) -> Response:
    query = ctx.query()
    return ctx.ok(page(
        ctx.sim.list_errors(profileId), query, url=ctx.request_url(), page_size=ctx.page_size,
        properties=ERROR_PROPERTIES, type_name="educationSynchronizationError",
        context=ctx.context(f"education/synchronizationProfiles('{profileId}')/errors"),
        serialize=lambda e: e.to_json()))


@route("POST", f"{_BASE}/{{profileId}}/errors", versions=_V,
       summary="Create an educationSynchronizationError", status=201,
       body={"$ref": "#/components/schemas/educationSynchronizationError"}, body_required=True,
       response={"$ref": "#/components/schemas/educationSynchronizationError"})
def create_error(ctx: Ctx, profileId: str) -> Response:
    ctx.no_query()
    body = ctx.json_object()
    error = ctx.sim.create_error(profileId, body)
    fragment = f"education/synchronizationProfiles('{profileId}')/errors/$entity"
    return ctx.created(_entity(ctx, fragment, error.to_json()),
                       "education", "synchronizationProfiles", profileId, "errors", error.id or "")


@route("GET", f"{_BASE}/{{profileId}}/errors/$count", versions=_V,
       summary="Count a profile's synchronization errors", query=("$filter",),
       media_type="text/plain", cached=True)
def count_errors(ctx: Ctx, profileId: str) -> Response:
    query = ctx.query({"$filter"})
    items = ctx.sim.list_errors(profileId)
    return ctx.text(str(_count(items, query, ERROR_PROPERTIES, "educationSynchronizationError",
                               lambda e: e.to_json())))


@route("GET", f"{_BASE}/{{profileId}}/errors/{{errorId}}", versions=_V,
       summary="Get one synchronization error", query=("$select",),
       response={"$ref": "#/components/schemas/educationSynchronizationError"}, cached=True)
def get_error(ctx: Ctx, profileId: str, errorId: str) -> Response:
    query = ctx.query({"$select"})
    query.check_properties(ERROR_PROPERTIES, "educationSynchronizationError")
    for error in ctx.sim.list_errors(profileId):
        if error.id == errorId:
            doc = select_fields(error.to_json(), query.select)
            fragment = f"education/synchronizationProfiles('{profileId}')/errors/$entity"
            return ctx.ok(_entity(ctx, fragment, doc))
    raise NotFound(f"The synchronization error '{errorId}' was not found.")
