"""Check, make and restore a full backup of a Managed HSM.

USAGE:
    python backup_restore_operations.py

Environment:
    MANAGED_HSM_URL: URL of the Managed HSM, https://<hsm-name>.managedhsm.azure.net
    CONTAINER_URL: URL of a blob container, https://<account>.blob.core.windows.net/<container>
    SAS_TOKEN: SAS token for the container; leave it unset to have the Managed
        HSM use its user-assigned managed identity instead

The signed-in identity needs the Managed HSM Administrator role, or the
Managed HSM Backup and Restore roles.
"""

import os

from azure.identity import DefaultAzureCredential

from azure_keyvault_administration_clone import KeyVaultBackupClient

hsm_url = os.environ["MANAGED_HSM_URL"]
container_url = os.environ["CONTAINER_URL"]
sas_token = os.environ.get("SAS_TOKEN")
# Exactly one storage credential: the SAS token, or the HSM's managed identity.
storage_auth = {"sas_token": sas_token} if sas_token else {"use_managed_identity": True}

credential = DefaultAzureCredential()
client = KeyVaultBackupClient(vault_url=hsm_url, credential=credential)

print("\n.. Check that a backup can be made")
client.begin_pre_backup(container_url, **storage_auth).wait()
print("The pre-backup check passed")

print("\n.. Back up the whole Managed HSM")
backup_result = client.begin_backup(container_url, **storage_auth).result()
print(f"Backup folder: {backup_result.folder_url}")

print("\n.. Check that the backup can be restored")
client.begin_pre_restore(backup_result.folder_url, **storage_auth).wait()
print("The pre-restore check passed")

print("\n.. Restore the backup")
client.begin_restore(backup_result.folder_url, **storage_auth).wait()
print("Restore completed")

client.close()
credential.close()
