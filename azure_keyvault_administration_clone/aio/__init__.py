"""Async clients of the Managed HSM administration API.

They have the methods of the sync clients as coroutines, take credentials
from :mod:`azure.identity.aio`, and send requests with httpx by default.
"""

from ._access_control_client import KeyVaultAccessControlClient
from ._backup_client import KeyVaultBackupClient
from ._settings_client import KeyVaultSettingsClient

__all__ = [
    "KeyVaultAccessControlClient",
    "KeyVaultBackupClient",
    "KeyVaultSettingsClient",
]
