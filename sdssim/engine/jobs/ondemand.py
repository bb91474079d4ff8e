"""Calls that ask the target application now: validateCredentials (a job's and the
collection's) and provisionOnDemand with its documented rate limit."""

from __future__ import annotations

import json
from collections.abc import Mapping

from ...clock import format_us
from ...errors import BadRequest, Throttled
from ...models import StringKeyStringValuePair
from ..core import Core
from ..subjects import principal_subject
from .outcomes import COMPLETE_FAILURES, MAX_ON_DEMAND, US_S
from .state import JobState

__all__ = ["OnDemandCalls"]


class OnDemandCalls:
    """Part of :class:`~sdssim.engine.jobs.JobService` (a mixin over its ``core``)."""

    core: Core

    def validate_credentials(self, job: JobState) -> None:
        core = self.core
        if core.faults.active("credential_failure", job.subject, core.now):
            raise BadRequest("The supplied credentials could not be validated against the target.",
                             code="CredentialValidationFailed")
        if job.code == "NotConfigured":
            core.fire_api(job, "job", "validate_credentials_succeeded",
                          "api: credentials validated")

    def validate_new_credentials(self, sp_id: str, body: object) -> None:
        """``POST …/jobs/validateCredentials``: credentials for a job not yet created."""
        if not isinstance(sp_id, str) or not sp_id:
            raise BadRequest("A service principal id is required.")
        if not isinstance(body, Mapping):
            raise BadRequest("The request body must be a JSON object.")
        known = {"applicationIdentifier", "templateId", "useSavedCredentials", "credentials"}
        for key in body:
            if not isinstance(key, str) or (key not in known and "@odata." not in key):
                raise BadRequest(f"Invalid value for property '{key}': not a parameter of "
                                 "validateCredentials.")
        for key in ("applicationIdentifier", "templateId"):
            if key in body and not isinstance(body[key], str):
                raise BadRequest(f"Invalid value for property '{key}': expected a string.")
        saved = body.get("useSavedCredentials", False)
        if not isinstance(saved, bool):
            raise BadRequest("Invalid value for property 'useSavedCredentials': expected a "
                             "boolean.")
        creds = body.get("credentials", [])
        if not isinstance(creds, list) or not all(
                isinstance(c, Mapping) and isinstance(c.get("key"), str)
                and isinstance(c.get("value"), str) for c in creds):
            raise BadRequest("Invalid value for property 'credentials': expected a list of "
                             "{key, value} string pairs.")
        if not saved and not creds:
            raise BadRequest("Credentials are required unless useSavedCredentials is true.",
                             code="CredentialValidationFailed")
        core = self.core
        principal = principal_subject(sp_id)
        for fault in core.faults.aimed_at("credential_failure", principal):
            if fault.active(principal, core.now):
                raise BadRequest("The supplied credentials could not be validated against the "
                                 "target.", code="CredentialValidationFailed")

    def provision_on_demand(self, job: JobState, body: object, *, rate_limit: bool = True
                            ) -> StringKeyStringValuePair:
        """``POST …/jobs/{id}/provisionOnDemand``: provision the named objects at once.

        It moves no machine and makes no record: the answer tells the outcome (and the
        rate-limit window is its only state).

        Graph allows 5 requests per 10 seconds (configurable); a sixth is refused with 429 and
        the whole seconds until a slot frees. ``rate_limit=False`` leaves that to the caller
        (the HTTP server counts it in wall seconds, which a client's ``Retry-After`` sleeps in).
        """
        subjects = self._on_demand_subjects(job, body)
        core = self.core
        cfg = core.config
        now = core.now
        window = cfg.us("provision_on_demand_window")
        recent = [t for t in job.pod_times if t > now - window]
        if rate_limit and len(recent) >= cfg.provision_on_demand_requests:
            wait = -(-(recent[0] + window - now) // US_S)
            raise Throttled(f"Too many provisionOnDemand requests; retry after {wait} seconds.",
                            retry_after=max(1, wait))
        if job.code == "NotConfigured":
            raise BadRequest("The job is not configured: apply or validate its credentials "
                             "first.", code="JobNotConfigured")
        failure = None
        for kind, err in COMPLETE_FAILURES.items():
            if core.faults.active(kind, job.subject, now):
                failure = err
                break
        job.pod_times = (*recent, now)
        steps = []
        for sid, stype in subjects:
            steps.append({
                "objectId": sid, "objectTypeName": stype,
                "status": "failure" if failure else "success",
                "statusDetails": failure[1] if failure else
                f"The {stype} was provisioned to the target application.",
                "errorCode": failure[0] if failure else None,
                "timestamp": format_us(now),
            })
        return StringKeyStringValuePair(key="provisioningSteps", value=json.dumps(
            steps, separators=(",", ":"), sort_keys=True))

    @staticmethod
    def _on_demand_subjects(job: JobState, body: object) -> list[tuple[str, str]]:
        if not isinstance(body, Mapping):
            raise BadRequest("The request body must be a JSON object.")
        params = body.get("parameters")
        if not isinstance(params, list) or not params:
            raise BadRequest("Invalid value for property 'parameters': expected a non-empty "
                             "list of synchronizationJobApplicationParameters.")
        out: list[tuple[str, str]] = []
        for p in params:
            subs = p.get("subjects") if isinstance(p, Mapping) else None
            if not isinstance(subs, list) or not subs:
                raise BadRequest("Each parameter needs a non-empty 'subjects' list.")
            for sub in subs:
                if not (isinstance(sub, Mapping) and isinstance(sub.get("objectId"), str)
                        and sub["objectId"] and isinstance(sub.get("objectTypeName"), str)):
                    raise BadRequest("Each subject needs 'objectId' and 'objectTypeName' "
                                     "strings.")
                if sub["objectTypeName"] not in job.objects:
                    raise BadRequest(f"The object type '{sub['objectTypeName']}' is not in the "
                                     f"job's schema ({', '.join(job.objects) or 'none'}).")
                out.append((sub["objectId"], sub["objectTypeName"]))
        if len(out) > MAX_ON_DEMAND:
            raise BadRequest(f"At most {MAX_ON_DEMAND} subjects can be provisioned on demand "
                             "in one request.")
        return out
