"""Fixtures for the server tests: a simulation, a live server on loopback, clients."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sdssim.engine import Simulation
from sdssim.server.testing import running_server

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

PROFILE_BODY = {
    "displayName": "Term 1 Sync",
    "dataProvider": {"@odata.type": "#microsoft.graph.educationCsvDataProvider"},
    "identitySynchronizationConfiguration": {
        "@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration",
        "userDomains": [{"appliesTo": "student", "name": "school.edu"},
                        {"appliesTo": "teacher", "name": "school.edu"}],
    },
    "licensesToAssign": [],
}

CSV_FILES = {
    "School.csv": "SIS ID,Name\n1,North High\n",
    "Section.csv": "SIS ID,School SIS ID,Section Name\n10,1,Mathematics\n",
    "Student.csv": "SIS ID,School SIS ID,Username\n100,1,ana\n101,1,ben\n",
    "Teacher.csv": "SIS ID,School SIS ID,Username\n200,1,chloe\n",
    "StudentEnrollment.csv": "Section SIS ID,SIS ID\n10,100\n10,101\n",
    "TeacherRoster.csv": "Section SIS ID,SIS ID\n10,200\n",
}

ERROR_BODY = {
    "entryType": "student",
    "errorCode": "UnmatchedEntry",
    "errorMessage": "No directory object matches this entry.",
    "joiningValue": "100",
    "reportableIdentifier": "ana",
}


@pytest.fixture
def sim() -> Simulation:
    return Simulation(seed=7)


@pytest.fixture
def base_url(sim: Simulation) -> Iterator[str]:
    with running_server(sim, page_size=10) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, headers=AUTH, timeout=30) as c:
        yield c


def create_profile(client: httpx.Client, **changes: object) -> dict:
    response = client.post("/beta/education/synchronizationProfiles",
                           json={**PROFILE_BODY, **changes})
    assert response.status_code == 201, response.text
    return response.json()


def advance(client: httpx.Client, seconds: float) -> dict:
    response = client.post("/_sdssim/clock/advance", json={"seconds": seconds})
    assert response.status_code == 200, response.text
    return response.json()


def provisioned_profile(client: httpx.Client) -> str:
    pid = create_profile(client)["id"]
    advance(client, 600)
    assert client.get(f"/beta/education/synchronizationProfiles/{pid}").json()["state"] == \
        "provisioned"
    return pid


def assert_graph_error(response: httpx.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str)
    inner = error["innerError"]
    assert inner["request-id"] == response.headers["request-id"]
    assert inner["client-request-id"] == response.headers["client-request-id"]
    assert inner["date"].endswith("Z")
    if code is not None:
        assert error["code"] == code
    return error
