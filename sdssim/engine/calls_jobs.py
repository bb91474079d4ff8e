"""The provisioning-job half of the Graph mirror (``servicePrincipals/{id}/synchronization/jobs``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import BadRequest
from ..models import StringKeyStringValuePair, SynchronizationJob, SynchronizationSchema
from .calls import ApiBase, _api

__all__ = ["JobCalls"]


class JobCalls(ApiBase):
    """Mixed into :class:`~sdssim.engine.Simulation`."""

    @_api
    def create_job(self, service_principal_id: str, body: Mapping[str, Any],
                   *, objects: Mapping[str, int] | None = None) -> SynchronizationJob:
        job = self._jobs.create(service_principal_id, body, objects)
        self._log("create_job", service_principal_id=service_principal_id, body=body,
                  objects=job.objects, id=job.id)  # replaced, never changed
        return self._jobs.view(job)

    @_api
    def list_jobs(self, service_principal_id: str) -> list[SynchronizationJob]:
        return [self._jobs.view(j) for j in self._jobs.list(service_principal_id)]

    @_api
    def get_job(self, service_principal_id: str, job_id: str) -> SynchronizationJob:
        return self._jobs.view(self._jobs.find(service_principal_id, job_id))

    @_api
    def update_job(self, service_principal_id: str, job_id: str, body: Mapping[str, Any]) -> None:
        self._jobs.update(self._jobs.find(service_principal_id, job_id), body)
        self._log("update_job", service_principal_id=service_principal_id, job_id=job_id,
                  body=body)

    @_api
    def delete_job(self, service_principal_id: str, job_id: str) -> None:
        self._jobs.delete(self._jobs.find(service_principal_id, job_id))
        self._log("delete_job", service_principal_id=service_principal_id, job_id=job_id)

    @_api
    def start_job(self, service_principal_id: str, job_id: str) -> None:
        self._jobs.start(self._jobs.find(service_principal_id, job_id))
        self._log("start_job", service_principal_id=service_principal_id, job_id=job_id)

    @_api
    def pause_job(self, service_principal_id: str, job_id: str) -> None:
        self._jobs.pause(self._jobs.find(service_principal_id, job_id))
        self._log("pause_job", service_principal_id=service_principal_id, job_id=job_id)

    @_api
    def stop_job(self, service_principal_id: str, job_id: str) -> None:
        self._jobs.stop(self._jobs.find(service_principal_id, job_id))
        self._log("stop_job", service_principal_id=service_principal_id, job_id=job_id)

    @_api
    def apply_job(self, service_principal_id: str, job_id: str) -> None:
        self._jobs.apply(self._jobs.awake(service_principal_id, job_id))
        self._log("apply_job", service_principal_id=service_principal_id, job_id=job_id)

    @_api
    def restart_job(self, service_principal_id: str, job_id: str,
                    reset_scope: str = "Watermark, Escrows") -> None:
        self._jobs.restart(self._jobs.find(service_principal_id, job_id), reset_scope)
        self._log("restart_job", service_principal_id=service_principal_id, job_id=job_id,
                  reset_scope=reset_scope)

    @_api
    def validate_credentials(self, service_principal_id: str, job_id: str,
                             body: Mapping[str, Any] | None = None) -> None:
        if body is not None and not isinstance(body, Mapping):
            raise BadRequest("The request body must be a JSON object.")
        self._jobs.validate_credentials(self._jobs.find(service_principal_id, job_id))
        self._log("validate_credentials", service_principal_id=service_principal_id,
                  job_id=job_id)

    @_api
    def validate_job_credentials(self, service_principal_id: str, body: Mapping[str, Any]) -> None:
        """``POST …/synchronization/jobs/validateCredentials``: check credentials before a job
        exists. A ``credential_failure`` fault aimed at ``servicePrincipal/<id>`` (or at every
        subject) refuses them with 400 ``CredentialValidationFailed``."""
        self._jobs.validate_new_credentials(service_principal_id, body)

    @_api
    def provision_on_demand(self, service_principal_id: str, job_id: str, body: Mapping[str, Any], *,
                            rate_limit: bool = True) -> StringKeyStringValuePair:
        """``POST …/jobs/{id}/provisionOnDemand``: provision the body's subjects at once.

        At most ``config.provision_on_demand_requests`` per ``provision_on_demand_window``
        of virtual time (Graph: 5 per 10 s): the next raises :class:`~sdssim.errors.Throttled`
        with its ``retry_after``. ``rate_limit=False`` skips that count (the HTTP server
        counts in wall seconds instead).
        """
        # Not in the call log: it moves no machine and makes no record, so a replay without
        # it (scenario files have no such action) gives the same run.
        return self._jobs.provision_on_demand(self._jobs.find(service_principal_id, job_id),
                                              body, rate_limit=rate_limit)

    @_api
    def get_job_schema(self, service_principal_id: str, job_id: str) -> SynchronizationSchema:
        return self._jobs.schema(self._jobs.find(service_principal_id, job_id))

    def job_cycle_count(self, service_principal_id: str, job_id: str) -> int:
        """How many cycles the job has begun so far (not a Graph property; for measurement)."""
        return self._jobs.cycle_count(self._jobs.find(service_principal_id, job_id))
