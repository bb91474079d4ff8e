"""Graph conventions over a real socket with httpx: status codes, bodies, headers, paging, auth."""

from __future__ import annotations

import httpx
import pytest

from sdssim.engine import Simulation
from sdssim.server.testing import running_server

from .conftest import (
    AUTH,
    CSV_FILES,
    ERROR_BODY,
    PROFILE_BODY,
    advance,
    assert_graph_error,
    create_profile,
    provisioned_profile,
)

PROFILES = "/beta/education/synchronizationProfiles"
SP = "sp-0001"
JOBS = f"/v1.0/servicePrincipals/{SP}/synchronization/jobs"


def _upload(client: httpx.Client, pid: str, files: dict[str, str]) -> None:
    url = client.get(f"{PROFILES}/{pid}/uploadUrl()").json()["value"]
    container, _, sas = url.partition("?")
    for name, text in files.items():
        response = client.put(f"{container}/{name}?{sas}", content=text.encode())
        assert response.status_code == 201, response.text
    advance(client, 300)


# --------------------------------------------------------------------------- auth


def test_graph_requests_need_a_bearer_token(base_url: str) -> None:
    assert_graph_error(httpx.get(base_url + PROFILES), 401, "InvalidAuthenticationToken")
    response = httpx.get(base_url + PROFILES, headers={"Authorization": "Basic abc"})
    assert_graph_error(response, 401, "InvalidAuthenticationToken")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert httpx.get(base_url + PROFILES, headers={"Authorization": "Bearer any"}).status_code \
        == 200
    # the control API is open
    assert httpx.get(base_url + "/_sdssim/clock").status_code == 200


def test_a_configured_token_is_the_only_one_accepted() -> None:
    with running_server(Simulation(seed=1), token="s3cret") as url:
        wrong = httpx.get(url + PROFILES, headers={"Authorization": "Bearer other"})
        assert_graph_error(wrong, 401, "InvalidAuthenticationToken")
        right = httpx.get(url + PROFILES, headers={"Authorization": "Bearer s3cret"})
        assert right.status_code == 200


# --------------------------------------------------------------------------- headers and bodies


def test_every_answer_has_request_ids_and_json_content_type(client: httpx.Client) -> None:
    profile = create_profile(client)
    for response in (
        client.get(PROFILES),
        client.get(f"{PROFILES}/{profile['id']}"),
        client.get(f"{PROFILES}/missing"),
        client.get("/beta/nowhere"),
        client.post(PROFILES, content=b"{"),
    ):
        assert response.headers["content-type"] == "application/json"
        assert response.headers["request-id"]
        assert response.headers["client-request-id"] == response.headers["request-id"]
    response = client.get(PROFILES, headers={"client-request-id": "my-id-1"})
    assert response.headers["client-request-id"] == "my-id-1"
    error = assert_graph_error(client.get(f"{PROFILES}/missing",
                                          headers={"client-request-id": "my-id-2"}), 404)
    assert error["innerError"]["client-request-id"] == "my-id-2"
    # the error date is the simulation's virtual now
    assert error["innerError"]["date"] == client.get("/_sdssim/clock").json()["now"]


def test_odata_context_is_absolute(client: httpx.Client, base_url: str) -> None:
    profile = create_profile(client)
    assert profile["@odata.context"] == \
        f"{base_url}/beta/$metadata#education/synchronizationProfiles/$entity"
    listing = client.get(PROFILES).json()
    assert listing["@odata.context"] == \
        f"{base_url}/beta/$metadata#education/synchronizationProfiles"
    status = client.get(f"{PROFILES}/{profile['id']}/profileStatus").json()
    assert status["@odata.context"].endswith(
        f"#education/synchronizationProfiles('{profile['id']}')/profileStatus/$entity")


# --------------------------------------------------------------------------- profile status codes


