"""The /_sdssim control API: clock, faults, events, request log, scorecard, OpenAPI, uploads."""

from __future__ import annotations

import json

import httpx
import pytest

from sdssim.engine import Simulation
from sdssim.server.app import create_app
from sdssim.server.clock import ServerClock
from sdssim.server.testing import running_server

from .conftest import CSV_FILES, assert_graph_error, create_profile, provisioned_profile

PROFILES = "/beta/education/synchronizationProfiles"


def test_clock_reads_and_advances(client: httpx.Client) -> None:
    clock = client.get("/_sdssim/clock").json()
    assert clock == {"now": "2026-09-01T08:00:00Z", "mode": "virtual", "speed": 1.0,
                     "nextEventTime": None}
    assert client.post("/_sdssim/clock/advance", json={"seconds": 90}).json()["now"] == \
        "2026-09-01T08:01:30Z"
    assert client.post("/_sdssim/clock/advance", json={"duration": "PT1H"}).json()["now"] == \
        "2026-09-01T09:01:30Z"
    until = client.post("/_sdssim/clock/advance", json={"until": "2026-09-02T00:00:00Z"})
    assert until.json()["now"] == "2026-09-02T00:00:00Z"
    create_profile(client)
    assert client.get("/_sdssim/clock").json()["nextEventTime"] == "2026-09-02T00:05:00Z"


@pytest.mark.parametrize("body", [
    {}, {"seconds": -1}, {"seconds": "10"}, {"seconds": True}, {"seconds": 1, "until": "x"},
    {"until": "2020-01-01T00:00:00Z"}, {"until": "yesterday"}, {"duration": "40 minutes"},
    {"duration": 5}, {"seconds": 10**12}, {"other": 1},
])
def test_bad_advance_is_a_400(client: httpx.Client, body: dict) -> None:
    assert_graph_error(client.post("/_sdssim/clock/advance", json=body), 400)


def test_realtime_clock_follows_the_wall_clock() -> None:
    wall = [100.0]
    sim = Simulation(seed=3)
    clock = ServerClock("realtime", speed=60, monotonic=lambda: wall[0])
    app = create_app(sim, clock=clock)
    with running_server(app) as url:
        assert httpx.get(url + "/_sdssim/clock").json()["now"] == "2026-09-01T08:00:00Z"
        wall[0] += 30  # 30 wall seconds at 60x = 30 virtual minutes
        assert httpx.get(url + "/_sdssim/clock").json()["now"] == "2026-09-01T08:30:00Z"
        # a manual advance moves the base; realtime continues from there
        httpx.post(url + "/_sdssim/clock/advance", json={"duration": "PT1H"})
        wall[0] += 1
        clock_doc = httpx.get(url + "/_sdssim/clock").json()
        assert clock_doc["now"] == "2026-09-01T09:31:00Z"
        assert clock_doc["mode"] == "realtime" and clock_doc["speed"] == 60


def test_faults_are_scheduled_and_listed(client: httpx.Client) -> None:
    pid = create_profile(client)["id"]
    created = client.post("/_sdssim/faults", json={
        "kind": "provisioning_failure", "target": f"profile/{pid}"})
    assert created.status_code == 201, created.text
    later = client.post("/_sdssim/faults", json={
        "kind": "entry_failures", "rate": 0.5, "at": "2026-09-01T09:00:00Z", "duration": "PT2H"})
    assert later.status_code == 201, later.text
    assert later.json()["at"] == "2026-09-01T09:00:00Z"
    assert later.json()["end"] == "2026-09-01T11:00:00Z"
    kinds = [f["kind"] for f in client.get("/_sdssim/faults").json()["value"]]
    assert kinds == ["provisioning_failure", "entry_failures"]
    client.post("/_sdssim/clock/advance", json={"seconds": 600})
    assert client.get(f"{PROFILES}/{pid}").json()["state"] == "provisioningFailed"


@pytest.mark.parametrize("body", [
    {"kind": "meteor_strike"}, {"requests": 3}, {"kind": 5},
    {"kind": "throttle", "requests": "three"}, {"kind": "throttle", "requests": -1},
    {"kind": "entry_failures"}, {"kind": "throttle", "at": "2000-01-01T00:00:00Z"},
    {"kind": "throttle", "target": "planet/x"}, {"kind": "throttle", "wrongParam": 1},
])
def test_bad_faults_are_400(client: httpx.Client, body: dict) -> None:
    assert_graph_error(client.post("/_sdssim/faults", json=body), 400)


def test_events_stream_as_json_lines(client: httpx.Client) -> None:
    pid = create_profile(client)["id"]
    client.post("/_sdssim/clock/advance", json={"seconds": 600})
    response = client.get("/_sdssim/events")
    assert response.headers["content-type"].startswith("application/x-ndjson")
    records = [json.loads(line) for line in response.text.splitlines()]
    assert [r["seq"] for r in records] == sorted(r["seq"] for r in records)
    assert any(r.get("to") == "provisioned" and r["subject"] == f"profile/{pid}"
               for r in records)
    last = records[-3]["seq"]
    tail = client.get("/_sdssim/events", params={"since": last}).text.splitlines()
    assert [json.loads(x)["seq"] for x in tail] == [r["seq"] for r in records[-2:]]
    assert_graph_error(client.get("/_sdssim/events", params={"since": "x"}), 400)


