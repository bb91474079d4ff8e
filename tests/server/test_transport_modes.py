"""One client script over http, --tls and --proxy: the same answers, log and scorecard."""

from __future__ import annotations

import time
from contextlib import contextmanager

import httpx

from sdssim.engine import Simulation
from sdssim.server.testing import running_server

from .conftest import AUTH
from .secure import secure_server

JOBS = "/v1.0/servicePrincipals/sp-1/synchronization/jobs"


@contextmanager
def _mode(mode: str, tmp_path):
    """``(graph client, control client, graph origin)`` for one serving mode."""
    sim = Simulation(seed=11)
    if mode == "http":
        with running_server(sim, page_size=2) as url, \
                httpx.Client(base_url=url, headers=AUTH, trust_env=False, timeout=30) as c:
            yield c, c, url
        return
    with secure_server(mode, tmp_path / mode, sim, page_size=2) as server:
        ca = server.ca.client_context()
        proxy = server.base_url if mode == "proxy" else None
        origin = "https://graph.microsoft.com" if mode == "proxy" else server.base_url
        with httpx.Client(base_url=origin, headers=AUTH, verify=ca, proxy=proxy,
                          trust_env=False, timeout=30) as graph, \
                httpx.Client(base_url=server.base_url, verify=ca, trust_env=False,
                             timeout=30) as control:
            yield graph, control, origin


def _script(graph: httpx.Client, control: httpx.Client, origin: str) -> dict:
    for _ in range(5):
        assert graph.post(JOBS, json={"templateId": "scim"}).status_code == 201
    pages, url = [], JOBS
    while url:
        doc = graph.get(url).json()
        pages.append([j["id"] for j in doc["value"]])
        url = doc.get("@odata.nextLink")
        assert url is None or url.startswith(origin + "/v1.0/")
    assert control.post("/_sdssim/faults", json={"kind": "throttle", "requests": 1,
                                                 "retryAfterSeconds": 1}).status_code == 201
    one = f"{JOBS}/{pages[0][0]}"
    throttled = graph.get(one, headers={"client-request-id": "c-1"})
    retry_after = int(throttled.headers["retry-after"])
    time.sleep(retry_after)
    retried = graph.get(one, headers={"client-request-id": "c-1", "Retry-Attempt": "1"})
    assert control.post("/_sdssim/clock/advance", json={"seconds": 3600}).status_code == 200
    log = control.get("/_sdssim/requests").json()["value"]
    card = control.get("/_sdssim/scorecard").json()
    return {
        "pages": pages,
        "statuses": [throttled.status_code, retried.status_code],
        "log": [(e["method"], e["path"], e["query"], e["status"], e["retryAttempt"],
                 e["requestId"], e["nextLink"] and e["nextLink"].replace(origin, "ORIGIN"))
                for e in log],
        "checks": {name: check["result"] for name, check in card["checks"].items()},
        "clock": control.get("/_sdssim/clock").json()["now"],
        "events": control.get("/_sdssim/events").text,
    }


def test_http_tls_and_proxy_give_the_same_answers_log_and_scorecard(tmp_path) -> None:
    results = {}
    for mode in ("http", "tls", "proxy"):
        with _mode(mode, tmp_path) as (graph, control, origin):
            results[mode] = _script(graph, control, origin)
    http = results["http"]
    assert http["statuses"] == [429, 200]
    assert [len(p) for p in http["pages"]] == [2, 2, 1]
    assert http["checks"]["retryAfter"] == "pass" and http["checks"]["paging"] == "pass"
    assert len(http["log"]) == 10
    assert results["tls"] == http
    assert results["proxy"] == http
