"""Hostile HTTP: strict numbers, body and $filter limits, a guarded control plane, bounded
memory and long advances that let other clients in.  Real sockets, real httpx clients."""

from __future__ import annotations

import json
import threading

import httpx
import pytest
from click.testing import CliRunner

from sdssim.engine import Simulation
from sdssim.server.app import create_app
from sdssim.server.guards import MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, ascii_int
from sdssim.server.retention import RecordBuffer
from sdssim.server.serve import UnsafeBind, check_bind
from sdssim.server.testing import running_server

from .conftest import AUTH, PROFILE_BODY

PROFILES = "/beta/education/synchronizationProfiles"
JOBS = "/v1.0/servicePrincipals/sp/synchronization/jobs"


def _graph_error(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()["error"]


@pytest.mark.parametrize("text, number", [
    ("0", 0), ("42", 42), ("²", None), ("①", None), ("٣", None), ("1" * 5000, None),
    ("", None), ("-1", None), ("+1", None), (" 1", None), ("1.0", None), (None, None),
])
def test_ascii_int_takes_ascii_digits_only(text, number):
    assert ascii_int(text) == number


@pytest.mark.parametrize("value", ["1" * 5000, "²", "①", "-3", "x"])
def test_a_bad_retry_attempt_header_neither_fails_nor_duplicates(client, value):
    response = client.post(PROFILES, json=PROFILE_BODY,
                           headers={"Retry-Attempt": value.encode("latin-1", "replace")
                                    if value != "①" else value.encode()})
    assert response.status_code == 201, response.text
    assert len(client.get(PROFILES).json()["value"]) == 1
    entry = client.get("/_sdssim/requests").json()["value"][0]
    assert entry["retryAttempt"] is None and entry["status"] == 201


def test_a_good_retry_attempt_header_is_logged(client):
    client.get(PROFILES, headers={"Retry-Attempt": "2"})
    assert client.get("/_sdssim/requests").json()["value"][0]["retryAttempt"] == 2


@pytest.mark.parametrize("query", ["$top=²", "$skip=①", "$top=٣", "$top=" + "9" * 5000,
                                   "$skip=-1"])
def test_query_numbers_are_ascii_digits(client, query):
    error = _graph_error(client.get(f"{PROFILES}?{query}"), 400)
    assert "expected a non-negative integer" in error["message"]


@pytest.mark.parametrize("since", ["²", "①", "9" * 40, "-1"])
def test_events_since_is_ascii_digits(client, since):
    _graph_error(client.get(f"/_sdssim/events?since={since}"), 400)


@pytest.mark.parametrize("size", ["²", "①", "9" * 5000])
def test_a_strange_maxpagesize_preference_is_ignored(client, size):
    response = client.get(PROFILES, headers={"Prefer": f"odata.maxpagesize={size}".encode()})
    assert response.status_code == 200
    assert "Preference-Applied" not in response.headers


@pytest.mark.parametrize("text", [
    "(" * 1000 + "displayName eq 'x'" + ")" * 1000,
    "not " * 500 + "displayName eq 'x'",
    "(" * (MAX_FILTER_DEPTH + 1) + "displayName eq 'x'" + ")" * (MAX_FILTER_DEPTH + 1),
])
def test_deep_filters_are_400(client, text):
    error = _graph_error(client.get(PROFILES, params={"$filter": text}), 400)
    assert f"nested more than {MAX_FILTER_DEPTH} levels deep" in error["message"]


def test_a_filter_at_the_depth_limit_works(client):
    depth = MAX_FILTER_DEPTH - 1
    text = "(" * depth + "displayName eq 'x'" + ")" * depth
    assert client.get(PROFILES, params={"$filter": text}).status_code == 200


def test_long_filters_are_400(client):
    text = " or ".join(["displayName eq 'x'"] * 200)
    assert len(text) > MAX_FILTER_LENGTH
    error = _graph_error(client.get(PROFILES, params={"$filter": text}), 400)
    assert f"longer than {MAX_FILTER_LENGTH} characters" in error["message"]


def test_a_body_over_the_limit_is_413_and_changes_nothing():
    sim = Simulation(seed=1)
    with running_server(sim, max_body=10_000) as url, \
            httpx.Client(base_url=url, headers=AUTH, timeout=30) as c:
        big = {**PROFILE_BODY, "displayName": "x" * 20_000}
        error = _graph_error(c.post(PROFILES, json=big), 413)
        assert error["code"] == "requestEntityTooLarge" and "10,000 bytes" in error["message"]

        def chunks():  # no Content-Length: the stream itself is cut off
            for _ in range(100):
                yield b"x" * 1000

        _graph_error(c.post(PROFILES, content=chunks()), 413)
        assert sim.list_profiles() == []
        assert c.post(PROFILES, json=PROFILE_BODY).status_code == 201
        assert [e["status"] for e in c.get("/_sdssim/requests").json()["value"]] == \
            [413, 413, 201]


def test_the_token_guards_the_control_api_too():
    with running_server(Simulation(seed=1), token="s3cret") as url:
        error = _graph_error(httpx.get(url + "/_sdssim/clock"), 401)
        assert "control" in error["message"]
        ok = httpx.get(url + "/_sdssim/clock", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        _graph_error(httpx.get(url + "/_sdssim/requests",
                               headers={"Authorization": "Bearer wrong"}), 401)


def test_a_separate_control_token():
    with running_server(Simulation(seed=1), token="graph", control_token="ctl") as url:
        _graph_error(httpx.get(url + "/_sdssim/clock", headers={"Authorization": "Bearer graph"}),
                     401)
        assert httpx.get(url + "/_sdssim/clock",
                         headers={"Authorization": "Bearer ctl"}).status_code == 200
        assert httpx.get(url + PROFILES,
                         headers={"Authorization": "Bearer graph"}).status_code == 200
        _graph_error(httpx.get(url + PROFILES, headers={"Authorization": "Bearer ctl"}), 401)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.evil.example"])
def test_a_foreign_host_header_is_refused_on_the_control_api(base_url, host):
    sim_before = httpx.get(base_url + "/_sdssim/clock").json()
    response = httpx.post(base_url + "/_sdssim/clock/advance", json={"seconds": 3600},
                          headers={"Host": host})
    error = _graph_error(response, 403)
    assert "Host" in error["message"]
    assert httpx.get(base_url + "/_sdssim/clock").json() == sim_before
    for good in ("localhost", "[::1]:80"):
        assert httpx.get(base_url + "/_sdssim/clock", headers={"Host": good}).status_code == 200


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", None])
def test_control_posts_need_json_content_type(base_url, ctype):
    headers = {"Content-Type": ctype} if ctype else {}
    body = json.dumps({"kind": "throttle", "requests": 5}).encode()
    response = httpx.post(base_url + "/_sdssim/faults", content=body, headers=headers)
    _graph_error(response, 415)
    assert httpx.get(base_url + "/_sdssim/faults").json()["value"] == []
    ok = httpx.post(base_url + "/_sdssim/faults", content=body,
                    headers={"Content-Type": "application/json; charset=utf-8"})
    assert ok.status_code == 201


def test_the_control_api_is_never_throttled(client):
    assert client.post("/_sdssim/faults", json={"kind": "throttle", "requests": 1,
                                                 "retryAfter": 7}).status_code == 201
    made = client.post("/_sdssim/jobs", json={"servicePrincipalId": "sp",
                                              "job": {"templateId": "t"}})
    assert made.status_code == 201, made.text
    # the throttle is still there for the next Graph call
    throttled = client.get(JOBS)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    assert client.get(JOBS).status_code == 200


def test_binding_beyond_loopback_needs_a_token_and_warns():
    assert check_bind("127.0.0.1", None, None) is None
    assert check_bind("::1", None, None) is None
    assert check_bind("localhost", None, None) is None
    with pytest.raises(UnsafeBind, match="--token"):
        check_bind("0.0.0.0", None, None)
    assert "beyond loopback" in check_bind("0.0.0.0", "t", None)
    assert "beyond loopback" in check_bind("192.168.1.5", None, "c")
    from sdssim.cli import main

    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--port", "1"])
    assert result.exit_code == 2
    assert result.stderr.startswith("sdssim: error: --host 0.0.0.0 listens beyond this machine")


def test_records_beyond_the_retention_limit_are_dropped_and_said_so():
    buffer = RecordBuffer(50)
    sim = Simulation(seed=3, keep_records=False, on_record=buffer)
    with running_server(sim, records=buffer) as url, \
            httpx.Client(base_url=url, headers=AUTH, timeout=30) as c:
        for _ in range(20):
            assert c.post(PROFILES, json=PROFILE_BODY).status_code == 201
        c.post("/_sdssim/clock/advance", json={"seconds": 3600})
        assert len(buffer) == 50 and buffer.dropped > 0
        response = c.get("/_sdssim/events")
        lines = [json.loads(line) for line in response.text.splitlines()]
        first_kept = lines[1]["seq"]
        assert lines[0] == {"dropped": first_kept - 1, "limit": 50}
        assert response.headers["X-Sdssim-Records-Dropped"] == str(first_kept - 1)
        assert len(lines) == 51
        tail = c.get(f"/_sdssim/events?since={first_kept}")
        assert tail.headers["X-Sdssim-Records-Dropped"] == "0"
        assert [json.loads(x)["seq"] for x in tail.text.splitlines()] == \
            [r["seq"] for r in lines[2:]]


def test_the_request_log_keeps_the_latest_entries():
    with running_server(Simulation(seed=1), max_requests=5) as url, \
            httpx.Client(base_url=url, headers=AUTH, timeout=30) as c:
        for _ in range(8):
            c.get(PROFILES)
        log = c.get("/_sdssim/requests").json()
        assert [e["seq"] for e in log["value"]] == [4, 5, 6, 7, 8]
        assert log["dropped"] == 3


def _story(sim: Simulation) -> None:
    for i in range(5):
        job = sim.create_job("sp", {"templateId": "scim"}, objects={"User": 500 + i})
        sim.start_job("sp", job.id)


def test_a_sliced_advance_gives_the_same_records_as_one_advance():
    whole = Simulation(seed=5)
    _story(whole)
    whole.advance(30 * 86400)
    sliced = Simulation(seed=5)
    _story(sliced)
    with running_server(sliced, advance_slice=3600) as url:
        done = httpx.post(url + "/_sdssim/clock/advance", json={"duration": "P30D"}, timeout=120)
        assert done.status_code == 200
        assert done.json()["now"] == "2026-10-01T08:00:00Z"
    assert [r.to_json() for r in sliced.records()] == [r.to_json() for r in whole.records()]


def test_a_long_advance_lets_other_clients_in():
    sim = Simulation(seed=5)
    _story(sim)
    seen: list[str] = []
    with running_server(sim, advance_slice=600) as url:
        result: dict = {}

        def advance() -> None:
            result["r"] = httpx.post(url + "/_sdssim/clock/advance", json={"duration": "P60D"},
                                     timeout=300)

        thread = threading.Thread(target=advance)
        thread.start()
        with httpx.Client(base_url=url, timeout=60) as c:
            while thread.is_alive():
                seen.append(c.get("/_sdssim/clock").json()["now"])
        thread.join()
        assert result["r"].status_code == 200
    # answers came while the advance was still running: times strictly between start and end
    between = [t for t in seen if "2026-09-01T08:00:00Z" < t < "2026-10-31T08:00:00Z"]
    assert between, seen[:5]


def test_a_refused_advance_changes_nothing(client):
    before = client.get("/_sdssim/clock").json()
    for body in ({"seconds": 401 * 86400}, {"duration": "P99999999Y"},
                 {"until": "10000-01-01T00:00:00Z"}, {"seconds": float("nan")}):
        response = client.post("/_sdssim/clock/advance", content=json.dumps(body),
                               headers={"Content-Type": "application/json"})
        _graph_error(response, 400)
    assert client.get("/_sdssim/clock").json() == before


def test_an_unexpected_handler_error_is_graph_shaped(sim):
    app = create_app(sim)
    from sdssim.server import routing

    def broken(ctx):
        raise RuntimeError("boom")

    routing.route("GET", "broken-for-test", root="control")(broken)
    try:
        with running_server(app) as url:
            error = _graph_error(httpx.get(url + "/_sdssim/broken-for-test"), 500)
            assert error["code"] == "generalException" and "boom" not in error["message"]
    finally:
        routing.ROUTES[:] = [r for r in routing.ROUTES if r.pattern != ("broken-for-test",)]


@pytest.mark.parametrize("raw", [
    json.dumps({**PROFILE_BODY, "displayName": "\ud800"}),
    json.dumps({**PROFILE_BODY, "displayName": "a\udfffb"}),
    json.dumps(PROFILE_BODY)[:-1] + ', "x": NaN}',
    json.dumps(PROFILE_BODY)[:-1] + ', "x": -Infinity}',
])
def test_json_that_cannot_round_trip_is_400_before_anything_is_stored(client, sim, raw):
    response = client.post(PROFILES, content=raw.encode(),
                           headers={"Content-Type": "application/json"})
    error = _graph_error(response, 400)
    assert "Unable to read JSON request payload" in error["message"]
    assert sim.list_profiles() == []
