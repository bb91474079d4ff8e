"""The Graph proxy and the TLS listener over real loopback sockets (no client library)."""

from __future__ import annotations

import json
import socket
import ssl

import httpx

from sdssim.server.testing import running_server

from .conftest import AUTH, CSV_FILES, PROFILE_BODY
from .secure import secure_server

JOBS = "/v1.0/servicePrincipals/sp-1/synchronization/jobs"


def _exchange(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_connect_to_graph_ends_in_sdssims_tls_under_graphs_name(tmp_path) -> None:
    with secure_server("proxy", tmp_path) as server:
        ctx = ssl.create_default_context(cafile=str(server.ca.cert_file))
        ctx.verify_flags |= ssl.VERIFY_X509_STRICT
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
            raw.sendall(b"CONNECT graph.microsoft.com:443 HTTP/1.1\r\n"
                        b"Host: graph.microsoft.com:443\r\n\r\n")
            assert raw.recv(4096).startswith(b"HTTP/1.1 200 Connection established\r\n\r\n")
            with ctx.wrap_socket(raw, server_hostname="graph.microsoft.com") as tls:
                tls.sendall(f"GET {JOBS} HTTP/1.1\r\nHost: graph.microsoft.com\r\n"
                            "Authorization: Bearer x\r\nConnection: close\r\n\r\n".encode())
                answer = b""
                while chunk := tls.recv(65536):
                    answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200")
        doc = json.loads(body)
        assert doc["@odata.context"].startswith("https://graph.microsoft.com/v1.0/$metadata#")
        assert server.proxy is not None and server.proxy.refused == []


def test_every_other_host_is_refused_and_nothing_leaves_the_machine(tmp_path) -> None:
    with secure_server("proxy", tmp_path) as server:
        for request in (b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n",
                        b"CONNECT graph.microsoft.com:80 HTTP/1.1\r\n\r\n",
                        b"GET http://graph.microsoft.com/v1.0/ HTTP/1.1\r\n\r\n"):
            answer = _exchange(server.port, request)
            assert answer.startswith(b"HTTP/1.1 403 Forbidden"), answer
            assert b"serves only graph.microsoft.com:443 and login.microsoftonline.com:443" \
                in answer
        assert server.proxy is not None
        assert server.proxy.refused == ["CONNECT example.com:443",
                                        "CONNECT graph.microsoft.com:80",
                                        "GET http://graph.microsoft.com/v1.0/"]
        assert _exchange(server.port, b"HELLO\r\n\r\n").startswith(b"HTTP/1.1 400")
        huge = b"GET / HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n"
        assert _exchange(server.port, huge).startswith(b"HTTP/1.1 431")


def test_the_control_api_lives_on_the_proxys_own_port(tmp_path) -> None:
    with secure_server("proxy", tmp_path) as server:
        with httpx.Client(base_url=server.base_url, trust_env=False, timeout=10) as c:
            assert c.get("/_sdssim/clock").json()["mode"] == "virtual"
            assert c.get("/_sdssim/ca.pem").content == server.ca.cert_pem
            assert c.get(JOBS, headers=AUTH).json()["@odata.context"].startswith(
                server.base_url + "/v1.0/")


def test_tls_mode_serves_https_and_the_ca_certificate(tmp_path) -> None:
    with secure_server("tls", tmp_path) as server:
        assert server.base_url.startswith("https://127.0.0.1:")
        with httpx.Client(base_url=server.base_url, verify=server.ca.client_context(),
                          trust_env=False, timeout=10) as c:
            pem = c.get("/_sdssim/ca.pem")
            assert pem.status_code == 200 and pem.content == server.ca.cert_pem
            assert pem.headers["content-type"].startswith("application/x-pem-file")
            created = c.post(JOBS, json={"templateId": "scim"}, headers=AUTH)
            assert created.headers["location"].startswith(server.base_url + "/v1.0/")
        with httpx.Client(trust_env=False, timeout=10) as untrusting:
            try:
                untrusting.get(server.base_url + "/_sdssim/clock")
                raise AssertionError("an unknown CA was trusted")
            except httpx.ConnectError as exc:
                assert "CERTIFICATE_VERIFY_FAILED" in str(exc)


def test_a_plain_http_server_has_no_ca_to_give() -> None:
    from sdssim.engine import Simulation

    with running_server(Simulation(seed=1)) as url:
        answer = httpx.get(url + "/_sdssim/ca.pem")
    assert answer.status_code == 404
    assert "--tls or --proxy" in answer.json()["error"]["message"]


def test_uploads_through_the_proxy_go_to_the_url_graph_handed_out(tmp_path) -> None:
    with secure_server("proxy", tmp_path) as server, \
            httpx.Client(base_url="https://graph.microsoft.com", proxy=server.base_url,
                         verify=server.ca.client_context(), trust_env=False, headers=AUTH,
                         timeout=30) as graph, \
            httpx.Client(base_url=server.base_url, trust_env=False, timeout=30) as control:
        profile = graph.post("/beta/education/synchronizationProfiles", json=PROFILE_BODY)
        assert profile.headers["location"].startswith("https://graph.microsoft.com/beta/")
        item = f"/beta/education/synchronizationProfiles/{profile.json()['id']}"
        control.post("/_sdssim/clock/advance", json={"duration": "PT10M"})
        url = graph.get(item + "/uploadUrl()").json()["value"]
        assert url.startswith("https://graph.microsoft.com/_sdssim/blob/")
        container, _, sas = url.partition("?")
        for name, text in CSV_FILES.items():
            put = graph.put(f"{container}/{name}?{sas}", content=text.encode(),
                            headers={"x-ms-blob-type": "BlockBlob"})
            assert put.status_code == 201, put.text
        control.post("/_sdssim/clock/advance", json={"duration": "PT5M"})
        assert graph.post(item + "/start").json()["value"] == []
