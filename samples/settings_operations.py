"""Read and update the account settings of a Managed HSM.

USAGE:
    python settings_operations.py

Environment:
    MANAGED_HSM_URL: URL of the Managed HSM, https://<hsm-name>.managedhsm.azure.net

The signed-in identity needs the Managed HSM Administrator role.
"""

import os

from azure.identity import DefaultAzureCredential

from azure_keyvault_administration_clone import KeyVaultSetting, KeyVaultSettingsClient

hsm_url = os.environ["MANAGED_HSM_URL"]
setting_name = "AllowKeyManagementOperationsThroughARM"

credential = DefaultAzureCredential()
client = KeyVaultSettingsClient(vault_url=hsm_url, credential=credential)

print(f"\n.. Get the setting {setting_name}")
setting = client.get_setting(setting_name)
original_value = setting.getboolean()
print(f"{setting.name} = {setting.value} (type {setting.setting_type})")

print("\n.. Turn it on")
updated = client.update_setting(KeyVaultSetting(name=setting_name, value=True))
print(f"{updated.name} = {updated.value}")

print("\n.. Put the original value back")
restored = client.update_setting(
    KeyVaultSetting(name=setting_name, value=original_value)
)
print(f"{restored.name} = {restored.value}")

print("\n.. List all settings")
for item in client.list_settings():
    print(f"{item.name} = {item.value}")

client.close()
credential.close()
