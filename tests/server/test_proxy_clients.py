"""An unmodified Graph application (azure-identity + msgraph-sdk) through ``--proxy``.

The application (``tests/clients/python/graph_app.py``) runs in its own process with
only environment variables set: it asks https://login.microsoftonline.com for a token
with ``ClientSecretCredential`` and calls https://graph.microsoft.com with
``GraphServiceClient()`` — no base URL, no sdssim anywhere in its code.
"""

from __future__ import annotations

import json
import sys

import httpx
import pytest

from sdssim.engine import Simulation

from .secure import CLIENTS, run_client, secure_server

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
CREDENTIALS = {"AZURE_TENANT_ID": "contoso.onmicrosoft.com", "AZURE_CLIENT_ID": "app-1",
               "AZURE_CLIENT_SECRET": "not-a-secret"}


def _run_app(server, *flags: str) -> dict:
    done = run_client([sys.executable, str(CLIENTS / "python" / "graph_app.py"), "sp-app",
                       *flags], {**server.client_env(), **CREDENTIALS})
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("flags", [(), ("--async-credential",)], ids=["sync", "aio"])
def test_an_unmodified_app_runs_against_sdssim_with_only_environment_variables(
        tmp_path, flags) -> None:
    with secure_server("proxy", tmp_path / "ca", Simulation(seed=3)) as server:
        seen = _run_app(server, *flags)
        with httpx.Client(base_url=server.base_url, trust_env=False, timeout=30) as control:
            log = control.get("/_sdssim/requests").json()["value"]
        assert server.proxy is not None and server.proxy.refused == []
        assert server.identity is not None
        login = server.identity.seen

    tenant = CREDENTIALS["AZURE_TENANT_ID"]
    token_request = f"POST /{tenant}/oauth2/v2.0/token 200"
    if flags:   # azure-identity's async credential asks for the token directly
        assert login == [token_request]
    else:       # MSAL reads the OpenID configuration first (no instance discovery for this host)
        assert login == [f"GET /{tenant}/v2.0/.well-known/openid-configuration 200",
                         token_request]
    job = seen["created"]
    assert seen["listed"] == [job] and seen["nextLink"] is None
    assert seen["scheduleState"] == "Active"
    assert seen["notFound"] == [404, "itemNotFound"]
    assert seen["afterDelete"] == []
    # msgraph-sdk's default base URL ends in "/", so its paths start /v1.0// (Graph accepts it)
    jobs = "/v1.0//servicePrincipals/sp-app/synchronization/jobs"
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("POST", jobs, 201), ("POST", f"{jobs}/{job}/start", 204), ("GET", jobs, 200),
        ("GET", f"{jobs}/{job}", 200), ("GET", f"{jobs}/no-such-job", 404),
        ("DELETE", f"{jobs}/{job}", 204), ("GET", jobs, 200)]


def test_the_token_endpoint_issues_the_servers_fixed_token(tmp_path) -> None:
    # with --token only that bearer token is accepted: the app gets it from the login stand-in
    with secure_server("proxy", tmp_path / "ca", Simulation(seed=3), token="t0k") as server:
        seen = _run_app(server)
        with httpx.Client(base_url=server.base_url, trust_env=False, timeout=30,
                          headers={"Authorization": "Bearer t0k"}) as control:
            log = control.get("/_sdssim/requests").json()["value"]
            wrong = control.get("/v1.0/servicePrincipals/sp-app/synchronization/jobs",
                                headers={"Authorization": "Bearer other"})
    assert seen["listed"] == [seen["created"]]
    assert not any(e["status"] == 401 for e in log)
    assert wrong.status_code == 401
