"""Invalid arguments: each raises a clear error naming the value, before any
request is sent."""

from typing import Any, Type

import pytest

from azure_keyvault_administration_clone import (
    KeyVaultAccessControlClient,
    KeyVaultBackupClient,
    KeyVaultSettingsClient,
)

from .helpers import VAULT_URL, FakeCredential, ServiceStub

CLIENTS = [KeyVaultAccessControlClient, KeyVaultBackupClient, KeyVaultSettingsClient]
CONTAINER_URL = "https://account.blob.core.windows.net/backup"
FOLDER_URL = f"{CONTAINER_URL}/mhsm-myhsm-2025060500291014"
SAS = "sv=2024-08-04&se=2030-01-01&sig=c2ln"


@pytest.fixture
def backup(credential: Any) -> KeyVaultBackupClient:
    return KeyVaultBackupClient(VAULT_URL, credential)


# Constructor arguments


@pytest.mark.parametrize("client_type", CLIENTS)
@pytest.mark.parametrize("vault_url", ["", None])
def test_missing_vault_url_rejected(client_type: Type[Any], vault_url: Any) -> None:
    with pytest.raises(ValueError) as caught:
        client_type(vault_url, FakeCredential())

    assert "vault_url" in str(caught.value)
    assert "https://" in str(caught.value)


@pytest.mark.parametrize("client_type", CLIENTS)
@pytest.mark.parametrize("vault_url", [42, b"https://myhsm.managedhsm.azure.net"])
def test_non_string_vault_url_rejected(client_type: Type[Any], vault_url: Any) -> None:
    with pytest.raises(TypeError) as caught:
        client_type(vault_url, FakeCredential())

    assert "vault_url" in str(caught.value)
    assert type(vault_url).__name__ in str(caught.value)


@pytest.mark.parametrize(
    "vault_url", ["myhsm.managedhsm.azure.net", "https://", "/relative/path"]
)
def test_vault_url_without_host_rejected(vault_url: str) -> None:
    with pytest.raises(ValueError) as caught:
        KeyVaultSettingsClient(vault_url, FakeCredential())

    assert f"'{vault_url}'" in str(caught.value)


@pytest.mark.parametrize("client_type", CLIENTS)
def test_missing_credential_rejected(client_type: Type[Any]) -> None:
    with pytest.raises(ValueError) as caught:
        client_type(VAULT_URL, None)

    assert "credential" in str(caught.value)


@pytest.mark.parametrize("client_type", CLIENTS)
def test_credential_without_get_token(client_type: Type[Any]) -> None:
    class NotACredential:
        pass

    with pytest.raises(TypeError) as caught:
        client_type(VAULT_URL, NotACredential())

    assert "NotACredential" in str(caught.value)
    assert "get_token" in str(caught.value)


@pytest.mark.parametrize("client_type", CLIENTS)
@pytest.mark.parametrize(
    "version", ["7.1", "7.6-preview.2", "2026-01-01-preview", "latest"]
)
def test_unsupported_api_version_rejected(client_type: Type[Any], version: str) -> None:
    with pytest.raises(NotImplementedError) as caught:
        client_type(VAULT_URL, FakeCredential(), api_version=version)

    message = str(caught.value)
    assert f"'{version}'" in message
    for supported in ("7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01"):
        assert supported in message


def test_non_string_api_version_rejected() -> None:
    with pytest.raises(TypeError) as caught:
        KeyVaultSettingsClient(VAULT_URL, FakeCredential(), api_version=7.6)

    assert "7.6" in str(caught.value)


# Backup and restore arguments


@pytest.mark.parametrize(
    "folder_url",
    [
        "",
        CONTAINER_URL,
        "https://account.blob.core.windows.net",
        "backup/folder",
        "ftp://host/container/folder",
    ],
)
@pytest.mark.parametrize("method", ["begin_restore", "begin_pre_restore"])
def test_bad_folder_url_rejected(
    backup: Any, service: ServiceStub, method: str, folder_url: str
) -> None:
    with pytest.raises(ValueError) as caught:
        getattr(backup, method)(folder_url, sas_token=SAS)

    assert f"'{folder_url}'" in str(caught.value)
    assert service.probes == []


def test_non_string_folder_url_rejected(backup: Any) -> None:
    with pytest.raises(TypeError) as caught:
        backup.begin_restore(12345, sas_token=SAS)

    assert "folder_url" in str(caught.value)
    assert "int" in str(caught.value)


@pytest.mark.parametrize("blob_storage_url", ["", "account/backup", None])
def test_bad_blob_storage_url_rejected(
    backup: Any, service: ServiceStub, blob_storage_url: Any
) -> None:
    with pytest.raises(ValueError) as caught:
        backup.begin_backup(blob_storage_url, sas_token=SAS)

    assert "blob_storage_url" in str(caught.value)
    assert repr(blob_storage_url) in str(caught.value)
    assert service.probes == []


CALLS = [
    ("begin_backup", CONTAINER_URL),
    ("begin_pre_backup", CONTAINER_URL),
    ("begin_restore", FOLDER_URL),
    ("begin_pre_restore", FOLDER_URL),
]


