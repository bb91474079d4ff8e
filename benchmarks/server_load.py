"""Load on ``sdssim serve`` against a bare Starlette app serving the same bytes, like for like.

    .venv/bin/python benchmarks/server_load.py --quick              # ~30 s: 5 runs x 1,000 requests
    .venv/bin/python benchmarks/server_load.py --json out.json      # 7 runs x 4,000 requests

Two server processes run side by side on free loopback ports, both under
uvicorn with the same settings (``loop`` and ``http`` "auto": uvloop and
httptools when installed, as ``sdssim serve`` uses them):

* **sdssim**: ``python -m sdssim.server.serve``, preloaded over HTTP with one
  education profile and ``--jobs`` (10) provisioning jobs on one service
  principal, all started, then the clock advanced 3 hours (so every job has
  executions, progress and status to render);
* **bare**: a Starlette app with two routes that answer the exact bytes sdssim
  answered for the same two requests (fetched once, before the runs).

Three workloads of GETs sent by ``--clients`` (50) concurrent raw-asyncio
keep-alive clients on one event loop in this process:

* ``job_list``: ``--requests`` times ``GET /v1.0/servicePrincipals/{id}/synchronization/jobs``;
* ``profile_get``: ``--requests`` times ``GET /beta/education/synchronizationProfiles/{id}``;
* ``job_list_uncached``: a quarter as many job lists, each with a query parameter of
  its own (``?n=…``, which the handler ignores: same bytes), so sdssim's response
  cache never answers and every request renders the jobs in the engine — the
  cost of the first read after any change, and of every read under
  ``--clock realtime``, where each request sees a new ``now``.

Each run measures both servers on both workloads, the servers taking turns
(sdssim, bare, sdssim, bare, …) so that machine noise falls on both alike.
Per run and workload it records

* **CPU ms per request**: the server process's user + system CPU time
  (``/proc/<pid>/stat``, every thread) over the run, divided by the requests;
* **req/s**: requests divided by the wall time from the first request sent to
  the last answer read (connections are opened before the clock starts);
* **p50/p99 latency**: per request, from writing it to reading its whole body.

The report gives the median over runs and the min–max, and the load average
(the machine is shared: read the spread).  Every answer must be a 200 with the
expected length, or the script exits 1.  Afterwards an **integrity check**
drives sdssim with a mix of writes and reads from the same 50 clients
(50 % ``POST …/errors`` with unique ``joiningValue``, 25 % ``profileStatus``,
15 % ``errors?$top=50``, 10 % profile get) and fails unless every answer was
2xx, ``errors/$count`` equals the number of POSTs and paging through the
errors yields each ``joiningValue`` exactly once (no lost or duplicated state).

``--json PATH`` writes the medians as ``server_cpu_ms_per_request_job_list``,
``server_cpu_ms_per_request_profile_get``, ``server_cpu_ms_per_request_job_list_uncached``,
``server_req_per_s_50_clients``, ``server_p99_ms_50_clients`` (the job list; the
``…_profile_get`` and ``…_uncached`` keys have the others) and the same ``bare_…``
keys, the spread (min–max) of each, and every run's figures under ``runs``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import httpx

AUTH = "Bearer load"
PROFILES = "/beta/education/synchronizationProfiles"
SP = "sp-load"
JOBS = f"/v1.0/servicePrincipals/{SP}/synchronization/jobs"
PROFILE_BODY = {
    "displayName": "Load test",
    "dataProvider": {"@odata.type": "#microsoft.graph.educationCsvDataProvider"},
    "identitySynchronizationConfiguration": {
        "@odata.type": "#microsoft.graph.educationIdentityCreationConfiguration",
        "userDomains": [{"appliesTo": "student", "name": "school.edu"}],
    },
    "licensesToAssign": [],
}
#: workload -> (which request, a distinct query string per request: no answer from a cache)
WORKLOADS = {"job_list": ("job_list", False), "profile_get": ("profile_get", False),
             "job_list_uncached": ("job_list", True)}
#: the share of --requests the uncached workload sends (it costs the engine's rendering)
UNCACHED_SHARE = 4
SERVERS = ("sdssim", "bare")
#: targets from issue 18 (sdssim's server, this benchmark's figures)
TARGET_CPU_MS = 0.5
TARGET_REQ_PER_S = 1000
TARGET_P99_MS = 100


# --------------------------------------------------------------------------- processes


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _wait_ready(proc: subprocess.Popen, port: int, what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise SystemExit(f"the {what} server did not start") from None
            time.sleep(0.05)


def _start_sdssim(port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdssim.server.serve", "--port", str(port), "--seed", "1",
         "--log-level", "warning"], env=_env())
    _wait_ready(proc, port, "sdssim")
    return proc


def _start_bare(port: int, bodies: dict[str, bytes]) -> tuple[subprocess.Popen, str]:
    fd, path = tempfile.mkstemp(prefix="sdssim-bare-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({p: b.decode("utf-8") for p, b in bodies.items()}, fh)
    proc = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--serve-bare", path, "--port", str(port)],
        env=_env())
    _wait_ready(proc, port, "bare Starlette")
    return proc, path


def serve_bare(bodies_path: str, port: int) -> None:
    """The baseline: Starlette answering fixed bytes per path, under the same uvicorn settings."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    with open(bodies_path, encoding="utf-8") as fh:
        bodies = {p: b.encode("utf-8") for p, b in json.load(fh).items()}

    def answer(body: bytes) -> Callable[[Any], Any]:
        async def endpoint(request: Any) -> Response:
            return Response(body, media_type="application/json")
        return endpoint

    app = Starlette(routes=[Route(p, answer(b)) for p, b in bodies.items()])
    # the settings sdssim serve --log-level warning gives uvicorn (no access log below info)
    uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                  lifespan="off", access_log=False)).run()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads), from ``/proc``."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- raw client


