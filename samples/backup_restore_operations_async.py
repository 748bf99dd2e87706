"""Async: check, make and restore a full backup of a Managed HSM.

USAGE:
    python backup_restore_operations_async.py

Environment:
    MANAGED_HSM_URL: URL of the Managed HSM, https://<hsm-name>.managedhsm.azure.net
    CONTAINER_URL: URL of a blob container, https://<account>.blob.core.windows.net/<container>
    SAS_TOKEN: SAS token for the container; leave it unset to have the Managed
        HSM use its user-assigned managed identity instead

The signed-in identity needs the Managed HSM Administrator role, or the
Managed HSM Backup and Restore roles.
"""

import asyncio
import os

from azure.identity.aio import DefaultAzureCredential

from azure_keyvault_administration_clone.aio import KeyVaultBackupClient
from azure_keyvault_administration_clone.transport import AsyncHttpxTransport


async def main() -> None:
    hsm_url = os.environ["MANAGED_HSM_URL"]
    container_url = os.environ["CONTAINER_URL"]
    sas_token = os.environ.get("SAS_TOKEN")
    # Exactly one storage credential: the SAS token, or the HSM's managed identity.
    auth = {"sas_token": sas_token} if sas_token else {"use_managed_identity": True}

    async with DefaultAzureCredential(transport=AsyncHttpxTransport()) as credential:
        async with KeyVaultBackupClient(hsm_url, credential) as client:
            print("\n.. Check that a backup can be made")
            await (await client.begin_pre_backup(container_url, **auth)).wait()
            print("The pre-backup check passed")

            print("\n.. Back up the whole Managed HSM")
            poller = await client.begin_backup(container_url, **auth)
            backup_result = await poller.result()
            print(f"Backup folder: {backup_result.folder_url}")

            print("\n.. Check that the backup can be restored")
            poller = await client.begin_pre_restore(backup_result.folder_url, **auth)
            await poller.wait()
            print("The pre-restore check passed")

            print("\n.. Restore the backup")
            await (await client.begin_restore(backup_result.folder_url, **auth)).wait()
            print("Restore completed")


asyncio.run(main())
