"""``sdssim serve --tls`` and ``--proxy`` as a user starts them: the lines they print work."""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import time

import httpx

from .conftest import AUTH

JOBS = "/v1.0/servicePrincipals/sp-1/synchronization/jobs"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(*args: str) -> tuple[subprocess.Popen, dict[str, str], list[str]]:
    """Start ``sdssim serve ARGS``; read its start-up lines up to the last export."""
    proc = subprocess.Popen([sys.executable, "-m", "sdssim", "serve", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    lines: list[str] = []
    env: dict[str, str] = {}
    deadline = time.monotonic() + 60
    while "NODE_EXTRA_CA_CERTS" not in env:
        line = proc.stdout.readline()
        assert line and time.monotonic() < deadline, "".join(lines) + (proc.stdout.read() or "")
        lines.append(line.rstrip("\n"))
        if line.startswith("export "):
            name, _, value = line[len("export "):].strip().partition("=")
            env[name] = value
    return proc, env, lines


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.communicate(timeout=30)
    assert proc.returncode == 0


def test_serve_tls_prints_what_clients_must_set_and_serves_https(tmp_path) -> None:
    port = _free_port()
    proc, env, lines = _start("--tls", "--port", str(port), "--ca-dir", str(tmp_path / "ca"))
    try:
        ca = str(tmp_path / "ca" / "ca.pem")
        assert env == {"SSL_CERT_FILE": ca, "REQUESTS_CA_BUNDLE": ca, "NODE_EXTRA_CA_CERTS": ca}
        url = f"https://127.0.0.1:{port}"
        assert any(line.startswith(f"sdssim: Graph on {url}/beta") for line in lines)
        verify = ssl.create_default_context(cafile=ca)
        doc = httpx.get(url + JOBS, headers=AUTH, verify=verify, trust_env=False).json()
        assert doc["@odata.context"].startswith(url + "/v1.0/$metadata#")
        served = httpx.get(url + "/_sdssim/ca.pem", verify=verify, trust_env=False).content
        assert served == (tmp_path / "ca" / "ca.pem").read_bytes()
    finally:
        _stop(proc)
    # a second start reuses the CA the clients already trust
    proc, env2, _ = _start("--tls", "--port", str(port), "--ca-dir", str(tmp_path / "ca"))
    _stop(proc)
    assert (tmp_path / "ca" / "ca.pem").read_bytes() == served


def test_serve_proxy_prints_the_proxy_and_serves_graph_at_its_address(tmp_path) -> None:
    port = _free_port()
    proc, env, lines = _start("--proxy", "--port", str(port), "--ca-dir", str(tmp_path))
    try:
        proxy = f"http://127.0.0.1:{port}"
        assert env["HTTPS_PROXY"] == proxy and env["NO_PROXY"] == "127.0.0.1,localhost,::1"
        assert any("every other host is refused" in line for line in lines)
        verify = ssl.create_default_context(cafile=env["SSL_CERT_FILE"])
        with httpx.Client(proxy=proxy, verify=verify, trust_env=False) as graph:
            doc = graph.get("https://graph.microsoft.com" + JOBS, headers=AUTH).json()
            assert doc["@odata.context"].startswith("https://graph.microsoft.com/v1.0/")
            try:
                graph.get("https://example.com/")
                raise AssertionError("the proxy let a request to example.com through")
            except httpx.ProxyError as exc:
                assert "403" in str(exc)
        assert httpx.get(proxy + "/_sdssim/clock", trust_env=False).json()["mode"] == "virtual"
    finally:
        _stop(proc)


def test_bad_transport_options_are_clear_errors(tmp_path) -> None:
    both = subprocess.run([sys.executable, "-m", "sdssim", "serve", "--tls", "--proxy"],
                          capture_output=True, text=True, timeout=60)
    assert both.returncode == 2 and "--tls and --proxy exclude each other" in both.stderr
    (tmp_path / "ca.pem").write_text("junk")
    broken = subprocess.run([sys.executable, "-m", "sdssim", "serve", "--tls", "--port",
                             str(_free_port()), "--ca-dir", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert broken.returncode == 2 and "Traceback" not in broken.stderr
    assert "holds no usable sdssim CA" in broken.stderr
