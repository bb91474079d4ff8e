"""``/servicePrincipals/{id}/synchronization/jobs`` (``/v1.0`` and ``/beta``): provisioning jobs.

The methods of Graph's ``synchronizationJob`` resource.  Status codes: add 201, get 200, update (PATCH) 204,
delete 204, start/pause/stop/apply/restart/validateCredentials 204, schema
200.  Each handler calls exactly one :class:`~sdssim.engine.Simulation` method.
"""

from __future__ import annotations

import attrs
from starlette.responses import Response

from sdssim.errors import BadRequest, Throttled
from sdssim.models import SynchronizationJob
from sdssim.models._convert import camel
from sdssim.server.odata_filter import compile_filter
from sdssim.server.odata_query import page, select_fields
from sdssim.server.routing import Ctx, route

__all__ = ["JOB_PROPERTIES"]

_V = ("v1.0", "beta")
_BASE = "servicePrincipals/{servicePrincipalId}/synchronization/jobs"
_ITEM = _BASE + "/{jobId}"
_COLLECTION_QUERY = ("$top", "$skip", "$skiptoken", "$count", "$filter", "$orderby", "$select")

JOB_PROPERTIES = frozenset(camel(a.name) for a in attrs.fields(SynchronizationJob))


def _job_json(ctx: Ctx, job: SynchronizationJob) -> dict:
    return job.to_json(include_unknown_enum_members=ctx.include_unknown_enum_members)


def _jobs_context(ctx: Ctx, sp: str, entity: bool = False) -> str:
    return ctx.context(f"servicePrincipals('{sp}')/synchronization/jobs"
                       + ("/$entity" if entity else ""))


@route("GET", _BASE, versions=_V, summary="List synchronization jobs", query=_COLLECTION_QUERY,
       response={"$ref": "#/components/schemas/jobCollection"}, cached=True)
def list_jobs(ctx: Ctx, servicePrincipalId: str) -> Response:
    query = ctx.query()
    return ctx.ok(page(ctx.sim.list_jobs(servicePrincipalId), query, url=ctx.request_url(),
                       page_size=ctx.page_size, properties=JOB_PROPERTIES,
                       type_name="synchronizationJob",
                       context=_jobs_context(ctx, servicePrincipalId),
                       serialize=lambda j: _job_json(ctx, j)))


@route("POST", _BASE, versions=_V, summary="Add a synchronization job", status=201,
       body={"$ref": "#/components/schemas/synchronizationJob"}, body_required=True,
       response={"$ref": "#/components/schemas/synchronizationJob"})
def create_job(ctx: Ctx, servicePrincipalId: str) -> Response:
    ctx.no_query()
    body = ctx.json_object()
    job = ctx.sim.create_job(servicePrincipalId, body)
    doc = {"@odata.context": _jobs_context(ctx, servicePrincipalId, True), **_job_json(ctx, job)}
    return ctx.created(doc, "servicePrincipals", servicePrincipalId, "synchronization", "jobs",
                       job.id or "")


@route("GET", _BASE + "/$count", versions=_V, summary="Count synchronization jobs",
       query=("$filter",), media_type="text/plain", cached=True)
def count_jobs(ctx: Ctx, servicePrincipalId: str) -> Response:
    query = ctx.query({"$filter"})
    jobs = ctx.sim.list_jobs(servicePrincipalId)
    if query.filter_text is None:
        return ctx.text(str(len(jobs)))
    pred = compile_filter(query.filter_text, JOB_PROPERTIES, "synchronizationJob")
    return ctx.text(str(sum(1 for j in jobs if pred(_job_json(ctx, j)))))


@route("GET", _ITEM, versions=_V, summary="Get a synchronization job", query=("$select",),
       response={"$ref": "#/components/schemas/synchronizationJob"}, cached=True)
def get_job(ctx: Ctx, servicePrincipalId: str, jobId: str) -> Response:
    query = ctx.query({"$select"})
    query.check_properties(JOB_PROPERTIES, "synchronizationJob")
    doc = select_fields(_job_json(ctx, ctx.sim.get_job(servicePrincipalId, jobId)), query.select)
    return ctx.ok({"@odata.context": _jobs_context(ctx, servicePrincipalId, True), **doc})


@route("PATCH", _ITEM, versions=_V, summary="Update a synchronization job", status=204,
       body={"$ref": "#/components/schemas/synchronizationJobUpdate"}, body_required=True)
def update_job(ctx: Ctx, servicePrincipalId: str, jobId: str) -> Response:
    ctx.no_query()
    body = ctx.json_object()
    ctx.sim.update_job(servicePrincipalId, jobId, body)
    return ctx.empty(204)


@route("DELETE", _ITEM, versions=_V, summary="Delete a synchronization job", status=204)
def delete_job(ctx: Ctx, servicePrincipalId: str, jobId: str) -> Response:
    ctx.no_query()
    ctx.sim.delete_job(servicePrincipalId, jobId)
    return ctx.empty(204)


