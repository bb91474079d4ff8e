"""Concurrent clients: requests are serialized around the simulation, nothing lost or doubled."""

from __future__ import annotations

import asyncio

import httpx

from .conftest import AUTH, ERROR_BODY, create_profile

CLIENTS = 10
REQUESTS = 20


async def _client(base_url: str, n: int, pid: str) -> list[int]:
    statuses = []
    async with httpx.AsyncClient(base_url=base_url, headers=AUTH, timeout=30) as c:
        for i in range(REQUESTS):
            if i % 4 == 3:
                response = await c.post("/v1.0/servicePrincipals/sp-load/synchronization/jobs",
                                        json={"templateId": f"t{n}"})
            else:
                response = await c.post(
                    f"/beta/education/synchronizationProfiles/{pid}/errors",
                    json={**ERROR_BODY, "joiningValue": f"{n}-{i}"})
            statuses.append(response.status_code)
    return statuses


async def _all(base_url: str, pid: str) -> list[list[int]]:
    return await asyncio.gather(*(_client(base_url, n, pid) for n in range(CLIENTS)))


def test_concurrent_clients_lose_and_duplicate_nothing(client: httpx.Client,
                                                       base_url: str) -> None:
    pid = create_profile(client)["id"]
    results = asyncio.run(_all(base_url, pid))
    assert all(status == 201 for statuses in results for status in statuses)

    page = client.get(f"/beta/education/synchronizationProfiles/{pid}/errors").json()
    errors = page["value"]
    while "@odata.nextLink" in page:
        page = client.get(page["@odata.nextLink"]).json()
        errors += page["value"]
    per_client = REQUESTS - REQUESTS // 4
    assert len(errors) == CLIENTS * per_client
    assert len({e["id"] for e in errors}) == len(errors)
    assert sorted(e["joiningValue"] for e in errors) == sorted(
        f"{n}-{i}" for n in range(CLIENTS) for i in range(REQUESTS) if i % 4 != 3)
    jobs = client.get("/v1.0/servicePrincipals/sp-load/synchronization/jobs/$count").text
    assert int(jobs) == CLIENTS * (REQUESTS // 4)
    log = client.get("/_sdssim/requests").json()["value"]
    assert len(log) == CLIENTS * REQUESTS + 1 + 15 + 1
    assert len({e["requestId"] for e in log}) == len(log)