def _request(port: int, method: str, target: str, body: bytes | None = None) -> bytes:
    head = (f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: {AUTH}\r\n"
            "Accept: application/json\r\n")
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return (head + "\r\n").encode("ascii") + (body or b"")


async def _connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return reader, writer


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    request: bytes) -> tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
            break
    return status, await reader.readexactly(length) if length else b""


async def _load(port: int, requests: list[bytes], clients: int, expect_len: int | None
                ) -> tuple[float, list[float], list[str], list[bytes]]:
    """Send ``requests`` round-robin over ``clients`` connections; (seconds, latencies, ...)."""
    conns = await asyncio.gather(*(_connect(port) for _ in range(clients)))
    shares = [requests[n::clients] for n in range(clients)]
    latencies: list[float] = []
    failures: list[str] = []
    bodies: list[bytes] = []

    async def run(n: int) -> None:
        reader, writer = conns[n]
        for req in shares[n]:
            start = time.perf_counter()
            status, body = await _exchange(reader, writer, req)
            latencies.append(time.perf_counter() - start)
            if not 200 <= status < 300 or (expect_len is not None and len(body) != expect_len):
                failures.append(f"{status} ({len(body)} bytes) {body[:200]!r}")
            elif expect_len is None:
                bodies.append(body)

    start = time.perf_counter()
    await asyncio.gather(*(run(n) for n in range(clients)))
    elapsed = time.perf_counter() - start
    for _, writer in conns:
        writer.close()
    return elapsed, latencies, failures, bodies


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


_unique = itertools.count()


def measure(pid: int, port: int, target: str, expect_len: int, requests: int,
            clients: int, *, distinct: bool = False) -> dict:
    """One run of one workload against one server.

    ``distinct``: every request carries a query parameter of its own (``?n=…``, which
    Graph handlers ignore), so no answer can come from sdssim's response cache.
    """
    if distinct:
        batch = [_request(port, "GET", f"{target}?n={next(_unique)}") for _ in range(requests)]
    else:
        batch = [_request(port, "GET", target)] * requests
    cpu0 = _cpu_seconds(pid)
    own0 = time.process_time()
    elapsed, lat, failures, _ = asyncio.run(_load(port, batch, clients, expect_len))
    cpu = _cpu_seconds(pid) - cpu0
    own = time.process_time() - own0
    if failures:
        raise SystemExit(f"FAILED: {len(failures)} bad answers from {target}: {failures[0]}")
    return {"cpu_ms_per_request": cpu * 1000 / requests,
            "client_cpu_ms_per_request": own * 1000 / requests,
            "req_per_s": requests / elapsed,
            "p50_ms": _percentile(lat, 0.50) * 1000, "p99_ms": _percentile(lat, 0.99) * 1000}


# --------------------------------------------------------------------------- setup and check


def _preload(base: str, jobs: int) -> dict[str, str]:
    """Create the profile and jobs, start them, advance 3 h; the two workloads' targets."""
    with httpx.Client(base_url=base, headers={"Authorization": AUTH}, timeout=60) as c:
        pid = c.post(PROFILES, json=PROFILE_BODY).raise_for_status().json()["id"]
        for _ in range(jobs):
            jid = c.post(JOBS, json={"templateId": "scim"}).raise_for_status().json()["id"]
            c.post(f"{JOBS}/{jid}/start").raise_for_status()
        c.post("/_sdssim/clock/advance", json={"seconds": 3 * 3600}).raise_for_status()
    return {"job_list": JOBS, "profile_get": f"{PROFILES}/{pid}"}


