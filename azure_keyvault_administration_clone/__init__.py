"""Client library for the administration API of Azure Key Vault Managed HSM.

A drop-in replacement for ``azure.keyvault.administration`` 4.6.0: role-based
access control, full backup and restore, selective key restore, pre-backup and
pre-restore checks, and account settings. Async clients are in ``.aio``.
"""

from ._access_control_client import KeyVaultAccessControlClient
from ._backup_client import KeyVaultBackupClient
from ._enums import KeyVaultDataAction, KeyVaultRoleScope, KeyVaultSettingType
from ._internal.api_version import ApiVersion
from ._models import (
    KeyVaultBackupResult,
    KeyVaultPermission,
    KeyVaultRoleAssignment,
    KeyVaultRoleAssignmentProperties,
    KeyVaultRoleDefinition,
    KeyVaultSetting,
)
from ._settings_client import KeyVaultSettingsClient
from ._version import VERSION

__version__ = VERSION

__all__ = [
    "ApiVersion",
    "KeyVaultAccessControlClient",
    "KeyVaultBackupClient",
    "KeyVaultBackupResult",
    "KeyVaultDataAction",
    "KeyVaultPermission",
    "KeyVaultRoleAssignment",
    "KeyVaultRoleAssignmentProperties",
    "KeyVaultRoleDefinition",
    "KeyVaultRoleScope",
    "KeyVaultSetting",
    "KeyVaultSettingType",
    "KeyVaultSettingsClient",
]
