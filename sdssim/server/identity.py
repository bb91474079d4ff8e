"""A stand-in for ``login.microsoftonline.com``, served by ``sdssim serve --proxy``.

Identity libraries (MSAL, and so ``azure-identity``'s ``ClientSecretCredential``
and ``ClientCertificateCredential``) fetch metadata before they ask for a token.
:class:`IdentityEndpoints` wraps the Graph app and answers, for requests whose
``Host`` is ``login.microsoftonline.com``:

=====================================================  ==================================
``GET /common/discovery/instance``                     instance discovery (aliases, the
                                                       tenant discovery endpoint)
``GET /{tenant}/v2.0/.well-known/openid-configuration``  OpenID configuration (v2.0)
``GET /{tenant}/.well-known/openid-configuration``     OpenID configuration (v1)
``GET /{tenant}/discovery/v2.0/keys``                  an empty JSON Web Key Set
``POST /{tenant}/oauth2/v2.0/token``                   the OAuth 2.0 client-credentials
``POST /{tenant}/oauth2/token``                        grant (v2.0 ``scope``, v1 ``resource``)
=====================================================  ==================================

The token answered is the server's ``--token`` when one is set (so the Graph
side accepts it), else an unsigned JWT naming the tenant, the client and the
audience — any bearer token is accepted then.  Client secrets and assertions
are not checked: sdssim simulates Graph, not Entra ID.  Refusals use Entra ID's
error body (``error``, ``error_description`` with an ``AADSTS`` code,
``error_codes``).  Every other request goes on to the wrapped app.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["IdentityEndpoints", "LOGIN_HOST", "token_response"]

LOGIN_HOST = "login.microsoftonline.com"
_ALIASES = ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com",
            "sts.windows.net"]
_MAX_FORM = 64 * 1024
_LIFETIME = 3599
log = logging.getLogger("sdssim.server.identity")


class IdentityEndpoints:
    """ASGI wrapper answering ``login.microsoftonline.com`` requests itself."""

    def __init__(self, app: ASGIApp, *, token: str | None = None,
                 hosts: tuple[str, ...] = (LOGIN_HOST,)) -> None:
        self.app = app
        self.token = token
        self.hosts = hosts
        self.seen: list[str] = []   # "METHOD /path status", for tests and troubleshooting

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _host(scope) not in self.hosts:
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > _MAX_FORM:
                status, doc = _aad_error(413, "invalid_request", 90002,
                                         "The request body is too large.")
                break
            if not message.get("more_body"):
                try:
                    status, doc = self.answer(scope["method"], scope["path"],
                                              scope.get("query_string", b""), body)
                except Exception:  # never a 500 with a traceback
                    log.exception("identity endpoint failed")
                    status, doc = _aad_error(400, "invalid_request", 90000,
                                             "The request could not be processed.")
                break
        self.seen.append(f"{scope['method']} {scope['path']} {status}")
        payload = json.dumps(doc).encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json; charset=utf-8"),
            (b"content-length", str(len(payload)).encode()),
            (b"cache-control", b"no-store"),
        ]})
        await send({"type": "http.response.body", "body": payload})

    def answer(self, method: str, path: str, query: bytes, body: bytes
               ) -> tuple[int, dict[str, Any]]:
        """``(status, JSON document)`` for one request to the login host."""
        parts = [p for p in path.split("/") if p]
        if parts == ["common", "discovery", "instance"] and method == "GET":
            params = dict(parse_qsl(query.decode("latin-1")))
            tenant = _tenant_of(params.get("authorization_endpoint", "")) or "common"
            return 200, {
                "tenant_discovery_endpoint":
                    f"https://{LOGIN_HOST}/{tenant}/v2.0/.well-known/openid-configuration",
                "api-version": "1.1",
                "metadata": [{"preferred_network": LOGIN_HOST,
                              "preferred_cache": "login.windows.net", "aliases": _ALIASES}],
            }
        if len(parts) >= 2 and method == "GET" and parts[-2:] == [".well-known",
                                                                  "openid-configuration"]:
            if parts[1:-2] in ([], ["v2.0"]):
                return 200, openid_configuration(parts[0], v2=parts[1:-2] == ["v2.0"])
        if method == "GET" and parts[1:] in (["discovery", "v2.0", "keys"],
                                             ["discovery", "keys"]):
            return 200, {"keys": []}
        if len(parts) >= 3 and parts[1:] in (["oauth2", "v2.0", "token"], ["oauth2", "token"]):
            if method != "POST":
                return _aad_error(405, "invalid_request", 900561,
                                  "The endpoint only accepts POST requests.")
            form = _form(body)
            if form is None:
                return _aad_error(400, "invalid_request", 900144,
                                  "The request body must be application/x-www-form-urlencoded.")
            return token_response(parts[0], form, v2=parts[2] == "v2.0", token=self.token)
        return _aad_error(404, "invalid_request", 90010,
                          f"sdssim does not serve {method} {path} on {LOGIN_HOST}: only "
                          "instance discovery, OpenID configuration, keys and the token "
                          "endpoint.")


def openid_configuration(tenant: str, *, v2: bool = True) -> dict[str, Any]:
    """The OpenID Connect discovery document for ``tenant``."""
    base = f"https://{LOGIN_HOST}/{tenant}"
    v = "/v2.0" if v2 else ""
    return {
        "token_endpoint": f"{base}/oauth2{v}/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                  "client_secret_basic"],
        "jwks_uri": f"{base}/discovery{v}/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{base}/v2.0" if v2 else f"https://sts.windows.net/{tenant}/",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": f"{base}/oauth2{v}/authorize",
        "device_authorization_endpoint": f"{base}/oauth2{v}/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{base}/oauth2{v}/logout",
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid"],
        "kerberos_endpoint": f"{base}/kerberos",
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }


def token_response(tenant: str, form: dict[str, str], *, v2: bool = True,
                   token: str | None = None) -> tuple[int, dict[str, Any]]:
    """Answer a token request: client credentials only (Entra ID's errors otherwise)."""
    grant = form.get("grant_type")
    if not grant:
        return _aad_error(400, "invalid_request", 900144,
                          "The request body must contain the following parameter: "
                          "'grant_type'.")
    if grant != "client_credentials":
        return _aad_error(400, "unsupported_grant_type", 70003,
                          f"The app requested an unsupported grant type '{grant}'; sdssim "
                          "answers the client-credentials grant only.")
    client_id = form.get("client_id")
    if not client_id:
        return _aad_error(400, "invalid_request", 900144,
                          "The request body must contain the following parameter: "
                          "'client_id'.")
    if not (form.get("client_secret") or form.get("client_assertion")):
        return _aad_error(401, "invalid_client", 7000218,
                          "The request body must contain the following parameter: "
                          "'client_assertion' or 'client_secret'.")
    if v2:
        scope = form.get("scope", "")
        if not scope.endswith("/.default"):
            return _aad_error(400, "invalid_scope", 1002012,
                              f"The provided value for scope {scope or '(none)'} is not "
                              "valid. Client credential flows must have a scope value with "
                              "/.default suffixed to the resource identifier "
                              "(application ID URI).")
        audience = scope[: -len("/.default")]
    else:
        audience = form.get("resource") or "https://graph.microsoft.com"
    access_token = token if token is not None else _jwt(tenant, client_id, audience)
    return 200, {"token_type": "Bearer", "expires_in": _LIFETIME,
                 "ext_expires_in": _LIFETIME, "access_token": access_token}


def _jwt(tenant: str, client_id: str, audience: str) -> str:
    """An unsigned token shaped like Entra ID's (readable by apps that decode tokens)."""
    now = int(time.time())  # a token's lifetime is wall time, as the client's cache sees it
    claims = {"aud": audience, "iss": f"https://sts.windows.net/{tenant}/", "iat": now,
              "nbf": now, "exp": now + _LIFETIME, "appid": client_id, "azp": client_id,
              "tid": tenant, "sub": client_id, "oid": client_id, "roles": [],
              "idtyp": "app", "ver": "1.0", "sdssim": True}
    header = {"typ": "JWT", "alg": "none", "kid": "sdssim"}
    return f"{_b64(header)}.{_b64(claims)}.sdssim"


def _b64(doc: dict[str, Any]) -> str:
    raw = json.dumps(doc, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _aad_error(status: int, error: str, code: int, description: str
               ) -> tuple[int, dict[str, Any]]:
    return status, {"error": error, "error_description": f"AADSTS{code}: {description}",
                    "error_codes": [code], "error_uri": f"https://{LOGIN_HOST}/error?code={code}"}


def _form(body: bytes) -> dict[str, str] | None:
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                              strict_parsing=bool(body)))
    except (UnicodeDecodeError, ValueError):
        return None


def _tenant_of(url: str) -> str | None:
    parts = url.split("/")
    return parts[3] if len(parts) > 3 and parts[3] else None


def _host(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            return value.decode("latin-1").rsplit(":", 1)[0].lower() \
                if not value.startswith(b"[") else value.decode("latin-1").lower()
    return ""