def test_profile_status_codes(client: httpx.Client) -> None:
    response = client.post(PROFILES, json=PROFILE_BODY)
    assert response.status_code == 201
    pid = response.json()["id"]
    assert response.headers["location"].endswith(f"{PROFILES}/{pid}")
    assert response.json()["state"] == "provisioning"
    # not provisioned yet: uploadUrl and start are conflicts, delete too
    assert_graph_error(client.get(f"{PROFILES}/{pid}/uploadUrl()"), 409)
    assert_graph_error(client.post(f"{PROFILES}/{pid}/start"), 409)
    assert_graph_error(client.delete(f"{PROFILES}/{pid}"), 409)
    advance(client, 600)
    _upload(client, pid, CSV_FILES)
    started = client.post(f"{PROFILES}/{pid}/start")
    assert started.status_code == 200 and started.json()["value"] == []
    for action in ("pause", "resume", "reset"):
        response = client.post(f"{PROFILES}/{pid}/{action}")
        assert response.status_code == 200, (action, response.text)
        assert response.content == b""
    created = client.post(f"/beta/educationRoot/synchronizationProfiles/{pid}/errors",
                          json={"@odata.type": "#microsoft.graph.educationSynchronizationError",
                                **ERROR_BODY})
    assert created.status_code == 201, created.text
    assert created.json()["errorCode"] == "UnmatchedEntry"
    deleted = client.delete(f"{PROFILES}/{pid}")
    assert deleted.status_code == 202 and deleted.content == b""
    assert client.get(f"{PROFILES}/{pid}").json()["state"] == "deleting"
    advance(client, 600)
    assert_graph_error(client.get(f"{PROFILES}/{pid}"), 404, "itemNotFound")


def test_start_answers_warnings_with_200_and_errors_with_400(client: httpx.Client) -> None:
    pid = provisioned_profile(client)
    warned = dict(CSV_FILES)
    warned["Student.csv"] = "SIS ID,School SIS ID,Username\n100,1,\n101,1,ben\n"
    _upload(client, pid, warned)
    started = client.post(f"{PROFILES}/{pid}/start")
    assert started.status_code == 200, started.text
    assert {m["type"] for m in started.json()["value"]} == {"Warning"}

    pid = provisioned_profile(client)
    broken = dict(CSV_FILES)
    broken["Student.csv"] = "SIS ID,School SIS ID,Username\n100,1,ana\n100,1,ben\n"
    _upload(client, pid, broken)
    error = assert_graph_error(client.post(f"{PROFILES}/{pid}/start"), 400)
    assert {d["code"] for d in error["details"]} == {"Error", "Warning"}
    assert any("duplicates found in column SIS ID" in d["message"] for d in error["details"])
    assert all(d["target"] for d in error["details"])


def test_upload_url_is_refused_for_api_providers(client: httpx.Client) -> None:
    body = {**PROFILE_BODY, "dataProvider": {
        "@odata.type": "#microsoft.graph.educationOneRosterApiDataProvider",
        "connectionUrl": "https://oneroster.example.edu", "providerName": "x"}}
    pid = client.post(PROFILES, json=body).json()["id"]
    advance(client, 600)
    assert_graph_error(client.get(f"{PROFILES}/{pid}/uploadUrl()"), 400)


def test_prefer_include_unknown_enum_members(client: httpx.Client) -> None:
    pid = provisioned_profile(client)
    _upload(client, pid, CSV_FILES)
    client.post(f"{PROFILES}/{pid}/start")
    plain = client.get(f"{PROFILES}/{pid}/profileStatus")
    assert plain.json()["status"] == "unknownFutureValue"
    assert "preference-applied" not in plain.headers
    preferred = client.get(f"{PROFILES}/{pid}/profileStatus",
                           headers={"Prefer": "include-unknown-enum-members"})
    assert preferred.json()["status"] == "validating"
    assert preferred.headers["preference-applied"] == "include-unknown-enum-members"


# --------------------------------------------------------------------------- paging and queries


@pytest.fixture
def errors_profile(client: httpx.Client) -> str:
    pid = create_profile(client)["id"]
    for i in range(23):
        body = {**ERROR_BODY, "joiningValue": str(i),
                "entryType": "student" if i % 2 else "teacher",
                "errorCode": "UnmatchedEntry" if i % 3 else "DuplicateTargetEntries"}
        assert client.post(f"{PROFILES}/{pid}/errors", json=body).status_code == 201
    return pid


def _walk(client: httpx.Client, url: str, **params: str) -> tuple[list[dict], list[dict]]:
    pages = [client.get(url, params=params).json()]
    while "@odata.nextLink" in pages[-1]:
        link = pages[-1]["@odata.nextLink"]
        assert link.startswith("http://127.0.0.1:")
        pages.append(client.get(link).json())
    return [item for p in pages for item in p["value"]], pages


