"""A whole profile lifecycle through msgraph-beta-sdk 1.18.0, unmodified, over a real socket."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph_beta.generated.models.education_csv_data_provider import EducationCsvDataProvider
from msgraph_beta.generated.models.education_identity_creation_configuration import (
    EducationIdentityCreationConfiguration,
)
from msgraph_beta.generated.models.education_identity_domain import EducationIdentityDomain
from msgraph_beta.generated.models.education_synchronization_error import (
    EducationSynchronizationError,
)
from msgraph_beta.generated.models.education_synchronization_profile import (
    EducationSynchronizationProfile,
)
from msgraph_beta.generated.models.education_synchronization_profile_state import (
    EducationSynchronizationProfileState,
)
from msgraph_beta.generated.models.education_synchronization_status import (
    EducationSynchronizationStatus,
)
from msgraph_beta.generated.models.education_user_role import EducationUserRole
from msgraph_beta.generated.models.o_data_errors.o_data_error import ODataError
from msgraph_core import PageIterator

from .conftest import AUTH, CSV_FILES
from .sdk import beta_client

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _new_profile() -> EducationSynchronizationProfile:
    return EducationSynchronizationProfile(
        display_name="Term 1 Sync",
        data_provider=EducationCsvDataProvider(),
        identity_synchronization_configuration=EducationIdentityCreationConfiguration(
            user_domains=[
                EducationIdentityDomain(applies_to=EducationUserRole.Student, name="school.edu"),
                EducationIdentityDomain(applies_to=EducationUserRole.Teacher, name="school.edu"),
            ]
        ),
        licenses_to_assign=[],
    )


def _control(base_url: str, method: str, path: str, **kwargs) -> httpx.Response:
    response = httpx.request(method, base_url + path, timeout=30, **kwargs)
    assert response.status_code < 300, response.text
    return response


async def _lifecycle(base_url: str) -> dict:
    client = beta_client(base_url)
    profiles = client.education.synchronization_profiles
    seen: dict = {}

    created = await profiles.post(_new_profile())
    assert created.state == EducationSynchronizationProfileState.Provisioning
    item = profiles.by_education_synchronization_profile_id(created.id)

    # advance virtual time until provisioning has finished
    for _ in range(20):
        if (await item.get()).state == EducationSynchronizationProfileState.Provisioned:
            break
        _control(base_url, "POST", "/_sdssim/clock/advance", json={"seconds": 60})
    assert (await item.get()).state == EducationSynchronizationProfileState.Provisioned

    # upload the CSV files to the SAS URL the API hands out, then start
    upload = await item.upload_url.get()
    assert upload.value.startswith(base_url + "/_sdssim/blob/")
    container, _, sas = upload.value.partition("?")
    for name, text in CSV_FILES.items():
        _control(base_url, "PUT", f"{container}/{name}?{sas}"[len(base_url):],
                 content=text.encode(), headers={"x-ms-blob-type": "BlockBlob"})
    _control(base_url, "POST", "/_sdssim/clock/advance", json={"duration": "PT5M"})
    started = await item.start.post()
    seen["messages"] = started.value

    # right after start the sync is validating: an evolvable member
    plain = await item.profile_status.get()
    config = RequestConfiguration()
    config.headers.add("Prefer", "include-unknown-enum-members")
    preferred = await item.profile_status.get(request_configuration=config)
    seen["status_plain"] = plain.status
    seen["status_preferred"] = preferred.status

    for _ in range(48):
        _control(base_url, "POST", "/_sdssim/clock/advance", json={"seconds": 300})
        if (await item.profile_status.get()).status == EducationSynchronizationStatus.Success:
            break
    seen["final_status"] = (await item.profile_status.get()).status

    # 25 errors, paged 10 at a time, walked with the SDK's PageIterator
    for i in range(25):
        await item.errors.post(EducationSynchronizationError(
            entry_type="student", error_code="UnmatchedEntry",
            error_message=f"entry {i} has no match", joining_value=str(1000 + i),
            reportable_identifier=f"student-{i}",
        ))
    first = await item.errors.get()
    assert len(first.value) == 10 and first.odata_next_link.startswith(base_url)
    collected: list = []

    def keep(error) -> bool:
        collected.append(error)
        return True

    iterator = PageIterator(first, client.request_adapter)
    await iterator.iterate(keep)
    seen["paged"] = [e.joining_value for e in collected]

    # the SDK's RetryHandler honours Retry-After on 429
    _control(base_url, "POST", "/_sdssim/faults",
             json={"kind": "throttle", "requests": 2, "retryAfterSeconds": 1})
    seen["after_throttle"] = (await item.profile_status.get()).status

    # refusals arrive as ODataError with Graph's body
    try:
        await profiles.by_education_synchronization_profile_id("no-such-profile").get()
    except ODataError as exc:
        seen["not_found"] = (exc.response_status_code, exc.error.code,
                             exc.error.inner_error.request_id)
    await item.delete()
    seen["deleted"] = (await item.get()).state
    return seen


def test_profile_lifecycle_through_the_beta_sdk(base_url: str) -> None:
    seen = asyncio.run(_lifecycle(base_url))

    assert seen["messages"] == []
    assert seen["status_plain"] == EducationSynchronizationStatus.UnknownFutureValue
    assert seen["status_preferred"] == EducationSynchronizationStatus.Validating
    assert seen["final_status"] == EducationSynchronizationStatus.Success
    assert seen["paged"] == [str(1000 + i) for i in range(25)]
    assert seen["after_throttle"] == EducationSynchronizationStatus.Success
    assert seen["not_found"][:2] == (404, "itemNotFound")
    assert seen["deleted"] == EducationSynchronizationProfileState.Deleting

    log = httpx.get(base_url + "/_sdssim/requests").json()["value"]
    throttled = [e for e in log if e["status"] == 429]
    assert len(throttled) == 2 and all(e["retryAfter"] == 1 for e in throttled)
    retry = log[log.index(throttled[0]) + 1:][:2]
    assert [e["retryAttempt"] for e in retry] == [1, 2]
    assert retry[0]["wall"] - throttled[0]["wall"] >= 1.0
    assert retry[1]["status"] == 200

    card = httpx.get(base_url + "/_sdssim/scorecard", headers=AUTH).json()
    assert card["checks"]["retryAfter"]["result"] == "pass"
    assert card["checks"]["retryAfter"]["retried"] == 2
    assert card["checks"]["paging"]["result"] == "pass"
    assert card["checks"]["paging"]["nextLinksServed"] == 2
