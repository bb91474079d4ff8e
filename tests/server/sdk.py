"""Microsoft's own Graph SDKs, unmodified, pointed at a local sdssim server."""

from __future__ import annotations

from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)

from .conftest import TOKEN


class FixedToken(AccessTokenProvider):
    """Always the same bearer token; only for the loopback host."""

    async def get_authorization_token(self, uri, additional_authentication_context=None):
        return TOKEN

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return AllowedHostsValidator(["127.0.0.1"])


def beta_client(base_url: str):
    """msgraph-beta-sdk 1.18.0 (the last with education.synchronization_profiles)."""
    from msgraph_beta import GraphRequestAdapter, GraphServiceClient

    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(FixedToken()))
    adapter.base_url = base_url + "/beta"
    return GraphServiceClient(request_adapter=adapter)


def v1_client(base_url: str):
    """msgraph-sdk (v1.0), for provisioning jobs."""
    from msgraph import GraphRequestAdapter, GraphServiceClient

    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(FixedToken()))
    adapter.base_url = base_url + "/v1.0"
    return GraphServiceClient(request_adapter=adapter)
