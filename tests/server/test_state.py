"""``serve --state``: the simulation survives a SIGKILL; the checkpoint control routes."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
import time

import httpx
import pytest

from sdssim.engine import Simulation
from sdssim.engine.checkpoint import FORMAT_VERSION
from sdssim.server.persist import StateStore, open_state
from sdssim.server.testing import running_server

from .conftest import AUTH

JOBS = "/v1.0/servicePrincipals/sp-1/synchronization/jobs"

#: control POSTs need it even without a body (a cross-origin form cannot send it)
JSON_CT = {"Content-Type": "application/json"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(state, port):
    return subprocess.Popen(
        [sys.executable, "-m", "sdssim", "serve", "--port", str(port), "--state", str(state),
         "--seed", "11"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait(url, proc):
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.get(url + "/_sdssim/clock", timeout=1).json()
        except httpx.TransportError:
            assert time.monotonic() < deadline and proc.poll() is None, proc.stdout.read()
            time.sleep(0.05)


def _view(url):
    """What a client can see: jobs, clock, records."""
    jobs = httpx.get(url + JOBS, headers=AUTH).json()["value"]
    clock = httpx.get(url + "/_sdssim/clock").json()
    records = httpx.get(url + "/_sdssim/events").text
    return jobs, clock["now"], records


def test_the_server_keeps_its_state_across_a_sigkill(tmp_path):
    state = tmp_path / "state.db"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = _serve(state, port)
    try:
        _wait(url, proc)
        for _ in range(3):
            made = httpx.post(url + JOBS, headers=AUTH, json={"templateId": "scim"})
            assert made.status_code == 201
            jid = made.json()["id"]
            assert httpx.post(f"{url}{JOBS}/{jid}/start", headers=AUTH).status_code == 204
        assert httpx.post(url + "/_sdssim/faults", json={
            "kind": "throttle", "requests": 2, "retryAfterSeconds": 5}).status_code == 201
        assert httpx.get(url + JOBS, headers=AUTH).status_code == 429  # uses one of two
        assert httpx.post(url + "/_sdssim/clock/advance",
                          json={"duration": "P2D"}).status_code == 200
        assert httpx.get(url + JOBS, headers=AUTH).status_code == 429  # the second
        before = _view(url)
        taken = httpx.post(url + "/_sdssim/checkpoints", headers=JSON_CT)
        assert taken.status_code == 201 and set(taken.json()) >= {"id", "time"}
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    proc = _serve(state, port)
    try:
        _wait(url, proc)
        assert _view(url) == before
        listed = httpx.get(url + "/_sdssim/checkpoints").json()["value"]
        assert [c["id"] for c in listed] == [taken.json()["id"]]
        assert httpx.get(url + "/_sdssim/faults").json()["value"][0]["remaining"] == 0
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "state: restored from" in out


def test_a_restarted_server_continues_like_one_never_stopped(tmp_path):
    """The same requests to a server killed half-way and to one left running agree."""
    def play(url, steps):
        out = []
        for kind, arg in steps:
            if kind == "create":
                out.append(httpx.post(url + JOBS, headers=AUTH, json={"templateId": "scim"}).json())
            elif kind == "start":
                jobs = httpx.get(url + JOBS, headers=AUTH).json()["value"]
                jid = jobs[arg]["id"]
                out.append(httpx.post(f"{url}{JOBS}/{jid}/start", headers=AUTH).status_code)
            else:
                out.append(httpx.post(url + "/_sdssim/clock/advance",
                                      json={"duration": arg}).json()["now"])
        return out

    first = [("create", None), ("create", None), ("start", 0), ("advance", "PT7H")]
    second = [("start", 1), ("advance", "P3D"), ("create", None), ("advance", "PT1H")]
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    results = []
    for split in (True, False):
        state = tmp_path / f"{split}.db"
        proc = _serve(state, port)
        _wait(url, proc)
        got = play(url, first)
        if split:
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=30)
            proc = _serve(state, port)
            _wait(url, proc)
        got += play(url, second)
        got.append(_view(url))
        proc.terminate()
        proc.communicate(timeout=30)
        results.append(got)
    assert results[0] == results[1]


def test_checkpoint_routes_take_list_restore_and_delete():
    sim = Simulation(seed=3)
    with running_server(sim) as url, httpx.Client(base_url=url, headers=AUTH) as c:
        c.post(JOBS, json={"templateId": "scim"})
        first = c.post("/_sdssim/checkpoints", headers=JSON_CT)
        assert first.status_code == 201
        body = first.json()
        assert body["time"] == "2026-09-01T08:00:00Z" and body["bytes"] > 0
        c.post(JOBS, json={"templateId": "scim"})
        c.post("/_sdssim/clock/advance", json={"duration": "P1D"})
        assert len(c.get(JOBS).json()["value"]) == 2
        second = c.post("/_sdssim/checkpoints", headers=JSON_CT).json()
        assert [x["id"] for x in c.get("/_sdssim/checkpoints").json()["value"]] == \
            [body["id"], second["id"]]
        back = c.post(f"/_sdssim/checkpoints/{body['id']}/restore", headers=JSON_CT)
        assert back.status_code == 200 and back.json() == {"id": body["id"],
                                                          "time": "2026-09-01T08:00:00Z"}
        assert len(c.get(JOBS).json()["value"]) == 1
        assert c.get("/_sdssim/clock").json()["now"] == "2026-09-01T08:00:00Z"
        assert c.delete(f"/_sdssim/checkpoints/{body['id']}").status_code == 204
        for method, path in (("DELETE", f"/_sdssim/checkpoints/{body['id']}"),
                             ("POST", f"/_sdssim/checkpoints/{body['id']}/restore"),
                             ("POST", "/_sdssim/checkpoints/abc/restore"),
                             ("DELETE", "/_sdssim/checkpoints/99999999999999999999999")):
            missing = c.request(method, path, headers=JSON_CT)
            assert missing.status_code == 404, (method, path)
            assert missing.json()["error"]["code"] == "ResourceNotFound"
        restored = c.post(f"/_sdssim/checkpoints/{second['id']}/restore", headers=JSON_CT)
        assert restored.status_code == 200
        assert len(c.get(JOBS).json()["value"]) == 2


def test_the_store_uses_a_write_ahead_log_and_one_row_of_state(tmp_path):
    path = tmp_path / "s.db"
    sim, store, note = open_state(str(path), lambda: Simulation(seed=1))
    assert note.startswith("state: new")
    sim.create_job("sp", {"templateId": "scim"})
    store.save_current(sim)
    store.save_current(sim)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT count(*) FROM current").fetchone()[0] == 1
    again, _, note = open_state(str(path), lambda: pytest.fail("must not build"))
    assert note.startswith("state: restored")
    assert [r.to_json() for r in again.records()] == [r.to_json() for r in sim.records()]


def test_a_state_file_of_another_kind_is_one_clear_error(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ValueError, match="not an sdssim state database"):
        open_state(str(junk), lambda: Simulation())
    other = tmp_path / "other.db"
    store = StateStore(str(other))
    data = Simulation().checkpoint().replace(
        f'"format": {FORMAT_VERSION}'.encode(), b'"format": 9', 1)
    store._db.execute("INSERT INTO current VALUES (1, 't', ?)", (data,))
    store.close()
    with pytest.raises(ValueError, match="checkpoint format 9"):
        open_state(str(other), lambda: Simulation())


def test_serve_with_a_bad_state_file_exits_2_with_one_line(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"x" * 4096)
    proc = subprocess.run([sys.executable, "-m", "sdssim", "serve", "--port", "0",
                           "--state", str(junk)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "not an sdssim state database" in lines[0]
