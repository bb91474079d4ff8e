"""provisionOnDemand, collection validateCredentials and 503/504 faults over a real socket."""

from __future__ import annotations

import json

import httpx
import pytest

from .conftest import assert_graph_error

SP = "sp-http"
JOBS = f"/v1.0/servicePrincipals/{SP}/synchronization/jobs"
SUBJECT = {"parameters": [{"ruleId": "r1", "subjects": [
    {"objectId": "u-1", "objectTypeName": "User"}]}]}


def started_job(client: httpx.Client) -> str:
    created = client.post(JOBS, json={"templateId": "scim"})
    assert created.status_code == 201, created.text
    jid = created.json()["id"]
    assert client.post(f"{JOBS}/{jid}/start").status_code == 204
    return jid


def test_provision_on_demand_over_http_with_its_rate_limit(client: httpx.Client) -> None:
    jid = started_job(client)
    for _ in range(5):
        answer = client.post(f"{JOBS}/{jid}/provisionOnDemand", json=SUBJECT)
        assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["key"] == "provisioningSteps"
    assert json.loads(body["value"])[0]["status"] == "success"
    assert body["@odata.context"].endswith("$metadata#microsoft.graph.stringKeyStringValuePair")
    throttled = client.post(f"{JOBS}/{jid}/provisionOnDemand", json=SUBJECT)
    assert_graph_error(throttled, 429, "TooManyRequests")
    assert 1 <= int(throttled.headers["retry-after"]) <= 10


def test_provision_on_demand_refuses_bad_bodies(client: httpx.Client) -> None:
    jid = started_job(client)
    assert_graph_error(client.post(f"{JOBS}/{jid}/provisionOnDemand", json={}), 400)
    assert_graph_error(client.post(f"{JOBS}/nope/provisionOnDemand", json=SUBJECT), 404)


def test_collection_validate_credentials_is_not_a_job_id(client: httpx.Client) -> None:
    good = {"templateId": "scim", "credentials": [{"key": "SecretToken", "value": "s"}]}
    assert client.post(f"{JOBS}/validateCredentials", json=good).status_code == 204
    assert_graph_error(client.post(f"{JOBS}/validateCredentials", json={"templateId": "scim"}),
                       400, "CredentialValidationFailed")
    fault = client.post("/_sdssim/faults", json={"kind": "credential_failure",
                                                  "target": f"servicePrincipal/{SP}"})
    assert fault.status_code == 201, fault.text
    assert_graph_error(client.post(f"{JOBS}/validateCredentials", json=good), 400,
                       "CredentialValidationFailed")


@pytest.mark.parametrize("kind,status", [("unavailable", 503), ("gateway_timeout", 504)])
@pytest.mark.parametrize("retry_after", [None, 3])
def test_503_and_504_faults_with_and_without_retry_after(client: httpx.Client, kind: str,
                                                         status: int, retry_after) -> None:
    jid = started_job(client)
    fault = {"kind": kind, "requests": 1}
    if retry_after is not None:
        fault["retryAfterSeconds"] = retry_after
    assert client.post("/_sdssim/faults", json=fault).status_code == 201
    refused = client.get(f"{JOBS}/{jid}")
    assert_graph_error(refused, status)
    if retry_after is None:
        assert "retry-after" not in refused.headers
    else:
        assert refused.headers["retry-after"] == str(retry_after)
    assert client.get(f"{JOBS}/{jid}").status_code == 200  # the client's retry succeeds
