"""A provisioning job through msgraph-sdk (v1.0), unmodified: create, start, quarantine, restart."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from msgraph.generated.models.key_value_pair import KeyValuePair
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.quarantine_reason import QuarantineReason
from msgraph.generated.models.synchronization_job import SynchronizationJob
from msgraph.generated.models.synchronization_job_restart_criteria import (
    SynchronizationJobRestartCriteria,
)
from msgraph.generated.models.synchronization_job_restart_scope import (
    SynchronizationJobRestartScope,
)
from msgraph.generated.models.synchronization_schedule import SynchronizationSchedule
from msgraph.generated.models.synchronization_schedule_state import SynchronizationScheduleState
from msgraph.generated.models.synchronization_status_code import SynchronizationStatusCode
from msgraph.generated.service_principals.item.synchronization.jobs.item.restart.restart_post_request_body import (  # noqa: E501
    RestartPostRequestBody,
)
from msgraph.generated.service_principals.item.synchronization.jobs.item.validate_credentials.validate_credentials_post_request_body import (  # noqa: E501
    ValidateCredentialsPostRequestBody,
)

from .sdk import v1_client

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SP = "5c9a1b2e-0000-4000-8000-00000000a11c"


def _advance(base_url: str, seconds: int) -> None:
    response = httpx.post(base_url + "/_sdssim/clock/advance", json={"seconds": seconds})
    assert response.status_code == 200, response.text


async def _job_story(base_url: str) -> dict:
    client = v1_client(base_url)
    jobs = client.service_principals.by_service_principal_id(SP).synchronization.jobs
    seen: dict = {}

    created = await jobs.post(SynchronizationJob(template_id="scim"))
    seen["new"] = (created.status.code, created.schedule.state, created.schedule.interval)
    job = jobs.by_synchronization_job_id(created.id)

    await job.patch(SynchronizationJob(
        schedule=SynchronizationSchedule(additional_data={"interval": "PT40M"}),
        synchronization_job_settings=[
            KeyValuePair(name="QuarantineTooManyDeletesThreshold", value="500")],
    ))
    await job.start.post()
    _advance(base_url, 2 * 3600)
    running = await job.get()
    seen["running"] = (running.status.code, running.schedule.state, running.schedule.interval)
    seen["listed"] = [j.id for j in (await jobs.get()).value]
    seen["schema"] = (await job.schema.get()).id is not None

    await job.validate_credentials.post(ValidateCredentialsPostRequestBody(
        use_saved_credentials=True))
    fault = httpx.post(base_url + "/_sdssim/faults",
                       json={"kind": "credential_failure", "target": f"job/{created.id}"})
    assert fault.status_code == 201, fault.text
    for _ in range(24):
        _advance(base_url, 1800)
        if (await job.get()).status.code == SynchronizationStatusCode.Quarantine:
            break
    quarantined = await job.get()
    seen["quarantined"] = (quarantined.status.code, quarantined.status.quarantine.reason)
    try:
        await job.validate_credentials.post(ValidateCredentialsPostRequestBody(
            use_saved_credentials=True))
    except ODataError as exc:
        seen["validate"] = (exc.response_status_code, exc.error.code)

    await job.restart.post(RestartPostRequestBody(criteria=SynchronizationJobRestartCriteria(
        reset_scope=SynchronizationJobRestartScope.QuarantineState)))
    seen["restarted"] = (await job.get()).status.code
    # a comma-separated scope, as Graph documents it, sent through additional_data
    await job.restart.post(RestartPostRequestBody(criteria=SynchronizationJobRestartCriteria(
        additional_data={"resetScope": "Watermark, Escrows, QuarantineState"})))
    await job.pause.post()
    seen["paused"] = (await job.get()).schedule.state
    await job.delete()
    try:
        await job.get()
    except ODataError as exc:
        seen["gone"] = exc.response_status_code
    return seen


def test_job_lifecycle_through_the_v1_sdk(base_url: str) -> None:
    seen = asyncio.run(_job_story(base_url))

    code, state, interval = seen["new"]
    assert code == SynchronizationStatusCode.NotConfigured
    assert state == SynchronizationScheduleState.Disabled
    assert interval.days == 10675199
    code, state, interval = seen["running"]
    assert code == SynchronizationStatusCode.Active
    assert state == SynchronizationScheduleState.Active
    assert interval.total_seconds() == 40 * 60
    assert len(seen["listed"]) == 1 and seen["schema"]
    assert seen["quarantined"] == (SynchronizationStatusCode.Quarantine,
                                   QuarantineReason.EncounteredQuarantineException)
    assert seen["validate"] == (400, "CredentialValidationFailed")
    assert seen["restarted"] == SynchronizationStatusCode.Active
    assert seen["paused"] == SynchronizationScheduleState.Paused
    assert seen["gone"] == 404

    log = httpx.get(base_url + "/_sdssim/requests").json()["value"]
    assert all(e["path"].startswith("/v1.0/servicePrincipals/") for e in log)
    restarts = [e for e in log if e["path"].endswith("/restart")]
    assert [e["status"] for e in restarts] == [204, 204]
