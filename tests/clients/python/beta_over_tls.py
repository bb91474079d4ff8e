"""msgraph-beta-sdk 1.18.0 over ``sdssim serve --tls``, in its own process.

The only sdssim-specific parts are the base URL and a token provider that allows the
loopback host; trust comes from SSL_CERT_FILE alone (httpx reads it).

    SSL_CERT_FILE=.../ca.pem python beta_over_tls.py https://127.0.0.1:PORT
"""

from __future__ import annotations

import asyncio
import json
import sys
from urllib.parse import urlsplit


async def main(base_url: str) -> dict:
    from kiota_abstractions.authentication import (
        AccessTokenProvider,
        AllowedHostsValidator,
        BaseBearerTokenAuthenticationProvider,
    )
    from msgraph_beta import GraphRequestAdapter, GraphServiceClient
    from msgraph_beta.generated.models.education_csv_data_provider import (
        EducationCsvDataProvider,
    )
    from msgraph_beta.generated.models.education_identity_creation_configuration import (
        EducationIdentityCreationConfiguration,
    )
    from msgraph_beta.generated.models.education_identity_domain import EducationIdentityDomain
    from msgraph_beta.generated.models.education_synchronization_error import (
        EducationSynchronizationError,
    )
    from msgraph_beta.generated.models.education_synchronization_profile import (
        EducationSynchronizationProfile,
    )
    from msgraph_beta.generated.models.education_user_role import EducationUserRole
    from msgraph_core import PageIterator

    class FixedToken(AccessTokenProvider):
        async def get_authorization_token(self, uri, additional_authentication_context=None):
            return "beta-over-tls"

        def get_allowed_hosts_validator(self):
            return AllowedHostsValidator([urlsplit(base_url).hostname])

    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(FixedToken()))
    adapter.base_url = base_url + "/beta"
    client = GraphServiceClient(request_adapter=adapter)
    profiles = client.education.synchronization_profiles
    created = await profiles.post(EducationSynchronizationProfile(
        display_name="Over TLS", data_provider=EducationCsvDataProvider(),
        identity_synchronization_configuration=EducationIdentityCreationConfiguration(
            user_domains=[EducationIdentityDomain(applies_to=role, name="school.edu")
                          for role in (EducationUserRole.Student, EducationUserRole.Teacher)]),
        licenses_to_assign=[]))
    item = profiles.by_education_synchronization_profile_id(created.id)
    for i in range(7):
        await item.errors.post(EducationSynchronizationError(
            entry_type="student", error_code="UnmatchedEntry", error_message=f"entry {i}",
            joining_value=str(500 + i), reportable_identifier=f"s-{i}"))
    first = await item.errors.get()
    paged: list[str] = []

    def keep(error) -> bool:
        paged.append(error.joining_value)
        return True

    await PageIterator(first, client.request_adapter).iterate(keep)
    return {"id": created.id, "firstPage": len(first.value), "nextLink": first.odata_next_link,
            "paged": paged}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1]))))
