"""What HTTPS and the Graph proxy cost per request, against plain HTTP.

    .venv/bin/python benchmarks/transport_latency.py                 # 5 rounds x 300 requests
    .venv/bin/python benchmarks/transport_latency.py --rounds 7 --requests 500 --json out.json

One server process per mode (``python -m sdssim.server.serve`` with no flag,
``--tls``, ``--proxy``; a fresh CA in a temporary directory), each preloaded
with the same job.  One ``httpx.Client`` per mode with keep-alive sends
``GET /v1.0/servicePrincipals/sp-bench/synchronization/jobs/{id}`` back to back
— over http to 127.0.0.1, over https to 127.0.0.1, and through the proxy to
https://graph.microsoft.com.  The modes take turns (http, tls, proxy, http,
tls, proxy, …) so that machine noise falls on all of them alike; the report
gives, per mode, the median of the per-round medians and their spread
(min–max over rounds) in microseconds, plus the first request of a fresh
connection (TLS handshake, and for the proxy the CONNECT) measured once per
round.  Every answer must be 200, or the script exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

MODES = ("http", "tls", "proxy")
AUTH = {"Authorization": "Bearer bench"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(mode: str, ca_dir: Path) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    flags = {"http": [], "tls": ["--tls"], "proxy": ["--proxy"]}[mode]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdssim.server.serve", "--port", str(port), "--log-level",
         "warning", "--ca-dir", str(ca_dir), *flags],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit(f"the {mode} server did not start") from None
            time.sleep(0.1)


def _client(mode: str, port: int, ca: ssl.SSLContext) -> tuple[httpx.Client, str]:
    if mode == "http":
        return httpx.Client(trust_env=False, headers=AUTH), f"http://127.0.0.1:{port}"
    if mode == "tls":
        return (httpx.Client(verify=ca, trust_env=False, headers=AUTH),
                f"https://127.0.0.1:{port}")
    return (httpx.Client(verify=ca, proxy=f"http://127.0.0.1:{port}", trust_env=False,
                         headers=AUTH), "https://graph.microsoft.com")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    ca_dir = Path(tempfile.mkdtemp(prefix="sdssim-bench-ca-"))
    procs, ports = {}, {}
    try:
        for mode in MODES:   # the http server has no CA; it is made by the first secure one
            procs[mode], ports[mode] = _start(mode, ca_dir)
        ca = ssl.create_default_context(cafile=str(ca_dir / "ca.pem"))
        control = {m: f"http://127.0.0.1:{ports[m]}" if m != "tls"
                   else f"https://127.0.0.1:{ports[m]}" for m in MODES}
        paths = {}
        for mode in MODES:
            with httpx.Client(verify=ca, trust_env=False) as c:
                job = c.post(control[mode] + "/_sdssim/jobs", json={
                    "servicePrincipalId": "sp-bench", "job": {"templateId": "scim"},
                    "objects": {"User": 100}})
                assert job.status_code == 201, job.text
                paths[mode] = ("/v1.0/servicePrincipals/sp-bench/synchronization/jobs/"
                               + job.json()["id"])
        medians: dict[str, list[float]] = {m: [] for m in MODES}
        first: dict[str, list[float]] = {m: [] for m in MODES}
        for _ in range(args.rounds):
            for mode in MODES:
                client, origin = _client(mode, ports[mode], ca)
                url = origin + paths[mode]
                with client:
                    t0 = time.perf_counter()
                    assert client.get(url).status_code == 200
                    first[mode].append((time.perf_counter() - t0) * 1e6)
                    times = []
                    for _ in range(args.requests):
                        t0 = time.perf_counter()
                        status = client.get(url).status_code
                        times.append((time.perf_counter() - t0) * 1e6)
                        if status != 200:
                            print(f"{mode}: answer {status}", file=sys.stderr)
                            return 1
                medians[mode].append(statistics.median(times))
        report = {m: {"median_us": round(statistics.median(medians[m])),
                      "round_medians_us": [round(x) for x in medians[m]],
                      "first_request_us": round(statistics.median(first[m]))} for m in MODES}
        print(f"{args.rounds} rounds x {args.requests} GETs per mode, keep-alive, "
              f"one client at a time (cpu count {os.cpu_count()})")
        for mode in MODES:
            r = report[mode]
            print(f"  {mode:5s}  median {r['median_us']:6d} us  (rounds "
                  f"{min(r['round_medians_us'])}-{max(r['round_medians_us'])})  "
                  f"first request on a new connection {r['first_request_us']} us")
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=1) + "\n")
        return 0
    finally:
        for proc in procs.values():
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    raise SystemExit(main())