def test_paging_follows_absolute_next_links(client: httpx.Client, errors_profile: str) -> None:
    url = f"{PROFILES}/{errors_profile}/errors"
    items, pages = _walk(client, url)
    assert [len(p["value"]) for p in pages] == [10, 10, 3]
    assert [e["joiningValue"] for e in items] == [str(i) for i in range(23)]
    items, pages = _walk(client, url, **{"$top": "4", "$count": "true"})
    assert [len(p["value"]) for p in pages] == [4, 4, 4, 4, 4, 3]
    assert all(p["@odata.count"] == 23 for p in pages)
    items, _ = _walk(client, url, **{"$skip": "20"})
    assert [e["joiningValue"] for e in items] == ["20", "21", "22"]
    small = client.get(url, headers={"Prefer": "odata.maxpagesize=5"})
    assert len(small.json()["value"]) == 5
    assert small.headers["preference-applied"] == "odata.maxpagesize=5"


def test_filter_eq_on_error_code_and_entry_type(client: httpx.Client,
                                                errors_profile: str) -> None:
    url = f"{PROFILES}/{errors_profile}/errors"
    items, _ = _walk(client, url, **{"$filter": "errorCode eq 'DuplicateTargetEntries'"})
    assert [e["joiningValue"] for e in items] == [str(i) for i in range(23) if i % 3 == 0]
    items, _ = _walk(client, url, **{"$filter": "entryType eq 'student' and "
                                                "errorCode eq 'UnmatchedEntry'"})
    assert [e["joiningValue"] for e in items] == \
        [str(i) for i in range(23) if i % 2 and i % 3]
    counted = client.get(url, params={"$filter": "entryType eq 'teacher'", "$count": "true"})
    assert counted.json()["@odata.count"] == 12
    count = client.get(f"{url}/$count", params={"$filter": "entryType eq 'teacher'"})
    assert count.status_code == 200 and count.text == "12"
    assert count.headers["content-type"].startswith("text/plain")
    ordered = client.get(url, params={"$orderby": "joiningValue desc", "$top": "2",
                                      "$select": "joiningValue"}).json()["value"]
    assert ordered == [{"id": ordered[0]["id"], "joiningValue": "9"},
                       {"id": ordered[1]["id"], "joiningValue": "8"}]


@pytest.mark.parametrize("params", [
    {"$top": "-1"}, {"$top": "ten"}, {"$skip": "x"}, {"$count": "maybe"},
    {"$filter": "errorCode eq"}, {"$filter": "nope eq 'x'"}, {"$filter": "(errorCode eq 'x'"},
    {"$expand": "x"}, {"$search": "x"}, {"$bogus": "1"}, {"$orderby": "nope"},
    {"$skiptoken": "%%%"}, {"$select": "nope"},
])
def test_bad_query_options_are_400(client: httpx.Client, errors_profile: str,
                                   params: dict) -> None:
    assert_graph_error(client.get(f"{PROFILES}/{errors_profile}/errors", params=params), 400)


def test_single_error_by_id(client: httpx.Client, errors_profile: str) -> None:
    first = client.get(f"{PROFILES}/{errors_profile}/errors").json()["value"][0]
    got = client.get(f"{PROFILES}/{errors_profile}/errors/{first['id']}")
    assert got.status_code == 200 and got.json()["id"] == first["id"]
    assert_graph_error(client.get(f"{PROFILES}/{errors_profile}/errors/nope"), 404)


def test_odata_key_syntax(client: httpx.Client) -> None:
    pid = create_profile(client)["id"]
    response = client.get(f"/beta/education/synchronizationProfiles('{pid}')")
    assert response.status_code == 200 and response.json()["id"] == pid


# --------------------------------------------------------------------------- refusals


def test_refusals_are_graph_errors(client: httpx.Client) -> None:
    pid = create_profile(client)["id"]
    error = assert_graph_error(client.get("/beta/education/nothingHere"), 400, "BadRequest")
    assert error["message"] == "Resource not found for the segment 'nothingHere'."
    assert_graph_error(client.get("/v2/education"), 400, "BadRequest")
    # profiles are beta-only
    error = assert_graph_error(client.get("/v1.0/education/synchronizationProfiles"), 400)
    assert "segment 'education'" in error["message"]
    response = client.patch(f"{PROFILES}/{pid}", json={"displayName": "x"})
    assert_graph_error(response, 405)
    assert response.headers["allow"] == "DELETE, GET"
    assert_graph_error(client.post(PROFILES, content=b"{not json"), 400)
    assert_graph_error(client.post(PROFILES, content=b""), 400)
    assert_graph_error(client.post(PROFILES, json=[1, 2]), 400)
    error = assert_graph_error(client.post(PROFILES, json={**PROFILE_BODY, "displayName": 5}),
                               400)
    assert "displayName" in error["message"]
    error = assert_graph_error(client.post(PROFILES, json={**PROFILE_BODY, "color": "red"}), 400)
    assert "color" in error["message"]
    assert_graph_error(client.post(f"{PROFILES}/{pid}/errors",
                                   json={"entryType": 3}), 400)
    assert_graph_error(client.get(f"{PROFILES}/nope/errors"), 404, "itemNotFound")
    assert_graph_error(client.post(f"{PROFILES}/nope/pause"), 404)
    assert_graph_error(client.post(f"{PROFILES}/{pid}/pause"), 409)


