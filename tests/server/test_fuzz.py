"""Bad input never gives a 500: schemathesis over the published OpenAPI, plus Hypothesis
requests aimed at live resources (real ids, random bodies, queries and headers)."""

from __future__ import annotations

import json

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sdssim.engine import Simulation
from sdssim.server.app import create_app
from sdssim.server.openapi import openapi_document
from sdssim.server.testing import running_server

from .conftest import AUTH, CSV_FILES, PROFILE_BODY

schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture(scope="module")
def app():
    return create_app(Simulation(seed=11), page_size=5)


@pytest.fixture(scope="module")
def client(app):
    """One server for the whole module; state accumulates, as it would for a real client."""
    with running_server(app) as url, httpx.Client(base_url=url, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def live(client) -> dict[str, str]:
    """A provisioned profile with uploaded files, and a job: ids the fuzzer aims at."""
    profile = client.post("/beta/education/synchronizationProfiles", json=PROFILE_BODY,
                          headers=AUTH).json()["id"]
    client.post("/_sdssim/clock/advance", json={"seconds": 600})
    client.get(f"/beta/education/synchronizationProfiles/{profile}/uploadUrl()", headers=AUTH)
    client.post(f"/_sdssim/blob/{profile}", json=CSV_FILES)
    job = client.post("/v1.0/servicePrincipals/sp/synchronization/jobs",
                      json={"templateId": "t"}, headers=AUTH).json()["id"]
    return {"P": f"/beta/education/synchronizationProfiles/{profile}",
            "J": f"/v1.0/servicePrincipals/sp/synchronization/jobs/{job}", "id": profile}


def _graph_shaped(response) -> None:
    """A 4xx/5xx carries Graph's error body with request ids, as JSON."""
    if response.status_code < 400:
        return
    assert response.headers["content-type"] == "application/json", response.text
    error = response.json()["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    assert error["innerError"]["request-id"] == response.headers["request-id"]


@schema.parametrize()
@settings(max_examples=10, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_operation_fails_on_generated_input(case, client) -> None:
    response = client.request(
        case.method, case.formatted_path, params=case.query,
        headers={**(case.headers or {}), **AUTH},
        content=_encode(case),
    )
    assert response.status_code < 500, response.text
    _graph_shaped(response)


def _encode(case) -> bytes | None:
    if case.body is None or isinstance(case.body, schemathesis.core.NotSet):
        return None
    if isinstance(case.body, (bytes, str)):
        return case.body.encode() if isinstance(case.body, str) else case.body
    return json.dumps(case.body).encode()


# --------------------------------------------------------------------------- aimed at live ids

TARGETS = [
    ("POST", "/beta/education/synchronizationProfiles"), ("GET", "{P}"), ("DELETE", "{P}"),
    ("POST", "{P}/pause"), ("POST", "{P}/resume"), ("POST", "{P}/reset"),
    ("POST", "{P}/start"), ("GET", "{P}/uploadUrl()"), ("GET", "{P}/profileStatus"),
    ("GET", "{P}/errors"), ("POST", "{P}/errors"), ("GET", "{P}/errors/$count"),
    ("POST", "/v1.0/servicePrincipals/sp/synchronization/jobs"), ("GET", "{J}"),
    ("PATCH", "{J}"), ("POST", "{J}/start"), ("POST", "{J}/pause"), ("POST", "{J}/stop"),
    ("POST", "{J}/apply"), ("POST", "{J}/restart"), ("POST", "{J}/validateCredentials"),
    ("GET", "{J}/schema"), ("GET", "/v1.0/servicePrincipals/sp/synchronization/jobs"),
    ("POST", "/_sdssim/faults"), ("POST", "/_sdssim/clock/advance"), ("POST", "/_sdssim/jobs"),
    ("PUT", "/_sdssim/blob/{id}/School.csv"), ("POST", "/_sdssim/blob/{id}"),
]

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
_keys = st.sampled_from(["displayName", "dataProvider", "identitySynchronizationConfiguration",
                         "licensesToAssign", "@odata.type", "entryType", "errorCode",
                         "schedule", "synchronizationJobSettings", "templateId", "criteria",
                         "kind", "requests", "retryAfterSeconds", "seconds", "until", "rate",
                         "servicePrincipalId", "objects", "School.csv"])
_bodies = (
    st.dictionaries(_keys, _json, max_size=5).map(lambda d: json.dumps(d).encode())
    | _json.map(lambda v: json.dumps(v).encode())
    | st.binary(max_size=40)
    | st.just(json.dumps(PROFILE_BODY).encode())
    | st.none()
)
_queries = st.dictionaries(
    st.sampled_from(["$top", "$skip", "$count", "$filter", "$orderby", "$select", "$skiptoken",
                     "$expand", "since", "x"]),
    st.text(max_size=15) | st.sampled_from(["errorCode eq 'x'", "true", "3", "-1"]),
    max_size=3)
_headers = st.dictionaries(
    st.sampled_from(["Prefer", "client-request-id", "Retry-Attempt", "Content-Type"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20)
    .map(str.strip),
    max_size=2)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck),
          derandomize=True)
@given(target=st.sampled_from(TARGETS), body=_bodies, query=_queries, headers=_headers,
       method=st.sampled_from([None, None, None, "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]))
def test_live_resources_never_fail_with_500(client, live, target, body, query, headers,
                                           method) -> None:
    verb, path = target
    path = path.format(**live)
    response = client.request(method or verb, path, params=query, content=body,
                               headers={**AUTH, **headers})
    assert response.status_code < 500, response.text
    if method == "HEAD":
        return
    _graph_shaped(response)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(segments=st.lists(st.text(max_size=12), min_size=0, max_size=5),
       root=st.sampled_from(["", "beta", "v1.0", "_sdssim", "beta/education",
                             "beta/educationRoot", "v1.0/servicePrincipals"]))
def test_unknown_paths_are_graph_errors(client, segments, root) -> None:
    from urllib.parse import quote

    path = "/" + "/".join([root, *[quote(s, safe="") for s in segments]]).strip("/")
    response = client.get(path, headers=AUTH)
    assert response.status_code < 500, response.text
    _graph_shaped(response)


def test_no_server_error_was_logged(app) -> None:
    entries = app.state.sdssim.requests.entries()
    assert len(entries) > 1000
    assert all(e["status"] < 500 for e in entries)
