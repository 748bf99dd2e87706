"""Async clients against the in-process emulator over real HTTPS on 127.0.0.1."""

import asyncio
import gc
import time
import warnings
from typing import Any, Iterator

import pytest
from azure.core.credentials import AccessToken

from azure_keyvault_administration_clone import KeyVaultRoleScope, KeyVaultSetting
from azure_keyvault_administration_clone._internal.httpx_transport import (
    AsyncHttpxTransport,
)
from azure_keyvault_administration_clone.aio import (
    KeyVaultAccessControlClient,
    KeyVaultBackupClient,
    KeyVaultSettingsClient,
)

emulator = pytest.importorskip(
    "azure_keyvault_administration_clone.emulator",
    reason="the emulator needs the [emulator] extra",
)

SAS = "sv=2023-01-03&ss=b&srt=co&sp=rwdlac&se=2099-01-01T00:00:00Z&sig=c2lnbmF0dXJl"
CONTAINER_URL = "https://testaccount.blob.core.windows.net/backups"
SETTING = "AllowKeyManagementOperationsThroughARM"


class EmulatorCredential:
    """Async credential that returns the emulator's bootstrap principal token."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.calls = 0

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.calls += 1
        return AccessToken(self.handle.token(), int(time.time()) + 3600)


@pytest.fixture
def hsm() -> Iterator[Any]:
    with emulator.start_emulator(job_seconds=0.2) as handle:
        yield handle


@pytest.fixture
def short_sleeps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cap poll sleeps at 50 ms so that job tests stay fast."""
    real_sleep = asyncio.sleep

    async def short_sleep(self: AsyncHttpxTransport, duration: float) -> None:
        await real_sleep(min(duration, 0.05))

    monkeypatch.setattr(AsyncHttpxTransport, "sleep", short_sleep)


@pytest.mark.asyncio
async def test_settings_round_trip(hsm: Any) -> None:
    credential = EmulatorCredential(hsm)
    async with KeyVaultSettingsClient(
        hsm.url, credential, connection_verify=str(hsm.ca_file)
    ) as client:
        updated = await client.update_setting(KeyVaultSetting(name=SETTING, value=True))
        fetched = await client.get_setting(SETTING)
        listed = [setting.name async for setting in client.list_settings()]
    assert updated.value == "true"
    assert fetched.getboolean() is True
    assert SETTING in listed
    assert credential.calls == 1


@pytest.mark.asyncio
async def test_role_definitions_listed(hsm: Any) -> None:
    async with KeyVaultAccessControlClient(
        hsm.url, EmulatorCredential(hsm), connection_verify=str(hsm.ca_file)
    ) as client:
        definitions = [
            d async for d in client.list_role_definitions(KeyVaultRoleScope.GLOBAL)
        ]
    assert "Managed HSM Administrator" in {d.role_name for d in definitions}


@pytest.mark.asyncio
async def test_backup_then_restore(hsm: Any, short_sleeps: None) -> None:
    async with KeyVaultBackupClient(
        hsm.url, EmulatorCredential(hsm), connection_verify=str(hsm.ca_file)
    ) as client:
        backup = await client.begin_backup(CONTAINER_URL, sas_token=SAS)
        result = await backup.result()
        assert result.folder_url is not None
        assert result.folder_url.startswith(CONTAINER_URL + "/")
        restore = await client.begin_restore(result.folder_url, sas_token=SAS)
        assert await restore.result() is None
        assert restore.status() == "Succeeded"


@pytest.mark.asyncio
async def test_no_unclosed_socket_warnings(hsm: Any) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with KeyVaultSettingsClient(
            hsm.url, EmulatorCredential(hsm), connection_verify=str(hsm.ca_file)
        ) as client:
            await asyncio.gather(*(client.get_setting(SETTING) for _ in range(5)))
        del client
        gc.collect()
        await asyncio.sleep(0)
    messages = [
        str(warning.message)
        for warning in caught
        if issubclass(warning.category, ResourceWarning)
        or "unclosed" in str(warning.message).lower()
    ]
    assert messages == []


@pytest.mark.asyncio
async def test_identity_credential_and_client(
    hsm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    identity_aio = pytest.importorskip("azure.identity.aio")
    for name, value in hsm.env.items():
        monkeypatch.setenv(name, value)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # azure-identity's default async transport needs aiohttp, so the
        # credential gets the httpx transport too.
        credential_transport = AsyncHttpxTransport(connection_verify=str(hsm.ca_file))
        async with identity_aio.ManagedIdentityCredential(
            transport=credential_transport
        ) as credential:
            async with KeyVaultSettingsClient(
                hsm.url, credential, connection_verify=str(hsm.ca_file)
            ) as client:
                setting = await client.get_setting(SETTING)
        del client, credential
        gc.collect()
        await asyncio.sleep(0)
    assert setting.name == SETTING
    messages = [
        str(warning.message)
        for warning in caught
        if issubclass(warning.category, ResourceWarning)
        or "unclosed" in str(warning.message).lower()
    ]
    assert messages == []