# --------------------------------------------------------------------------- jobs


def test_job_status_codes_on_both_versions(client: httpx.Client) -> None:
    response = client.post(JOBS, json={"templateId": "scim"})
    assert response.status_code == 201, response.text
    job = response.json()
    assert job["status"]["code"] == "NotConfigured"
    assert job["schedule"]["interval"] == "P10675199DT2H48M5.4775807S"
    item = f"{JOBS}/{job['id']}"
    assert client.get(item).status_code == 200
    assert client.get(item.replace("/v1.0/", "/beta/")).json()["id"] == job["id"]
    patch = client.patch(item, json={"schedule": {"interval": "PT40M"}})
    assert patch.status_code == 204 and patch.content == b""
    for action in ("start", "pause", "start", "stop", "apply"):
        response = client.post(f"{item}/{action}")
        assert response.status_code == 204, (action, response.text)
    assert client.post(f"{item}/restart",
                       json={"criteria": {"resetScope": "Watermark, Escrows"}}).status_code == 204
    assert client.post(f"{item}/restart").status_code == 204
    assert client.post(f"{item}/validateCredentials", json={"useSavedCredentials": True}
                       ).status_code == 204
    schema = client.get(f"{item}/schema")
    assert schema.status_code == 200 and "directories" in schema.json()
    listing = client.get(JOBS, params={"$filter": "templateId eq 'scim'", "$count": "true"})
    assert listing.json()["@odata.count"] == 1
    assert client.get(f"{JOBS}/$count").text == "1"
    assert client.delete(item).status_code == 204
    assert_graph_error(client.get(item), 404)


def test_job_refusals(client: httpx.Client) -> None:
    job = client.post(JOBS, json={"templateId": "scim"}).json()
    item = f"{JOBS}/{job['id']}"
    assert_graph_error(client.post(f"{item}/restart", json={"criteria": {"resetScope": 5}}), 400)
    assert_graph_error(client.post(f"{item}/restart",
                                   json={"criteria": {"resetScope": "Everything"}}), 400)
    assert_graph_error(client.post(f"{item}/restart", json={"criteria": "x"}), 400)
    assert_graph_error(client.patch(item, json={"schedule": {"interval": 40}}), 400)
    assert_graph_error(client.patch(item, content=b"nope"), 400)
    assert_graph_error(client.post(JOBS, json={"templateId": 7}), 400)
    assert_graph_error(client.get(f"{JOBS}/nope"), 404)
    assert_graph_error(client.get(f"/v1.0/servicePrincipals/other/synchronization/jobs/"
                                  f"{job['id']}"), 404)
    assert_graph_error(client.put(item, json={}), 405)


# --------------------------------------------------------------------------- throttling


def test_rate_limit_option_answers_429_with_retry_after() -> None:
    with running_server(Simulation(seed=2), rate_limit="3/60s") as url, \
            httpx.Client(base_url=url, headers=AUTH) as c:
        statuses = [c.get(PROFILES).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        response = c.get(PROFILES)
        assert_graph_error(response, 429, "TooManyRequests")
        assert 1 <= int(response.headers["retry-after"]) <= 60
        # the control API is not limited
        assert c.get("/_sdssim/clock").status_code == 200


def test_throttle_fault_makes_the_next_requests_429(client: httpx.Client) -> None:
    fault = client.post("/_sdssim/faults",
                        json={"kind": "throttle", "requests": 2, "retryAfterSeconds": 7})
    assert fault.status_code == 201, fault.text
    assert fault.json()["remaining"] == 2
    first, second = client.get(PROFILES), client.post(JOBS, json={"templateId": "x"})
    for response in (first, second):
        assert_graph_error(response, 429, "TooManyRequests")
        assert response.headers["retry-after"] == "7"
    assert client.get(PROFILES).status_code == 200
    assert client.get("/_sdssim/faults").json()["value"][0]["remaining"] == 0
