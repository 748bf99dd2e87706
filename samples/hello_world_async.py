"""Quickstart, async: list the role definitions of a Managed HSM.

USAGE:
    python hello_world_async.py

Set MANAGED_HSM_URL to the URL of the Managed HSM. The credential gets this
package's httpx transport, so neither it nor the client needs aiohttp.
"""

import asyncio
import os

from azure.identity.aio import DefaultAzureCredential

from azure_keyvault_administration_clone.aio import KeyVaultAccessControlClient
from azure_keyvault_administration_clone.transport import AsyncHttpxTransport


async def main() -> None:
    hsm_url = os.environ["MANAGED_HSM_URL"]
    async with DefaultAzureCredential(transport=AsyncHttpxTransport()) as credential:
        async with KeyVaultAccessControlClient(hsm_url, credential) as client:
            async for role in client.list_role_definitions("/"):
                print(role.role_name, role.id)


asyncio.run(main())