def _plan(i: int) -> str:
    slot = i % 20
    return "post" if slot < 10 else "status" if slot < 15 else "errors" if slot < 18 else "get"


def integrity_check(port: int, base: str, profile: str, clients: int, total: int) -> dict:
    """The mixed read/write load; fails on any non-2xx, lost or duplicated error."""
    reqs, expected = [], set()
    for i in range(total):
        kind = _plan(i)
        if kind == "post":
            expected.add(f"v-{i}")
            body = json.dumps({"entryType": "student", "errorCode": "UnmatchedEntry",
                               "errorMessage": "load", "joiningValue": f"v-{i}"}).encode()
            reqs.append(_request(port, "POST", f"{profile}/errors", body))
        else:
            target = {"status": f"{profile}/profileStatus", "get": profile,
                      "errors": f"{profile}/errors?$top=50"}[kind]
            reqs.append(_request(port, "GET", target))
    elapsed, lat, failures, _ = asyncio.run(_load(port, reqs, clients, None))
    with httpx.Client(base_url=base, headers={"Authorization": AUTH}, timeout=60) as c:
        counted = int(c.get(f"{profile}/errors/$count").text)
        seen: list[str] = []
        page = c.get(f"{profile}/errors").json()
        seen += [e["joiningValue"] for e in page["value"]]
        while "@odata.nextLink" in page:
            page = c.get(page["@odata.nextLink"]).json()
            seen += [e["joiningValue"] for e in page["value"]]
    ok = not failures and counted == len(expected) and set(seen) == expected \
        and len(seen) == len(set(seen))
    return {"requests": total, "req_per_s": round(total / elapsed, 1),
            "p99_ms": round(_percentile(lat, 0.99) * 1000, 2), "non2xx": len(failures),
            "first_failures": failures[:3], "posted": len(expected), "counted": counted,
            "lost": len(expected - set(seen)), "duplicated": len(seen) - len(set(seen)),
            "ok": ok}


# --------------------------------------------------------------------------- report


def _summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def _fmt(s: dict, digits: int) -> str:
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}-{s['max']:.{digits}f})"


