"""Pure helpers: $filter, query options, paging, Prefer, rate limit, clock driving, scorecard."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sdssim.engine import Simulation
from sdssim.errors import BadRequest
from sdssim.server.clock import ServerClock
from sdssim.server.control import fault_params
from sdssim.server.graph import ODataQuery, compile_filter, error_body, page, parse_prefer
from sdssim.server.scorecard import grade
from sdssim.server.throttling import RateLimit

DOCS = [
    {"id": "1", "errorCode": "UnmatchedEntry", "entryType": "student", "n": 3,
     "status": {"code": "Active"}},
    {"id": "2", "errorCode": "DuplicateTargetEntries", "entryType": "teacher", "n": 7,
     "status": {"code": "Quarantine"}},
    {"id": "3", "errorCode": "UnmatchedEntry", "entryType": "teacher", "n": None,
     "status": {"code": "Paused"}},
]
PROPS = frozenset({"id", "errorCode", "entryType", "n", "status"})


def _ids(expr: str) -> list[str]:
    pred = compile_filter(expr, PROPS)
    return [d["id"] for d in DOCS if pred(d)]


@pytest.mark.parametrize("expr, ids", [
    ("errorCode eq 'UnmatchedEntry'", ["1", "3"]),
    ("entryType eq 'TEACHER'", ["2", "3"]),
    ("entryType eq 'teacher' and errorCode eq 'UnmatchedEntry'", ["3"]),
    ("entryType eq 'student' or n gt 5", ["1", "2"]),
    ("not (entryType eq 'student')", ["2", "3"]),
    ("n ge 3 and n lt 7", ["1"]),
    ("n eq null", ["3"]),
    ("n ne null", ["1", "2"]),
    ("status/code eq 'Quarantine'", ["2"]),
    ("startswith(errorCode, 'dup')", ["2"]),
    ("contains(errorCode, 'match')", ["1", "3"]),
    ("endswith(entryType, 'ent')", ["1"]),
    ("errorCode eq 'It''s'", []),
])
def test_filter_expressions(expr: str, ids: list[str]) -> None:
    assert _ids(expr) == ids


@pytest.mark.parametrize("expr", [
    "", "errorCode", "errorCode eq", "eq 'x'", "(errorCode eq 'x'", "errorCode eq 'x')",
    "errorCode eq 'x' and", "errorCode like 'x'", "errorCode eq 'unterminated",
    "startswith(errorCode)", "startswith(errorCode, 3)", "missing eq 'x'", "a//b eq 1", "#",
])
def test_bad_filters_are_bad_requests(expr: str) -> None:
    with pytest.raises(BadRequest):
        compile_filter(expr, PROPS)


@given(st.text(max_size=60))
def test_any_filter_text_parses_or_is_a_bad_request(text: str) -> None:
    try:
        pred = compile_filter(text, PROPS)
    except BadRequest:
        return
    for doc in DOCS:
        assert pred(doc) in (True, False)


@given(st.lists(st.tuples(st.sampled_from(["$top", "$skip", "$count", "$filter", "$orderby",
                                           "$select", "$skiptoken", "$x", "plain", "$TOP"]),
                          st.text(max_size=12)), max_size=5))
def test_any_query_parses_pages_or_is_a_bad_request(params: list[tuple[str, str]]) -> None:
    try:
        query = ODataQuery(params)
        body = page(list(DOCS), query, url="http://h/x", page_size=2, properties=PROPS,
                    type_name="t", context="c")
    except BadRequest:
        return
    assert isinstance(body["value"], list) and len(body["value"]) <= 2


def test_page_writes_count_and_an_absolute_next_link() -> None:
    query = ODataQuery([("$count", "true"), ("$filter", "n ne null")])
    body = page(list(DOCS), query, url="http://h:1/beta/x", page_size=1, properties=PROPS,
                type_name="t", context="ctx")
    assert body["@odata.count"] == 2 and [d["id"] for d in body["value"]] == ["1"]
    link = body["@odata.nextLink"]
    assert link.startswith("http://h:1/beta/x?$count=true&$filter=n+ne+null&$skiptoken=")
    from urllib.parse import parse_qsl, urlsplit

    second = ODataQuery(parse_qsl(urlsplit(link).query))
    body2 = page(list(DOCS), second, url="http://h:1/beta/x", page_size=1, properties=PROPS,
                 type_name="t", context="ctx")
    assert [d["id"] for d in body2["value"]] == ["2"] and "@odata.nextLink" not in body2


def test_query_options_validation() -> None:
    with pytest.raises(BadRequest, match="more than once"):
        ODataQuery([("$top", "1"), ("$top", "2")])
    with pytest.raises(BadRequest, match="not supported"):
        ODataQuery([("$top", "1")], allowed={"$select"})
    assert ODataQuery([("other", "x"), ("$TOP", "3")]).top == 3


def test_prefer_and_error_body() -> None:
    assert parse_prefer(["include-unknown-enum-members, odata.maxpagesize=5",
                         'return=minimal; x=y']) == {
        "include-unknown-enum-members": None, "odata.maxpagesize": "5", "return": "minimal"}
    body = error_body("c", "m", date="d", request_id="r", client_request_id="cr")
    assert body == {"error": {"code": "c", "message": "m", "innerError": {
        "date": "d", "request-id": "r", "client-request-id": "cr"}}}


def test_rate_limit_sliding_window() -> None:
    limit = RateLimit.parse("2/10s")
    assert (limit.requests, limit.per_seconds) == (2, 10.0)
    assert limit.check(0.0) is None and limit.check(1.0) is None
    assert limit.check(2.0) == 8
    assert limit.check(10.5) is None  # the first slot freed at 10.0
    assert RateLimit.parse("100/1m").per_seconds == 60
    for bad in ("5", "x/10", "0/10", "5/0"):
        with pytest.raises(ValueError):
            RateLimit.parse(bad)


def test_server_clock_modes() -> None:
    wall = [0.0]
    sim = Simulation(seed=1)
    clock = ServerClock("realtime", speed=2, monotonic=lambda: wall[0])
    clock.attach(sim)
    wall[0] = 30
    clock.sync(sim)
    assert (sim.now - sim.start).total_seconds() == 60
    virtual = ServerClock("virtual", monotonic=lambda: wall[0])
    wall[0] = 1000
    virtual.sync(sim)
    assert (sim.now - sim.start).total_seconds() == 60
    assert virtual.wall() == 970
    with pytest.raises(ValueError):
        ServerClock("sundial")
    with pytest.raises(ValueError):
        ServerClock("realtime", speed=0)


def test_fault_params_rename_camel_case() -> None:
    assert fault_params({"kind": "throttle", "requests": 2, "retryAfterSeconds": 5}) == (
        "throttle", {"requests": 2, "retry_after": 5})
    assert fault_params({"kind": "throttling", "slowdown": 2, "at": "t"})[1] == {
        "slowdown": 2, "at": "t"}
    with pytest.raises(BadRequest):
        fault_params({"kind": "throttle", "retry-after": 1})


def _entry(seq: int, wall: float, status: int = 200, method: str = "GET",
           path: str = "/beta/x", **extra: object) -> dict:
    return {"seq": seq, "time": "2026-09-01T08:00:00Z", "wall": wall, "method": method,
            "path": path, "query": "", "status": status, "retryAttempt": None,
            "clientRequestId": None, "retryAfter": None, "nextLink": None,
            "bodyDigest": None, **extra}


def test_scorecard_of_a_careful_client() -> None:
    log = [
        _entry(1, 0.0, 429, retryAfter=2),
        _entry(2, 2.1, retryAttempt=1),
        _entry(3, 3.0, path="/beta/y", nextLink="http://h/beta/y?$skiptoken=abc"),
        _entry(4, 3.1, path="/beta/y", query="$skiptoken=abc"),
        _entry(5, 4.0, 404, path="/beta/gone"),
    ]
    card = grade(log)
    assert card["checks"]["retryAfter"] == {"result": "pass", "throttled": 1, "retried": 1,
                                            "honoured": 1, "tooEarly": []}
    assert card["checks"]["paging"]["result"] == "pass"
    assert card["checks"]["nonRetryableRetries"]["result"] == "pass"
    assert card["passed"] == 3 and card["failed"] == 0


def test_scorecard_matches_retries_by_client_request_id() -> None:
    log = [
        _entry(1, 0.0, 429, retryAfter=5, clientRequestId="a"),
        _entry(2, 0.5, clientRequestId="b"),
        _entry(3, 1.0, clientRequestId="a"),
    ]
    card = grade(log)
    assert card["checks"]["retryAfter"]["tooEarly"] == [
        {"seq": 3, "after": 1, "retryAfter": 5, "waited": 1.0}]
