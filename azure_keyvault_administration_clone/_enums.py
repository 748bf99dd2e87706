"""Enumerations of the public API: role scopes, data actions and setting types."""

from enum import Enum

from azure.core import CaseInsensitiveEnumMeta

_ACTION_PREFIX = "Microsoft.KeyVault/managedHsm/"


class KeyVaultRoleScope(str, Enum, metaclass=CaseInsensitiveEnumMeta):
    """Well-known role scopes. Other scopes, such as ``/keys/<name>``, are strings."""

    GLOBAL = "/"
    """Everything in the Managed HSM."""
    KEYS = "/keys"
    """Every key in the Managed HSM."""


class KeyVaultDataAction(str, Enum, metaclass=CaseInsensitiveEnumMeta):
    """Data actions that a role definition can grant or deny."""

    READ_HSM_KEY = _ACTION_PREFIX + "keys/read/action"
    WRITE_HSM_KEY = _ACTION_PREFIX + "keys/write/action"
    READ_DELETED_HSM_KEY = _ACTION_PREFIX + "keys/deletedKeys/read/action"
    RECOVER_DELETED_HSM_KEY = _ACTION_PREFIX + "keys/deletedKeys/recover/action"
    BACKUP_HSM_KEYS = _ACTION_PREFIX + "keys/backup/action"
    RESTORE_HSM_KEYS = _ACTION_PREFIX + "keys/restore/action"
    DELETE_ROLE_ASSIGNMENT = _ACTION_PREFIX + "roleAssignments/delete/action"
    GET_ROLE_ASSIGNMENT = _ACTION_PREFIX + "roleAssignments/read/action"
    WRITE_ROLE_ASSIGNMENT = _ACTION_PREFIX + "roleAssignments/write/action"
    READ_ROLE_DEFINITION = _ACTION_PREFIX + "roleDefinitions/read/action"
    WRITE_ROLE_DEFINITION = _ACTION_PREFIX + "roleDefinitions/write/action"
    DELETE_ROLE_DEFINITION = _ACTION_PREFIX + "roleDefinitions/delete/action"
    ENCRYPT_HSM_KEY = _ACTION_PREFIX + "keys/encrypt/action"
    DECRYPT_HSM_KEY = _ACTION_PREFIX + "keys/decrypt/action"
    WRAP_HSM_KEY = _ACTION_PREFIX + "keys/wrap/action"
    UNWRAP_HSM_KEY = _ACTION_PREFIX + "keys/unwrap/action"
    SIGN_HSM_KEY = _ACTION_PREFIX + "keys/sign/action"
    VERIFY_HSM_KEY = _ACTION_PREFIX + "keys/verify/action"
    CREATE_HSM_KEY = _ACTION_PREFIX + "keys/create"
    DELETE_HSM_KEY = _ACTION_PREFIX + "keys/delete"
    EXPORT_HSM_KEY = _ACTION_PREFIX + "keys/export/action"
    RELEASE_KEY = _ACTION_PREFIX + "keys/release/action"
    IMPORT_HSM_KEY = _ACTION_PREFIX + "keys/import/action"
    PURGE_DELETED_HSM_KEY = _ACTION_PREFIX + "keys/deletedKeys/delete"
    DOWNLOAD_HSM_SECURITY_DOMAIN = _ACTION_PREFIX + "securitydomain/download/action"
    DOWNLOAD_HSM_SECURITY_DOMAIN_STATUS = (
        _ACTION_PREFIX + "securitydomain/download/read"
    )
    UPLOAD_HSM_SECURITY_DOMAIN = _ACTION_PREFIX + "securitydomain/upload/action"
    READ_HSM_SECURITY_DOMAIN_STATUS = _ACTION_PREFIX + "securitydomain/upload/read"
    READ_HSM_SECURITY_DOMAIN_TRANSFER_KEY = (
        _ACTION_PREFIX + "securitydomain/transferkey/read"
    )
    START_HSM_BACKUP = _ACTION_PREFIX + "backup/start/action"
    START_HSM_RESTORE = _ACTION_PREFIX + "restore/start/action"
    READ_HSM_BACKUP_STATUS = _ACTION_PREFIX + "backup/status/action"
    READ_HSM_RESTORE_STATUS = _ACTION_PREFIX + "restore/status/action"
    RANDOM_NUMBERS_GENERATE = _ACTION_PREFIX + "rng/action"


class KeyVaultSettingType(str, Enum, metaclass=CaseInsensitiveEnumMeta):
    """Type of an account setting's value."""

    BOOLEAN = "boolean"
