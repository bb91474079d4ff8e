"""Load test of ``sdssim serve``: concurrent clients on loopback, no errors, no lost state.

    .venv/bin/python benchmarks/server_load.py                  # 50 clients, 10,000 requests
    .venv/bin/python benchmarks/server_load.py --clients 10 --requests 1000 --json out.json

The server runs in its own process (``python -m sdssim.server.serve`` on a free
port, access log off) so that client and server do not share a GIL.  Every
client is an ``httpx.AsyncClient`` with keep-alive, all on one event loop; each
sends its share of the requests back to back, a mix of

* 50 % ``POST …/errors`` (each with a unique ``joiningValue``),
* 25 % ``GET …/profileStatus``,
* 15 % ``GET …/errors?$top=50`` (first page),
* 10 % ``GET …/synchronizationProfiles/{id}``.

Afterwards it checks that every answer was a 2xx, that ``errors/$count`` equals
the number of POSTs and that paging through all errors yields each
``joiningValue`` exactly once.  It prints p50/p90/p99/max latency and
requests/s (``--json PATH`` also writes them).  Exit status 1 if a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time

import httpx

AUTH = {"Authorization": "Bearer load"}
PROFILES = "/beta/education/synchronizationProfiles"
PROFILE_BODY = {
    "displayName": "Load test",
    "dataProvider": {"@odata.type": "#microsoft.graph.educationCsvDataProvider"},
    "identitySynchronizationConfiguration": {
        "@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration",
        "userDomains": [{"appliesTo": "student", "name": "school.edu"}],
    },
    "licensesToAssign": [],
}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(port: int) -> subprocess.Popen:
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdssim.server.serve", "--port", str(port), "--seed", "1",
         "--page-size", "999", "--log-level", "warning"],
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/_sdssim/clock", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def _plan(i: int) -> str:
    slot = i % 20
    if slot < 10:
        return "post"
    if slot < 15:
        return "status"
    if slot < 18:
        return "errors"
    return "profile"


async def _client(base: str, n: int, count: int, pid: str, latencies: list[float],
                  failures: list[str]) -> int:
    posts = 0
    async with httpx.AsyncClient(base_url=base, headers=AUTH, timeout=60) as c:
        for i in range(count):
            kind = _plan(i + n)
            start = time.perf_counter()
            if kind == "post":
                r = await c.post(f"{PROFILES}/{pid}/errors", json={
                    "entryType": "student", "errorCode": "UnmatchedEntry",
                    "errorMessage": "load", "joiningValue": f"{n}-{i}"})
                posts += 1
            elif kind == "status":
                r = await c.get(f"{PROFILES}/{pid}/profileStatus")
            elif kind == "errors":
                r = await c.get(f"{PROFILES}/{pid}/errors", params={"$top": "50"})
            else:
                r = await c.get(f"{PROFILES}/{pid}")
            latencies.append(time.perf_counter() - start)
            if not 200 <= r.status_code < 300:
                failures.append(f"{kind}: {r.status_code} {r.text[:200]}")
    return posts


async def _run(base: str, clients: int, total: int) -> dict:
    async with httpx.AsyncClient(base_url=base, headers=AUTH, timeout=60) as c:
        pid = (await c.post(PROFILES, json=PROFILE_BODY)).json()["id"]
    shares = [total // clients + (1 if n < total % clients else 0) for n in range(clients)]
    latencies: list[float] = []
    failures: list[str] = []
    start = time.perf_counter()
    posts = await asyncio.gather(*(
        _client(base, n, shares[n], pid, latencies, failures) for n in range(clients)))
    elapsed = time.perf_counter() - start
    expected = {f"{n}-{i}" for n in range(clients) for i in range(shares[n])
                if _plan(i + n) == "post"}
    async with httpx.AsyncClient(base_url=base, headers=AUTH, timeout=60) as c:
        counted = int((await c.get(f"{PROFILES}/{pid}/errors/$count")).text)
        seen: list[str] = []
        page = (await c.get(f"{PROFILES}/{pid}/errors")).json()
        seen += [e["joiningValue"] for e in page["value"]]
        while "@odata.nextLink" in page:
            page = (await c.get(page["@odata.nextLink"])).json()
            seen += [e["joiningValue"] for e in page["value"]]
    lat = sorted(latencies)

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2)

    return {
        "clients": clients,
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "requestsPerSecond": round(len(latencies) / elapsed, 1),
        "latencyMs": {"p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99),
                      "max": round(lat[-1] * 1000, 2),
                      "mean": round(statistics.fmean(lat) * 1000, 2)},
        "non2xx": len(failures),
        "firstFailures": failures[:5],
        "posted": sum(posts),
        "errorCount": counted,
        "lost": len(expected - set(seen)),
        "duplicated": len(seen) - len(set(seen)),
        "ok": not failures and counted == sum(posts) == len(expected)
        and set(seen) == expected and len(seen) == len(set(seen)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--url", default=None, help="use a running server instead of starting one")
    parser.add_argument("--json", dest="json_path", default=None, metavar="PATH")
    args = parser.parse_args(argv)
    proc = None
    base = args.url
    if base is None:
        port = _free_port()
        proc = _start_server(port)
        base = f"http://127.0.0.1:{port}"
    try:
        result = asyncio.run(_run(base, args.clients, args.requests))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    lat = result["latencyMs"]
    print(f"{result['requests']} requests from {result['clients']} clients in "
          f"{result['seconds']} s: {result['requestsPerSecond']} req/s")
    print(f"latency ms: p50 {lat['p50']}  p90 {lat['p90']}  p99 {lat['p99']}  max {lat['max']}")
    print(f"non-2xx: {result['non2xx']}  errors posted {result['posted']}, counted "
          f"{result['errorCount']}, lost {result['lost']}, duplicated {result['duplicated']}")
    print("OK" if result["ok"] else "FAILED")
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
