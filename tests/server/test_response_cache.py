"""The response cache over real sockets: a kept answer never outlives the state it was made from.

Every test serves a simulation with :func:`create_app`, so it can read the cache's
hit count (a test whose GETs never hit the cache would prove nothing) and, for the
reference answer, empty the cache under the simulation's lock: a fresh answer is
what the handler renders with nothing kept.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from starlette.responses import Response

from sdssim.engine import Simulation
from sdssim.errors import Throttled
from sdssim.server.app import create_app
from sdssim.server.clock import ServerClock
from sdssim.server.response_cache import ResponseCache
from sdssim.server.state import ServerState
from sdssim.server.testing import running_server

from .conftest import AUTH, ERROR_BODY, PROFILE_BODY, assert_graph_error

PROFILES = "/beta/education/synchronizationProfiles"
SP = "sp-cache"
JOBS = f"/v1.0/servicePrincipals/{SP}/synchronization/jobs"
JSON_CT = {"Content-Type": "application/json"}


@pytest.fixture
def served(sim: Simulation) -> Iterator[tuple[httpx.Client, ServerState]]:
    app = create_app(sim, page_size=10)
    with running_server(app) as url, httpx.Client(base_url=url, headers=AUTH, timeout=30) as c:
        yield c, app.state.sdssim


def _fresh(client: httpx.Client, state: ServerState, url: str, **kw: object) -> httpx.Response:
    """The answer rendered with nothing kept."""
    with state.lock:
        state.cache.invalidate()
    return client.get(url, **kw)  # type: ignore[arg-type]


def _kept(client: httpx.Client, state: ServerState, url: str, **kw: object) -> httpx.Response:
    """The same GET twice: the second is served from the cache (asserted)."""
    first = client.get(url, **kw)  # type: ignore[arg-type]
    hits = state.cache.hits
    second = client.get(url, **kw)  # type: ignore[arg-type]
    assert state.cache.hits == hits + 1, f"{url} was not served from the cache"
    assert second.content == first.content and second.status_code == first.status_code
    return second


def _setup(client: httpx.Client) -> tuple[str, list[str]]:
    pid = client.post(PROFILES, json=PROFILE_BODY).json()["id"]
    jids = []
    for _ in range(2):
        jid = client.post(JOBS, json={"templateId": "scim"}).json()["id"]
        assert client.post(f"{JOBS}/{jid}/start").status_code == 204
        jids.append(jid)
    assert client.post("/_sdssim/clock/advance", json={"seconds": 3600}).status_code == 200
    return pid, jids


def test_after_every_change_a_cached_answer_equals_a_fresh_one(served, sim) -> None:
    client, state = served
    pid, (j1, j2) = _setup(client)
    urls = [JOBS, f"{JOBS}/$count", f"{JOBS}/{j1}", f"{JOBS}/{j2}", f"{JOBS}/{j1}/schema",
            PROFILES, f"{PROFILES}/$count", f"{PROFILES}/{pid}", f"{PROFILES}/{pid}/profileStatus",
            f"{PROFILES}/{pid}/errors", f"{PROFILES}/{pid}/errors/$count",
            f"{JOBS}?$select=id,status&$top=1"]

    def advance_in_python() -> None:
        with state.lock:  # the Python API, beside the server (as a test harness may)
            sim.advance("PT25M")

    def pause_in_python() -> None:
        with state.lock:
            sim.pause_job(SP, j2)

    changes = [
        lambda: client.post("/_sdssim/clock/advance", json={"seconds": 1800}),
        lambda: client.patch(f"{JOBS}/{j1}", json={"schedule": {"interval": "PT20M"}}),
        lambda: client.post(f"{JOBS}/{j1}/pause"),
        lambda: client.post(f"{PROFILES}/{pid}/errors", json=ERROR_BODY),
        advance_in_python,
        lambda: client.post(f"{JOBS}/{j1}/start"),
        lambda: client.post(f"{JOBS}/{j1}/restart", json={"criteria": {"resetScope": "Full"}}),
        lambda: client.post(JOBS, json={"templateId": "scim"}),
        lambda: client.post(PROFILES, json=PROFILE_BODY),
        pause_in_python,
        lambda: client.post("/_sdssim/clock/advance", json={"duration": "P2D"}),
    ]
    for url in urls:  # everything kept before the first change
        _kept(client, state, url)
    for n, change in enumerate(changes):
        before = {url: client.get(url).content for url in urls}
        change()
        moved = 0
        for url in urls:
            kept = _kept(client, state, url)
            fresh = _fresh(client, state, url)
            assert kept.status_code == fresh.status_code == 200, (n, url, kept.text)
            assert kept.content == fresh.content, (n, url)
            moved += kept.content != before[url]
        assert moved, f"change {n} changed no answer: the test would prove nothing"
    assert state.cache.hits >= len(urls) * (len(changes) + 1)


def test_the_clock_moves_a_kept_job_list(served) -> None:
    client, state = served
    _setup(client)
    kept = _kept(client, state, JOBS).json()
    client.post("/_sdssim/clock/advance", json={"seconds": 40 * 60})
    later = client.get(JOBS).json()
    assert later != kept
    progress = [job["status"]["progress"][0]["progressObservationDateTime"]
                for job in later["value"]]
    assert progress == ["2026-09-01T09:40:00Z"] * 2


def test_a_deleted_job_leaves_the_kept_list_and_its_get_is_404(served) -> None:
    client, state = served
    _, (j1, j2) = _setup(client)
    assert [j["id"] for j in _kept(client, state, JOBS).json()["value"]] == [j1, j2]
    _kept(client, state, f"{JOBS}/{j2}")
    assert client.delete(f"{JOBS}/{j2}").status_code == 204
    assert [j["id"] for j in client.get(JOBS).json()["value"]] == [j1]
    assert client.get(f"{JOBS}/$count").text == "1"
    assert_graph_error(client.get(f"{JOBS}/{j2}"), 404)


def test_a_throttle_fault_refuses_a_request_whose_answer_was_kept(served) -> None:
    client, state = served
    pid, _ = _setup(client)
    url = f"{PROFILES}/{pid}"
    kept = _kept(client, state, url)
    fault = client.post("/_sdssim/faults", json={"kind": "throttle", "requests": 2,
                                                 "retry_after": 7})
    assert fault.status_code == 201, fault.text
    for _ in range(2):  # the engine counts each one: nothing is answered from the cache
        refused = client.get(url)
        assert_graph_error(refused, 429, "TooManyRequests")
        assert refused.headers["retry-after"] == "7"
    assert client.get(url).content == kept.content
    _kept(client, state, url)  # the fault is used up: answers are kept again


def test_prefer_host_and_query_each_have_their_own_answer(served) -> None:
    client, state = served
    _setup(client)
    plain = _kept(client, state, JOBS)
    assert "preference-applied" not in plain.headers
    small = _kept(client, state, JOBS, headers={"Prefer": "odata.maxpagesize=1"})
    assert small.headers["preference-applied"] == "odata.maxpagesize=1"
    assert len(small.json()["value"]) == 1 and "@odata.nextLink" in small.json()
    other_host = _kept(client, state, JOBS, headers={"Host": "localhost"})
    assert other_host.json()["@odata.context"].startswith("http://localhost/v1.0/")
    assert plain.json()["@odata.context"].startswith(str(client.base_url))
    top = _kept(client, state, JOBS, params={"$top": "1"})
    assert len(top.json()["value"]) == 1 and len(plain.json()["value"]) == 2
    # the request log still records every request, kept answers included
    log = client.get("/_sdssim/requests").json()["value"]
    gets = [e for e in log if e["method"] == "GET"]
    assert len(gets) == 8 and all(e["status"] == 200 for e in gets)
    # two answers of one item per page (Prefer), two of $top=1: each logged with its nextLink
    assert [bool(e["nextLink"]) for e in gets] == [False, False, True, True, False, False,
                                                   True, True]
    assert len({e["requestId"] for e in log}) == len(log)


def test_restoring_a_checkpoint_replaces_every_kept_answer(served) -> None:
    client, state = served
    _setup(client)
    at_start = _kept(client, state, JOBS).content
    checkpoint = client.post("/_sdssim/checkpoints", headers=JSON_CT).json()["id"]
    client.post(JOBS, json={"templateId": "scim"})
    client.post("/_sdssim/clock/advance", json={"duration": "PT6H"})
    later = _kept(client, state, JOBS).content
    assert later != at_start
    restored = client.post(f"/_sdssim/checkpoints/{checkpoint}/restore", headers=JSON_CT)
    assert restored.status_code == 200
    assert _kept(client, state, JOBS).content == at_start


def test_a_realtime_clock_moves_kept_answers_with_the_wall_clock() -> None:
    wall = [1000.0]
    sim = Simulation(seed=5)
    app = create_app(sim, clock=ServerClock("realtime", speed=60, monotonic=lambda: wall[0]))
    state = app.state.sdssim
    with running_server(app) as url, httpx.Client(base_url=url, headers=AUTH) as client:
        jid = client.post(JOBS, json={"templateId": "scim"}).json()["id"]
        client.post(f"{JOBS}/{jid}/start")
        wall[0] += 60  # one wall minute is an hour of virtual time
        kept = _kept(client, state, f"{JOBS}/{jid}").json()
        wall[0] += 30
        later = client.get(f"{JOBS}/{jid}").json()
    observed = [doc["status"]["progress"][0]["progressObservationDateTime"]
                for doc in (kept, later)]
    assert observed == ["2026-09-01T09:00:00Z", "2026-09-01T09:30:00Z"]


def test_nothing_is_kept_while_a_request_fault_can_refuse_a_request() -> None:
    # the fingerprint moves with every fault's remaining requests as well; this guard holds
    # even if it did not: while a request fault is active, every request reaches the engine
    sim = Simulation(seed=2)
    cache = ResponseCache()
    assert cache.version(sim) is not None
    sim.add_fault("throttle", requests=2, at="2026-09-01T09:00:00Z")
    assert cache.version(sim) is not None  # not started yet
    sim.advance("PT1H")
    assert cache.version(sim) is None
    for _ in range(2):
        with pytest.raises(Throttled):
            sim.list_profiles()
    assert cache.version(sim) is not None  # used up
    sim.add_fault("unavailable", requests=1, duration="PT1M")
    assert cache.version(sim) is None
    sim.advance("PT1M")
    assert cache.version(sim) is not None  # ended with a request left


def test_the_cache_keeps_at_most_its_entries_and_bytes() -> None:
    sim = Simulation(seed=2)
    cache = ResponseCache(max_entries=3, max_bytes=100)

    class Ctx:
        preference_applied: list[str] = []
        next_link = None

    for n in range(5):
        cache.put(("k", n), sim, Response(b"x" * 30), Ctx())
    assert [k for k in cache._entries] == [("k", 2), ("k", 3), ("k", 4)]
    cache.put(("big",), sim, Response(b"y" * 60), Ctx())
    assert list(cache._entries) == [("k", 4), ("big",)] and cache._bytes == 90
    cache.put(("huge",), sim, Response(b"z" * 101), Ctx())
    assert ("huge",) not in cache._entries
    cache.put(("error",), sim, Response(b"e", status_code=404), Ctx())
    assert cache.get(("error",), sim) is None
    got = cache.get(("big",), sim)
    assert got is not None and got.response().body == b"y" * 60
    cache.invalidate()
    assert cache.get(("big",), sim) is None and cache._bytes == 0
