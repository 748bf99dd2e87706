"""Async: back up a Managed HSM, then restore a single key from the backup.

USAGE:
    python selective_key_restore_async.py

Environment:
    MANAGED_HSM_URL: URL of the Managed HSM, https://<hsm-name>.managedhsm.azure.net
    CONTAINER_URL: URL of a blob container, https://<account>.blob.core.windows.net/<container>
    SAS_TOKEN: SAS token for the container; leave it unset to have the Managed
        HSM use its user-assigned managed identity instead
    KEYS_VERIFY_CHALLENGE_RESOURCE: set to "false" only against the local
        emulator, whose challenge resource azure-keyvault-keys cannot verify

The signed-in identity needs the Managed HSM Administrator and Crypto User
roles (and Crypto Officer to purge the key at the end).
"""

import asyncio
import os
import uuid

from azure.identity.aio import DefaultAzureCredential
from azure.keyvault.keys.aio import KeyClient

from azure_keyvault_administration_clone.aio import KeyVaultBackupClient
from azure_keyvault_administration_clone.transport import AsyncHttpxTransport


async def main() -> None:
    hsm_url = os.environ["MANAGED_HSM_URL"]
    container_url = os.environ["CONTAINER_URL"]
    sas_token = os.environ.get("SAS_TOKEN")
    auth = {"sas_token": sas_token} if sas_token else {"use_managed_identity": True}
    verify_keys = (
        os.environ.get("KEYS_VERIFY_CHALLENGE_RESOURCE", "true").lower() != "false"
    )

    async with DefaultAzureCredential(transport=AsyncHttpxTransport()) as credential:
        key_client = KeyClient(
            hsm_url,
            credential,
            verify_challenge_resource=verify_keys,
            transport=AsyncHttpxTransport(),
        )
        backup_client = KeyVaultBackupClient(hsm_url, credential)
        async with key_client, backup_client:
            print("\n.. Create a key")
            key_name = f"sample-key-{uuid.uuid4().hex[:8]}"
            key = await key_client.create_rsa_key(key_name, hardware_protected=True)
            print(f"Created key {key.name}")

            print("\n.. Back up the whole Managed HSM")
            poller = await backup_client.begin_backup(container_url, **auth)
            backup_result = await poller.result()
            print(f"Backup folder: {backup_result.folder_url}")

            print("\n.. Restore only that key from the backup")
            poller = await backup_client.begin_restore(
                backup_result.folder_url, key_name=key.name, **auth
            )
            await poller.wait()
            print(f"Restored key {key.name}")

            print("\n.. Delete and purge the key")
            await key_client.delete_key(key.name)
            await key_client.purge_deleted_key(key.name)
            print(f"Deleted and purged {key.name}")


asyncio.run(main())
