"""``sdssim serve`` plumbing: building (and preloading) the simulation, the package facade."""

from __future__ import annotations

import textwrap

import httpx

import sdssim.server
from sdssim.server.serve import build_simulation
from sdssim.server.testing import running_server

from .conftest import AUTH

SCENARIO = """\
name: Served
seed: 5
start: 2026-09-01T06:30:00Z
profiles:
  - key: oakwood
    csv:
      files:
        School.csv: "SIS ID,Name\\n1,Oakwood\\n"
jobs:
  - key: staff
    body: {templateId: scim}
    objects: {User: 30}
timeline:
  - at: +1h
    fault: credential_failure
    job: staff
    duration: 2h
  - at: +0m
    fault: throttle
    params: {requests: 1, retry_after: 3}
  - at: +2h
    action: start_job
    job: staff
"""


def test_a_fresh_simulation_without_a_scenario() -> None:
    sim, notes = build_simulation(None, seed=9)
    assert sim.seed == 9 and notes == []
    assert build_simulation(None)[0].seed == 0


def test_a_scenario_preloads_subjects_and_faults(tmp_path) -> None:
    path = tmp_path / "served.yaml"
    path.write_text(textwrap.dedent(SCENARIO), encoding="utf-8")
    sim, notes = build_simulation(str(path))
    assert sim.seed == 5 and sim.now.isoformat().startswith("2026-09-01T06:30:00")
    [profile] = sim.list_profiles()
    [job] = sim.list_jobs("sp-staff")
    assert [f.kind for f in sim.faults] == ["credential_failure", "throttle"]
    assert sim.faults[0].target == f"job/{job.id}"
    assert any(profile.id in n for n in notes) and any(job.id in n for n in notes)
    assert build_simulation(str(path), seed=77)[0].seed == 77

    # served: the throttle fault fires at 07:30, actions are the client's to play
    with running_server(sim) as url, httpx.Client(base_url=url, headers=AUTH) as c:
        jobs = "/v1.0/servicePrincipals/sp-staff/synchronization/jobs"
        assert c.get(jobs).json()["value"][0]["schedule"]["state"] == "Disabled"
        c.post("/_sdssim/clock/advance", json={"until": "2026-09-01T07:30:00Z"})
        throttled = c.get(jobs)
        assert throttled.status_code == 429 and throttled.headers["retry-after"] == "3"
        assert c.get(jobs).status_code == 200


def test_package_facade_is_lazy() -> None:
    assert sorted(dir(sdssim.server)) == sorted(sdssim.server.__all__)
    assert sdssim.server.create_app.__module__ == "sdssim.server.app"
    assert sdssim.server.running_server is running_server


def test_the_cli_command_serves(tmp_path) -> None:
    import socket
    import subprocess
    import sys
    import time

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = tmp_path / "served.yaml"
    path.write_text(textwrap.dedent(SCENARIO), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sdssim", "serve", "--port", str(port), "--scenario", str(path),
         "--token", "t0k", "--clock", "realtime", "--speed", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                clock = httpx.get(url + "/_sdssim/clock", timeout=1,
                                  headers={"Authorization": "Bearer t0k"}).json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.1)
        assert clock["mode"] == "realtime" and clock["speed"] == 60
        assert httpx.get(url + "/_sdssim/clock").status_code == 401  # --token guards it too
        jobs = "/v1.0/servicePrincipals/sp-staff/synchronization/jobs"
        assert httpx.get(url + jobs, headers=AUTH).status_code == 401
        assert httpx.get(url + jobs, headers={"Authorization": "Bearer t0k"}).status_code == 200
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "job staff: servicePrincipal sp-staff" in out
    assert f"http://127.0.0.1:{port}/beta" in out