def test_request_log_records_graph_requests_only(client: httpx.Client) -> None:
    client.get(PROFILES, headers={"client-request-id": "c-1", "Retry-Attempt": "2"})
    client.get("/_sdssim/clock")
    client.post(PROFILES, content=b"{")
    log = client.get("/_sdssim/requests").json()["value"]
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", PROFILES, 200), ("POST", PROFILES, 400)]
    first = log[0]
    assert first["clientRequestId"] == "c-1" and first["retryAttempt"] == 2
    assert first["time"] == "2026-09-01T08:00:00Z" and first["wall"] >= 0
    assert log[1]["bodyDigest"] and log[1]["clientRequestId"] is None
    assert client.delete("/_sdssim/requests").status_code == 204
    assert client.get("/_sdssim/requests").json()["value"] == []


def test_scorecard_grades_a_careless_client(client: httpx.Client) -> None:
    pid = create_profile(client)["id"]
    client.post("/_sdssim/faults", json={"kind": "throttle", "requests": 1,
                                         "retryAfterSeconds": 30})
    client.get(f"{PROFILES}/{pid}/profileStatus")  # 429
    client.get(f"{PROFILES}/{pid}/profileStatus")  # retried at once
    client.get(f"{PROFILES}/{pid}/profileStatus")  # polled again, no time passed
    client.post(f"{PROFILES}/{pid}/pause")  # 409: not provisioned
    client.post(f"{PROFILES}/{pid}/pause")  # the same refused request again
    for i in range(12):
        client.post(f"{PROFILES}/{pid}/errors", json={"errorCode": f"E{i}"})
    client.get(f"{PROFILES}/{pid}/errors")  # a nextLink it never follows
    card = client.get("/_sdssim/scorecard").json()
    checks = card["checks"]
    assert checks["retryAfter"]["result"] == "fail"
    assert checks["retryAfter"]["tooEarly"][0]["retryAfter"] == 30
    assert checks["nonRetryableRetries"]["result"] == "fail"
    assert checks["nonRetryableRetries"]["repeats"][0]["status"] == 409
    assert checks["polling"]["result"] == "fail"
    assert checks["paging"]["result"] == "fail"
    assert card["failed"] == 4 and card["passed"] == 0
    relaxed = client.get("/_sdssim/scorecard", params={"minPollSeconds": 0}).json()
    assert relaxed["checks"]["polling"]["result"] == "pass"
    assert_graph_error(client.get("/_sdssim/scorecard", params={"bogus": 1}), 400)
    assert_graph_error(client.get("/_sdssim/scorecard", params={"tolerance": "x"}), 400)


def test_openapi_lists_every_route(client: httpx.Client, base_url: str) -> None:
    doc = client.get("/_sdssim/openapi.json").json()
    assert doc["openapi"].startswith("3.0")
    assert doc["servers"] == [{"url": base_url}]
    paths = doc["paths"]
    for path in (
        "/beta/education/synchronizationProfiles",
        "/beta/education/synchronizationProfiles/{profileId}/uploadUrl()",
        "/beta/educationRoot/synchronizationProfiles/{profileId}/errors",
        "/v1.0/servicePrincipals/{servicePrincipalId}/synchronization/jobs/{jobId}/restart",
        "/beta/servicePrincipals/{servicePrincipalId}/synchronization/jobs/{jobId}/schema",
        "/_sdssim/clock/advance",
    ):
        assert path in paths, path
    ops = [op["operationId"] for item in paths.values() for op in item.values()]
    assert len(ops) == len(set(ops))


def test_uploads_through_the_blob_endpoints(client: httpx.Client) -> None:
    pid = provisioned_profile(client)
    # no upload URL yet: 403
    assert_graph_error(client.put(f"/_sdssim/blob/{pid}/School.csv", content=b"x"), 403)
    client.get(f"{PROFILES}/{pid}/uploadUrl()")
    assert client.post(f"/_sdssim/blob/{pid}", json=CSV_FILES).status_code == 201
    assert_graph_error(client.put(f"/_sdssim/blob/{pid}/Notes.txt", content=b"x"), 400)
    assert_graph_error(client.post(f"/_sdssim/blob/{pid}", json={"School.csv": 1}), 400)
    client.post("/_sdssim/clock/advance", json={"duration": "PT5M"})
    assert client.post(f"{PROFILES}/{pid}/start").status_code == 200


def test_control_job_with_object_counts(client: httpx.Client) -> None:
    created = client.post("/_sdssim/jobs", json={
        "servicePrincipalId": "sp-9", "job": {"templateId": "scim"}, "objects": {"User": 10}})
    assert created.status_code == 201, created.text
    listed = client.get("/v1.0/servicePrincipals/sp-9/synchronization/jobs").json()["value"]
    assert [j["id"] for j in listed] == [created.json()["id"]]
    for bad in ({"job": {}}, {"servicePrincipalId": "x", "objects": {"User": -1}},
                {"servicePrincipalId": "x", "job": []}, {"servicePrincipalId": "x", "y": 1}):
        assert_graph_error(client.post("/_sdssim/jobs", json=bad), 400)


def test_unknown_control_route(client: httpx.Client) -> None:
    assert_graph_error(client.get("/_sdssim/nothing"), 400, "BadRequest")
    assert_graph_error(client.delete("/_sdssim/clock"), 405)