def _action(name: str, method: str, summary: str) -> None:
    @route("POST", f"{_ITEM}/{name}", versions=_V, summary=summary, status=204)
    def action(ctx: Ctx, servicePrincipalId: str, jobId: str) -> Response:
        ctx.no_query()
        ctx.json(required=False)
        getattr(ctx.sim, method)(servicePrincipalId, jobId)
        return ctx.empty(204)

    action.__name__ = f"{name}_job"


_action("start", "start_job", "Start (or resume) a job; lifts a quarantine")
_action("pause", "pause_job", "Pause a job")
_action("stop", "stop_job", "Stop a job")
_action("apply", "apply_job", "Apply the job's configuration")


@route("POST", f"{_ITEM}/restart", versions=_V, summary="Restart a job", status=204,
       body={"$ref": "#/components/schemas/restartBody"})
def restart_job(ctx: Ctx, servicePrincipalId: str, jobId: str) -> Response:
    ctx.no_query()
    body = ctx.json_object(required=False)
    if body is None:
        ctx.sim.restart_job(servicePrincipalId, jobId)
        return ctx.empty(204)
    criteria = body.get("criteria")
    extra = {k for k in body if "@odata." not in k} - {"criteria"}
    if extra:
        raise BadRequest(f"Invalid value for property '{sorted(extra)[0]}': not a parameter "
                         "of restart.")
    if criteria is None:
        ctx.sim.restart_job(servicePrincipalId, jobId)
        return ctx.empty(204)
    if not isinstance(criteria, dict):
        raise BadRequest("Invalid value for property 'criteria': expected an object.")
    extra = {k for k in criteria if "@odata." not in k} - {"resetScope"}
    if extra:
        raise BadRequest(f"Invalid value for property 'criteria.{sorted(extra)[0]}': "
                         "not a property of synchronizationJobRestartCriteria.")
    scope = criteria.get("resetScope")
    if scope is None:
        ctx.sim.restart_job(servicePrincipalId, jobId)
    elif not isinstance(scope, str):
        raise BadRequest("Invalid value for property 'criteria.resetScope': expected a "
                         "comma-separated string of synchronizationJobRestartScope flags.")
    else:
        ctx.sim.restart_job(servicePrincipalId, jobId, reset_scope=scope)
    return ctx.empty(204)


@route("POST", f"{_ITEM}/validateCredentials", versions=_V,
       summary="Validate the job's credentials", status=204,
       body={"$ref": "#/components/schemas/validateCredentialsBody"})
def validate_credentials(ctx: Ctx, servicePrincipalId: str, jobId: str) -> Response:
    ctx.no_query()
    body = ctx.json_object(required=False)
    ctx.sim.validate_credentials(servicePrincipalId, jobId, body)
    return ctx.empty(204)


@route("POST", f"{_BASE}/validateCredentials", versions=_V,
       summary="Validate credentials for a job not yet created", status=204,
       body={"$ref": "#/components/schemas/validateCredentialsBody"}, body_required=True)
def validate_new_credentials(ctx: Ctx, servicePrincipalId: str) -> Response:
    ctx.no_query()
    body = ctx.json_object()
    ctx.sim.validate_job_credentials(servicePrincipalId, body)
    return ctx.empty(204)


@route("POST", f"{_ITEM}/provisionOnDemand", versions=_V,
       summary="Provision the given objects now (5 requests per 10 s)", status=200,
       body={"$ref": "#/components/schemas/provisionOnDemandBody"}, body_required=True,
       response={"$ref": "#/components/schemas/stringKeyStringValuePair"})
def provision_on_demand(ctx: Ctx, servicePrincipalId: str, jobId: str) -> Response:
    ctx.no_query()
    body = ctx.json_object()
    # Graph's 5-per-10-seconds limit is counted in wall seconds here (a client sleeps its
    # Retry-After in wall time); the engine's virtual-time count is for the Python API.
    ctx.sim.get_job(servicePrincipalId, jobId)  # 404 before the rate limit counts
    wait = ctx.state.on_demand_limit(ctx.sim).check(ctx.state.clock.wall())
    if wait is not None:
        raise Throttled(f"Too many provisionOnDemand requests; retry after {wait} seconds.",
                        retry_after=wait)
    result = ctx.sim.provision_on_demand(servicePrincipalId, jobId, body, rate_limit=False)
    return ctx.ok({"@odata.context": ctx.context("microsoft.graph.stringKeyStringValuePair"),
                   **result.to_json()})


@route("GET", f"{_ITEM}/schema", versions=_V, summary="Get the job's synchronization schema",
       query=("$select",), response={"$ref": "#/components/schemas/synchronizationSchema"},
       cached=True)
def job_schema(ctx: Ctx, servicePrincipalId: str, jobId: str) -> Response:
    query = ctx.query({"$select"})
    schema = ctx.sim.get_job_schema(servicePrincipalId, jobId)
    doc = select_fields(schema.to_json(), query.select)
    fragment = (f"servicePrincipals('{servicePrincipalId}')/synchronization/jobs('{jobId}')"
                "/schema/$entity")
    return ctx.ok({"@odata.context": ctx.context(fragment), **doc})
