"""Async: read and update the account settings of a Managed HSM.

USAGE:
    python settings_operations_async.py

Environment:
    MANAGED_HSM_URL: URL of the Managed HSM, https://<hsm-name>.managedhsm.azure.net

The signed-in identity needs the Managed HSM Administrator role.
"""

import asyncio
import os

from azure.identity.aio import DefaultAzureCredential

from azure_keyvault_administration_clone import KeyVaultSetting
from azure_keyvault_administration_clone.aio import KeyVaultSettingsClient
from azure_keyvault_administration_clone.transport import AsyncHttpxTransport

SETTING_NAME = "AllowKeyManagementOperationsThroughARM"


async def main() -> None:
    hsm_url = os.environ["MANAGED_HSM_URL"]
    async with DefaultAzureCredential(transport=AsyncHttpxTransport()) as credential:
        async with KeyVaultSettingsClient(hsm_url, credential) as client:
            print(f"\n.. Get the setting {SETTING_NAME}")
            setting = await client.get_setting(SETTING_NAME)
            original_value = setting.getboolean()
            print(f"{setting.name} = {setting.value} (type {setting.setting_type})")

            print("\n.. Turn it on")
            updated = await client.update_setting(KeyVaultSetting(SETTING_NAME, True))
            print(f"{updated.name} = {updated.value}")

            print("\n.. Put the original value back")
            restored = await client.update_setting(
                KeyVaultSetting(SETTING_NAME, original_value)
            )
            print(f"{restored.name} = {restored.value}")

            print("\n.. List all settings")
            async for item in client.list_settings():
                print(f"{item.name} = {item.value}")


asyncio.run(main())
