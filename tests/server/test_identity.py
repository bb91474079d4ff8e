"""The login.microsoftonline.com stand-in: metadata, the client-credentials grant, refusals."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

from sdssim.server.identity import IdentityEndpoints

TENANT = "contoso.onmicrosoft.com"
GRANT = {"grant_type": "client_credentials", "client_id": "app-1", "client_secret": "s3cret",
         "scope": "https://graph.microsoft.com/.default"}


def _answer(method: str, path: str, form: dict | None = None, query: str = "",
            token: str | None = None):
    endpoints = IdentityEndpoints(app=None, token=token)  # type: ignore[arg-type]
    body = urlencode(form).encode() if form is not None else b""
    return endpoints.answer(method, path, query.encode(), body)


def test_openid_configuration_points_at_the_token_endpoint() -> None:
    status, doc = _answer("GET", f"/{TENANT}/v2.0/.well-known/openid-configuration")
    assert status == 200
    assert doc["token_endpoint"] == f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
    assert doc["issuer"] == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    status, v1 = _answer("GET", f"/{TENANT}/.well-known/openid-configuration")
    assert v1["token_endpoint"].endswith(f"/{TENANT}/oauth2/token")


def test_instance_discovery_names_the_tenant_discovery_endpoint() -> None:
    status, doc = _answer(
        "GET", "/common/discovery/instance",
        query="api-version=1.1&authorization_endpoint=https://login.microsoftonline.com/"
              f"{TENANT}/oauth2/v2.0/authorize")
    assert status == 200
    assert doc["tenant_discovery_endpoint"].endswith(
        f"/{TENANT}/v2.0/.well-known/openid-configuration")
    assert "login.microsoftonline.com" in doc["metadata"][0]["aliases"]


def test_the_client_credentials_grant_answers_a_token() -> None:
    status, doc = _answer("POST", f"/{TENANT}/oauth2/v2.0/token", GRANT)
    assert status == 200 and doc["token_type"] == "Bearer" and doc["expires_in"] == 3599
    header, claims, _ = doc["access_token"].split(".")
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert decoded["aud"] == "https://graph.microsoft.com"
    assert decoded["appid"] == "app-1" and decoded["tid"] == TENANT
    assert decoded["exp"] - decoded["iat"] == 3599


def test_with_a_fixed_server_token_the_grant_answers_that_token() -> None:
    status, doc = _answer("POST", f"/{TENANT}/oauth2/v2.0/token", GRANT, token="t0k")
    assert (status, doc["access_token"]) == (200, "t0k")
    status, doc = _answer("POST", f"/{TENANT}/oauth2/token",
                          {**GRANT, "scope": "", "resource": "https://graph.microsoft.com"},
                          token="t0k")
    assert (status, doc["access_token"]) == (200, "t0k")


def test_refusals_use_entra_ids_error_body() -> None:
    cases = [
        ({**GRANT, "grant_type": "password"}, 400, "unsupported_grant_type", 70003),
        ({k: v for k, v in GRANT.items() if k != "client_id"}, 400, "invalid_request", 900144),
        ({k: v for k, v in GRANT.items() if k != "client_secret"}, 401, "invalid_client",
         7000218),
        ({**GRANT, "scope": "https://graph.microsoft.com/User.Read"}, 400, "invalid_scope",
         1002012),
        ({k: v for k, v in GRANT.items() if k != "grant_type"}, 400, "invalid_request", 900144),
    ]
    for form, status, error, code in cases:
        got_status, doc = _answer("POST", f"/{TENANT}/oauth2/v2.0/token", form)
        assert (got_status, doc["error"], doc["error_codes"]) == (status, error, [code]), form
        assert doc["error_description"].startswith(f"AADSTS{code}: ")


def test_other_paths_and_methods_are_refused_clearly() -> None:
    status, doc = _answer("GET", f"/{TENANT}/oauth2/v2.0/token")
    assert status == 405
    status, doc = _answer("GET", f"/{TENANT}/oauth2/v2.0/authorize")
    assert status == 404 and "only instance discovery" in doc["error_description"]
    status, doc = _answer("GET", f"/{TENANT}/discovery/v2.0/keys")
    assert (status, doc) == (200, {"keys": []})