@pytest.mark.parametrize(("method", "url"), CALLS)
def test_both_storage_credentials_rejected(
    backup: Any, service: ServiceStub, method: str, url: str
) -> None:
    with pytest.raises(ValueError) as caught:
        getattr(backup, method)(url, sas_token=SAS, use_managed_identity=True)

    assert "sas_token" in str(caught.value)
    assert "use_managed_identity" in str(caught.value)
    assert service.probes == []


@pytest.mark.parametrize(("method", "url"), CALLS)
def test_no_storage_credential_rejected(
    backup: Any, service: ServiceStub, method: str, url: str
) -> None:
    with pytest.raises(ValueError) as caught:
        getattr(backup, method)(url)

    assert "sas_token" in str(caught.value)
    assert "use_managed_identity" in str(caught.value)
    assert service.probes == []


@pytest.mark.parametrize(("method", "url"), CALLS)
def test_empty_sas_token_rejected(
    backup: Any, service: ServiceStub, method: str, url: str
) -> None:
    with pytest.raises(ValueError) as caught:
        getattr(backup, method)(url, sas_token="")

    assert "sas_token" in str(caught.value)


def test_non_string_sas_token_rejected(backup: Any) -> None:
    with pytest.raises(TypeError) as caught:
        backup.begin_backup(CONTAINER_URL, sas_token=b"sv=1")

    assert "sas_token" in str(caught.value)
    assert "bytes" in str(caught.value)


def test_sas_token_given_twice_rejected(backup: Any) -> None:
    with pytest.raises(TypeError) as caught:
        backup.begin_backup(CONTAINER_URL, SAS, sas_token=SAS)

    assert "sas_token" in str(caught.value)


def test_non_bool_managed_identity_rejected(backup: Any) -> None:
    with pytest.raises(TypeError) as caught:
        backup.begin_backup(CONTAINER_URL, use_managed_identity="yes")

    assert "'yes'" in str(caught.value)


@pytest.mark.parametrize("interval", [-1, "5", True])
def test_bad_polling_interval_rejected(backup: Any, interval: Any) -> None:
    with pytest.raises(ValueError) as caught:
        backup.begin_backup(CONTAINER_URL, sas_token=SAS, polling_interval=interval)

    assert repr(interval) in str(caught.value)


@pytest.mark.parametrize("key_name", ["", 5])
def test_bad_key_name_rejected(
    backup: Any, service: ServiceStub, key_name: Any
) -> None:
    with pytest.raises(TypeError) as caught:
        backup.begin_restore(FOLDER_URL, sas_token=SAS, key_name=key_name)

    assert "key_name" in str(caught.value)
    assert repr(key_name) in str(caught.value)


# Access control and settings arguments


@pytest.mark.parametrize("scope", [None, "", 5])
def test_bad_scope_rejected(credential: Any, service: ServiceStub, scope: Any) -> None:
    client = KeyVaultAccessControlClient(VAULT_URL, credential)

    with pytest.raises(TypeError) as caught:
        client.get_role_definition(scope, "name")

    assert "scope" in str(caught.value)
    assert repr(scope) in str(caught.value)


@pytest.mark.parametrize("name", ["", None, 5])
def test_bad_role_name_rejected(
    credential: Any, service: ServiceStub, name: Any
) -> None:
    client = KeyVaultAccessControlClient(VAULT_URL, credential)

    with pytest.raises(TypeError) as caught:
        client.get_role_assignment("/", name)

    assert repr(name) in str(caught.value)


def test_bad_principal_id_rejected(credential: Any, service: ServiceStub) -> None:
    client = KeyVaultAccessControlClient(VAULT_URL, credential)

    with pytest.raises(TypeError) as caught:
        client.create_role_assignment("/", "definition", None)

    assert "principal_id" in str(caught.value)


def test_bad_permission_type_rejected(credential: Any, service: ServiceStub) -> None:
    client = KeyVaultAccessControlClient(VAULT_URL, credential)

    with pytest.raises(TypeError) as caught:
        client.set_role_definition("/", permissions=[{"actions": ["a"]}])

    assert "KeyVaultPermission" in str(caught.value)
    assert "dict" in str(caught.value)


@pytest.mark.parametrize(
    "setting",
    [
        {"name": "AllowKeyManagementOperationsThroughARM", "value": "true"},
        "AllowKeyManagementOperationsThroughARM",
        None,
    ],
)
def test_update_non_setting_rejected(
    credential: Any, service: ServiceStub, setting: Any
) -> None:
    client = KeyVaultSettingsClient(VAULT_URL, credential)

    with pytest.raises(TypeError) as caught:
        client.update_setting(setting)

    assert "KeyVaultSetting" in str(caught.value)
    assert type(setting).__name__ in str(caught.value)
    assert service.probes == []


@pytest.mark.parametrize("name", ["", None])
def test_bad_setting_name_rejected(
    credential: Any, service: ServiceStub, name: Any
) -> None:
    client = KeyVaultSettingsClient(VAULT_URL, credential)

    with pytest.raises(TypeError) as caught:
        client.get_setting(name)

    assert repr(name) in str(caught.value)
