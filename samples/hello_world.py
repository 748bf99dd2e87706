"""Quickstart: list the role definitions of a Managed HSM.

USAGE:
    python hello_world.py

Set the environment variable MANAGED_HSM_URL to the URL of the Managed HSM,
for example https://<hsm-name>.managedhsm.azure.net, and sign in as
DefaultAzureCredential expects (Azure CLI, environment variables, managed
identity). Against the local emulator, its printed exports set everything.
"""

import os

from azure.identity import DefaultAzureCredential

from azure_keyvault_administration_clone import KeyVaultAccessControlClient

hsm_url = os.environ["MANAGED_HSM_URL"]

client = KeyVaultAccessControlClient(
    vault_url=hsm_url, credential=DefaultAzureCredential()
)
for role in client.list_role_definitions("/"):
    print(role.role_name, role.id)
