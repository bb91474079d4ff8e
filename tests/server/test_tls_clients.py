"""Real clients in their own processes over ``--tls``: curl, and Microsoft's JavaScript client."""

from __future__ import annotations

import json

import httpx

from sdssim.engine import Simulation

from .secure import CLIENTS, need, need_program, run_client, secure_server

JOBS = "/v1.0/servicePrincipals/sp-curl/synchronization/jobs"


def test_curl_trusts_the_server_with_cacert_and_only_with_it(tmp_path) -> None:
    curl = need_program("curl")
    with secure_server("tls", tmp_path / "ca") as server:
        url = server.base_url + JOBS
        ok = run_client([curl, "-sS", "--cacert", str(server.ca.cert_file), "-X", "POST",
                         "-H", "Authorization: Bearer x", "-H", "Content-Type: application/json",
                         "-d", '{"templateId": "scim"}', "-D", "-", url], {})
        assert ok.returncode == 0, ok.stderr
        head, _, body = ok.stdout.replace("\r\n", "\n").partition("\n\n")
        assert head.startswith("HTTP/1.1 201")
        job = json.loads(body)
        assert f"location: {url}/{job['id']}" in head.lower().replace(url.lower(), url)
        assert job["@odata.context"].startswith(server.base_url + "/v1.0/$metadata#")
        refused = run_client([curl, "-sS", url], {})
        assert refused.returncode == 60, refused      # peer certificate cannot be verified


def test_curl_through_the_proxy_reaches_graph_and_nothing_else(tmp_path) -> None:
    curl = need_program("curl")
    with secure_server("proxy", tmp_path / "ca") as server:
        common = [curl, "-sS", "--proxy", server.base_url, "--cacert", str(server.ca.cert_file)]
        ok = run_client([*common, "-H", "Authorization: Bearer x",
                         "https://graph.microsoft.com" + JOBS], {})
        assert ok.returncode == 0, ok.stderr
        assert json.loads(ok.stdout)["@odata.context"].startswith(
            "https://graph.microsoft.com/v1.0/")
        elsewhere = run_client([*common, "https://example.com/"], {})
        assert elsewhere.returncode != 0 and "403" in elsewhere.stderr
        assert server.proxy is not None and server.proxy.refused == ["CONNECT example.com:443"]


def _js_ready() -> None:
    need_program("node")
    need((CLIENTS / "js" / "node_modules" / "@microsoft" / "microsoft-graph-client").is_dir(),
         "@microsoft/microsoft-graph-client is not installed: run `npm ci` in tests/clients/js")


def test_microsofts_javascript_client_runs_a_lifecycle_over_tls(tmp_path) -> None:
    _js_ready()
    with secure_server("tls", tmp_path / "ca", Simulation(seed=7), page_size=10) as server:
        done = run_client(["node", "lifecycle.js"],
                          {"SDSSIM_URL": server.base_url, **server.client_env()},
                          cwd=CLIENTS / "js")
        assert done.returncode == 0, done.stderr
        seen = json.loads(done.stdout)
        base = server.base_url
        with httpx.Client(base_url=base, verify=server.ca.client_context(), trust_env=False,
                          timeout=30) as control:
            log = control.get("/_sdssim/requests").json()["value"]
            card = control.get("/_sdssim/scorecard").json()

    assert seen["createdState"] == "provisioning" and seen["provisioned"] == "provisioned"
    assert seen["context"].startswith(base + "/beta/$metadata#")
    assert seen["uploadUrl"].startswith(base + "/_sdssim/blob/")
    assert seen["startMessages"] == []
    assert (seen["statusPlain"], seen["statusPreferred"]) == ("unknownFutureValue", "validating")
    assert seen["finalStatus"] == "success"
    assert seen["firstPage"] == 10 and seen["nextLink"].startswith(base + "/beta/")
    assert seen["paged"] == [str(1000 + i) for i in range(25)]
    assert seen["filtered"] == [str(1020 + i) for i in range(5)] and seen["filteredCount"] == 5
    assert str(seen["countText"]) == "25"
    assert seen["afterThrottle"] == "success"
    assert seen["notFound"] == [404, "itemNotFound"]
    assert seen["jobContext"].startswith(base + "/v1.0/$metadata#servicePrincipals('sp-js')")
    assert seen["jobIds"] == [seen["jobId"]] and seen["jobState"] == "Active"
    assert seen["jobAfterDelete"] == 404
    assert seen["deleted"] == "deleting"

    # the client's RetryHandler waited Retry-After and said so with Retry-Attempt
    throttled = [e for e in log if e["status"] == 429]
    assert len(throttled) == 2 and all(e["retryAfter"] == 1 for e in throttled)
    retries = log[log.index(throttled[0]) + 1:][:2]
    assert [e["retryAttempt"] for e in retries] == [1, 2]
    assert retries[0]["wall"] - throttled[0]["wall"] >= 1.0 and retries[1]["status"] == 200
    assert card["checks"]["retryAfter"]["result"] == "pass"
    assert card["checks"]["paging"]["result"] == "pass"
    assert card["checks"]["paging"]["nextLinksServed"] == 2
    assert not any(e["status"] == 401 for e in log)          # the token went to https://127.0.0.1


def test_the_js_client_test_directory_pins_its_packages() -> None:
    manifest = json.loads((CLIENTS / "js" / "package.json").read_text())
    lock = json.loads((CLIENTS / "js" / "package-lock.json").read_text())
    wanted = manifest["dependencies"]["@microsoft/microsoft-graph-client"]
    pinned = lock["packages"]["node_modules/@microsoft/microsoft-graph-client"]["version"]
    assert wanted == pinned and pinned.startswith("3.")   # npm ci installs exactly this


def test_microsofts_python_sdk_pages_over_tls_trusting_only_ssl_cert_file(tmp_path) -> None:
    import sys

    with secure_server("tls", tmp_path / "ca", Simulation(seed=5), page_size=3) as server:
        ca = str(server.ca.cert_file)
        done = run_client([sys.executable, str(CLIENTS / "python" / "beta_over_tls.py"),
                           server.base_url], {"SSL_CERT_FILE": ca})
        assert done.returncode == 0, done.stderr[-4000:]
        seen = json.loads(done.stdout.strip().splitlines()[-1])
        with httpx.Client(base_url=server.base_url, verify=server.ca.client_context(),
                          trust_env=False, timeout=30) as control:
            card = control.get("/_sdssim/scorecard").json()
    assert seen["firstPage"] == 3 and seen["nextLink"].startswith(server.base_url + "/beta/")
    assert seen["paged"] == [str(500 + i) for i in range(7)]
    assert card["checks"]["paging"]["result"] == "pass"
    assert card["checks"]["paging"]["nextLinksServed"] == 2
