"""An ordinary Graph application, unmodified: azure-identity + msgraph-sdk, default base URL.

Nothing in it knows about sdssim. tests/server/test_proxy_clients.py runs it in its own
process with only environment variables set (HTTPS_PROXY, SSL_CERT_FILE,
REQUESTS_CA_BUNDLE and the AZURE_* credentials), so every call it makes goes to
https://login.microsoftonline.com and https://graph.microsoft.com as in production.
It prints one JSON document of what it saw.

    python graph_app.py SERVICE_PRINCIPAL_ID [--async-credential]
"""

from __future__ import annotations

import asyncio
import json
import os
import sys


async def main(service_principal: str, async_credential: bool) -> dict:
    if async_credential:
        from azure.identity.aio import ClientSecretCredential
    else:
        from azure.identity import ClientSecretCredential
    from msgraph import GraphServiceClient
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError
    from msgraph.generated.models.synchronization_job import SynchronizationJob

    credential = ClientSecretCredential(os.environ["AZURE_TENANT_ID"],
                                        os.environ["AZURE_CLIENT_ID"],
                                        os.environ["AZURE_CLIENT_SECRET"])
    client = GraphServiceClient(credentials=credential,
                                scopes=["https://graph.microsoft.com/.default"])
    jobs = client.service_principals.by_service_principal_id(service_principal) \
        .synchronization.jobs
    seen: dict = {}
    job = await jobs.post(SynchronizationJob(template_id="scim"))
    seen["created"] = job.id
    await jobs.by_synchronization_job_id(job.id).start.post()
    listed = await jobs.get()
    seen["listed"] = [j.id for j in listed.value]
    seen["nextLink"] = listed.odata_next_link
    fetched = await jobs.by_synchronization_job_id(job.id).get()
    seen["scheduleState"] = fetched.schedule.state.value if fetched.schedule.state else None
    try:
        await jobs.by_synchronization_job_id("no-such-job").get()
    except ODataError as exc:
        seen["notFound"] = [exc.response_status_code, exc.error.code]
    await jobs.by_synchronization_job_id(job.id).delete()
    seen["afterDelete"] = [j.id for j in (await jobs.get()).value]
    if async_credential:
        await credential.close()
    return seen


if __name__ == "__main__":
    result = asyncio.run(main(sys.argv[1], "--async-credential" in sys.argv[2:]))
    print(json.dumps(result))