def _stack() -> dict:
    import starlette
    import uvicorn

    out = {"python": platform.python_version(), "uvicorn": uvicorn.__version__,
           "starlette": starlette.__version__, "cpus": os.cpu_count()}
    for name in ("uvloop", "httptools"):
        try:
            out[name] = __import__(name).__version__
        except ImportError:
            out[name] = None
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="5 runs x 1,000 requests, integrity check of 1,000 (well under 1 min)")
    parser.add_argument("--runs", type=int, default=None, help="runs (default 7; quick 5)")
    parser.add_argument("--requests", type=int, default=None,
                        help="requests per run and workload (default 4,000; quick 1,000)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=10)
    parser.add_argument("--check-requests", type=int, default=None,
                        help="requests of the integrity check (default 10,000; quick 1,000; "
                             "0 skips it)")
    parser.add_argument("--json", dest="json_path", default=None, metavar="PATH")
    parser.add_argument("--serve-bare", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_bare:
        serve_bare(args.serve_bare, args.port)
        return 0
    runs = args.runs or (5 if args.quick else 7)
    requests = args.requests or (1000 if args.quick else 4000)
    check = args.check_requests if args.check_requests is not None else (
        1000 if args.quick else 10_000)
    load_before = os.getloadavg()
    ports = {"sdssim": _free_port()}
    procs = {"sdssim": _start_sdssim(ports["sdssim"])}
    bare_file = None
    try:
        base = f"http://127.0.0.1:{ports['sdssim']}"
        targets = _preload(base, args.jobs)
        with httpx.Client(base_url=base, headers={"Authorization": AUTH}) as c:
            bodies = {w: c.get(t).raise_for_status().content for w, t in targets.items()}
        ports["bare"] = _free_port()
        procs["bare"], bare_file = _start_bare(ports["bare"],
                                               {targets[w]: bodies[w] for w in targets})

        def one(server: str, workload: str, n: int) -> dict:
            which, distinct = WORKLOADS[workload]
            if distinct:
                n = max(args.clients, n // UNCACHED_SHARE)
            return measure(procs[server].pid, ports[server], targets[which],
                           len(bodies[which]), n, args.clients, distinct=distinct)

        stack = _stack()
        print(f"{runs} runs x {requests} requests, {args.clients} clients, {args.jobs} jobs; "
              f"job list {len(bodies['job_list'])} B, profile {len(bodies['profile_get'])} B; "
              f"uvloop {stack['uvloop']}, httptools {stack['httptools']}; "
              f"load average {load_before[0]:.2f}", flush=True)
        results: dict[str, dict[str, list[dict]]] = {s: {w: [] for w in WORKLOADS}
                                                     for s in SERVERS}
        for _ in range(2):  # warm-up: imports, first connections, caches
            for server in SERVERS:
                for w in WORKLOADS:
                    one(server, w, min(requests, 500))
        for run in range(runs):
            for w in WORKLOADS:
                for server in SERVERS:  # A B A B: the servers take turns
                    results[server][w].append(one(server, w, requests))
            r = {s: results[s]["job_list"][-1] for s in SERVERS}
            print(f"run {run + 1}: job list CPU ms/request sdssim "
                  f"{r['sdssim']['cpu_ms_per_request']:.3f}, bare "
                  f"{r['bare']['cpu_ms_per_request']:.3f}", flush=True)
        integrity = (integrity_check(ports["sdssim"], base, targets["profile_get"],
                                     args.clients, check) if check else None)
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        if bare_file is not None:
            os.unlink(bare_file)
    load_after = os.getloadavg()
    out: dict[str, Any] = {}
    print(f"\nmedian (min-max) over {runs} runs, {args.clients} concurrent clients:")
    print(f"{'':8} {'workload':18} {'CPU ms/req':>20} {'req/s':>22} {'p50 ms':>18} "
          f"{'p99 ms':>18} {'client CPU ms/req':>18}")
    for server in SERVERS:
        prefix = "server" if server == "sdssim" else "bare"
        for w in WORKLOADS:
            rows = results[server][w]
            s = {k: _summary([r[k] for r in rows]) for k in rows[0]}
            suffix = "" if w == "job_list" else "_" + w.removeprefix("job_list_")
            out[f"{prefix}_cpu_ms_per_request_{w}"] = round(s["cpu_ms_per_request"]["median"], 3)
            out[f"{prefix}_req_per_s_50_clients{suffix}"] = round(s["req_per_s"]["median"], 1)
            out[f"{prefix}_p50_ms_50_clients{suffix}"] = round(s["p50_ms"]["median"], 2)
            out[f"{prefix}_p99_ms_50_clients{suffix}"] = round(s["p99_ms"]["median"], 2)
            out.setdefault("spread", {})[f"{prefix}_{w}"] = {
                k: {m: round(v, 3) for m, v in s[k].items()} for k in s}
            print(f"{server:8} {w:18} {_fmt(s['cpu_ms_per_request'], 3):>20} "
                  f"{_fmt(s['req_per_s'], 0):>22} {_fmt(s['p50_ms'], 1):>18} "
                  f"{_fmt(s['p99_ms'], 1):>18} {s['client_cpu_ms_per_request']['median']:>18.3f}")
    met = {
        "cpu_job_list": out["server_cpu_ms_per_request_job_list"] <= TARGET_CPU_MS,
        "cpu_profile_get": out["server_cpu_ms_per_request_profile_get"] <= TARGET_CPU_MS,
        "req_per_s": min(out["server_req_per_s_50_clients"],
                         out["server_req_per_s_50_clients_profile_get"]) >= TARGET_REQ_PER_S,
        "p99": max(out["server_p99_ms_50_clients"],
                   out["server_p99_ms_50_clients_profile_get"]) < TARGET_P99_MS,
    }
    print(f"targets (CPU <= {TARGET_CPU_MS} ms/request, >= {TARGET_REQ_PER_S} req/s, p99 < "
          f"{TARGET_P99_MS} ms): " + ", ".join(f"{k} {'met' if v else 'NOT met'}"
                                                 for k, v in met.items()))
    print(f"load average: {load_before[0]:.2f} before, {load_after[0]:.2f} after "
          f"({os.cpu_count()} CPUs)")
    ok = True
    if integrity is not None:
        print(f"integrity check: {integrity['requests']} mixed requests, "
              f"{integrity['req_per_s']} req/s, p99 {integrity['p99_ms']} ms; non-2xx "
              f"{integrity['non2xx']}, errors posted {integrity['posted']}, counted "
              f"{integrity['counted']}, lost {integrity['lost']}, duplicated "
              f"{integrity['duplicated']}: {'OK' if integrity['ok'] else 'FAILED'}")
        ok = integrity["ok"]
    out.update({"targets_met": met, "integrity": integrity, "stack": stack,
                "config": {"runs": runs, "requests": requests, "clients": args.clients,
                           "uncached_requests": max(args.clients, requests // UNCACHED_SHARE),
                           "jobs": args.jobs, "bytes": {w: len(b) for w, b in bodies.items()}},
                "load_average": {"before": [round(x, 2) for x in load_before],
                                 "after": [round(x, 2) for x in load_after]},
                "runs": results})
    if args.json_path:
        with open(args.json_path, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=2)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
