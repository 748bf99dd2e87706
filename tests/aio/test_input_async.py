"""Argument checks of the async clients, all raised before any request."""

from typing import Any

import pytest

from azure_keyvault_administration_clone import ApiVersion
from azure_keyvault_administration_clone.aio import (
    KeyVaultAccessControlClient,
    KeyVaultBackupClient,
    KeyVaultSettingsClient,
)

from .helpers import (
    CONTAINER_URL,
    FOLDER_URL,
    SAS,
    VAULT_URL,
    AsyncFakeCredential,
    ServiceStub,
)

CLIENTS = [KeyVaultAccessControlClient, KeyVaultBackupClient, KeyVaultSettingsClient]


@pytest.fixture
async def client(async_credential: AsyncFakeCredential) -> Any:
    async with KeyVaultBackupClient(VAULT_URL, async_credential) as client:
        yield client


@pytest.mark.parametrize("client_type", CLIENTS)
@pytest.mark.parametrize("url", ["", None])
def test_missing_vault_url_rejected(
    client_type: Any, url: Any, async_credential: AsyncFakeCredential
) -> None:
    with pytest.raises(ValueError, match="vault_url is missing"):
        client_type(url, async_credential)


@pytest.mark.parametrize("client_type", CLIENTS)
def test_vault_url_without_host_rejected(
    client_type: Any, async_credential: AsyncFakeCredential
) -> None:
    with pytest.raises(ValueError, match="is not a URL"):
        client_type("myhsm.managedhsm.azure.net", async_credential)


@pytest.mark.parametrize("client_type", CLIENTS)
def test_missing_credential_rejected(client_type: Any) -> None:
    with pytest.raises(ValueError, match=r"azure\.identity\.aio"):
        client_type(VAULT_URL, None)


@pytest.mark.parametrize("client_type", CLIENTS)
def test_credential_without_get_token_rejected(client_type: Any) -> None:
    with pytest.raises(TypeError, match="get_token"):
        client_type(VAULT_URL, object())


@pytest.mark.parametrize("client_type", CLIENTS)
def test_unsupported_api_version_rejected(
    client_type: Any, async_credential: AsyncFakeCredential
) -> None:
    with pytest.raises(NotImplementedError, match=r"7\.0"):
        client_type(VAULT_URL, async_credential, api_version="7.0")


@pytest.mark.parametrize("client_type", CLIENTS)
def test_vault_url_trailing_slash_stripped(
    client_type: Any, async_credential: AsyncFakeCredential
) -> None:
    client = client_type(VAULT_URL + "/", async_credential)
    assert client.vault_url == VAULT_URL
    assert client.api_version == "7.6"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "folder_url",
    [
        "https://account.blob.core.windows.net/backup",
        "not a url",
        "ftp://account.blob.core.windows.net/backup/folder",
    ],
)
async def test_bad_folder_url_rejected(
    client: Any, service: ServiceStub, folder_url: str
) -> None:
    with pytest.raises(ValueError, match="folder_url"):
        await client.begin_restore(folder_url, sas_token=SAS)
    with pytest.raises(ValueError, match="folder_url"):
        await client.begin_pre_restore(folder_url, sas_token=SAS)
    assert service.probes == []
    assert service.requests == []


@pytest.mark.asyncio
async def test_bad_container_url_rejected(client: Any, service: ServiceStub) -> None:
    with pytest.raises(ValueError, match="blob_storage_url"):
        await client.begin_backup("backup", sas_token=SAS)
    assert service.probes == []


BEGIN_CALLS = [
    ("begin_backup", CONTAINER_URL),
    ("begin_restore", FOLDER_URL),
    ("begin_pre_backup", CONTAINER_URL),
    ("begin_pre_restore", FOLDER_URL),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("method", "url"), BEGIN_CALLS)
async def test_both_storage_credentials_rejected(
    client: Any, service: ServiceStub, method: str, url: str
) -> None:
    with pytest.raises(ValueError, match="Both sas_token and use_managed_identity"):
        await getattr(client, method)(url, sas_token=SAS, use_managed_identity=True)
    assert service.probes == []


@pytest.mark.asyncio
@pytest.mark.parametrize(("method", "url"), BEGIN_CALLS)
async def test_no_storage_credential_rejected(
    client: Any, service: ServiceStub, method: str, url: str
) -> None:
    with pytest.raises(ValueError, match="No storage credential"):
        await getattr(client, method)(url)
    assert service.probes == []


@pytest.mark.asyncio
async def test_two_sas_tokens_rejected(client: Any) -> None:
    with pytest.raises(TypeError, match="both positionally and as sas_token"):
        await client.begin_backup(CONTAINER_URL, SAS, sas_token=SAS)


@pytest.mark.asyncio
@pytest.mark.parametrize("interval", [-1, "5", True])
async def test_bad_polling_interval_rejected(
    client: Any, service: ServiceStub, interval: Any
) -> None:
    with pytest.raises(ValueError, match="polling_interval"):
        await client.begin_backup(
            CONTAINER_URL, sas_token=SAS, polling_interval=interval
        )
    assert service.probes == []


@pytest.mark.asyncio
@pytest.mark.parametrize("method", ["begin_pre_backup", "begin_pre_restore"])
async def test_pre_checks_need_7_6(
    async_credential: AsyncFakeCredential, service: ServiceStub, method: str
) -> None:
    async with KeyVaultBackupClient(
        VAULT_URL, async_credential, api_version=ApiVersion.V7_5
    ) as client:
        with pytest.raises(ValueError, match=r"needs API version 7\.6"):
            await getattr(client, method)(FOLDER_URL, sas_token=SAS)
    assert service.probes == []


@pytest.mark.asyncio
@pytest.mark.parametrize("token", ["", "not-a-token", "{broken"])
async def test_malformed_continuation_token_rejected(
    client: Any, service: ServiceStub, token: str
) -> None:
    with pytest.raises(ValueError, match="continuation"):
        await client.begin_backup(CONTAINER_URL, continuation_token=token or " ")
    assert service.probes == []


@pytest.mark.asyncio
async def test_role_scope_type_checked(async_credential: AsyncFakeCredential) -> None:
    async with KeyVaultAccessControlClient(VAULT_URL, async_credential) as client:
        with pytest.raises(TypeError, match="scope must be"):
            await client.get_role_definition(None, "name")
        with pytest.raises(TypeError, match="scope must be"):
            client.list_role_assignments(42)


@pytest.mark.asyncio
async def test_setting_name_checked(
    async_credential: AsyncFakeCredential, service: ServiceStub
) -> None:
    async with KeyVaultSettingsClient(VAULT_URL, async_credential) as client:
        with pytest.raises(TypeError, match="setting name"):
            await client.get_setting("")
    assert service.probes == []
