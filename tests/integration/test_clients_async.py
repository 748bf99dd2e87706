"""Async clients against the in-process emulator over HTTPS on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path
from typing import AsyncIterator, List

import pytest
from azure.core.exceptions import (
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
)
from azure.identity.aio import ManagedIdentityCredential
from azure.keyvault.keys.aio import KeyClient

from azure_keyvault_administration_clone import (
    KeyVaultDataAction,
    KeyVaultPermission,
    KeyVaultRoleAssignment,
    KeyVaultRoleScope,
    KeyVaultSetting,
)
from azure_keyvault_administration_clone.aio import (
    KeyVaultAccessControlClient,
    KeyVaultBackupClient,
    KeyVaultSettingsClient,
)
from azure_keyvault_administration_clone.emulator import EmulatorHandle, start_emulator
from azure_keyvault_administration_clone.transport import AsyncHttpxTransport

from .conftest import (
    ADMINISTRATOR_ID,
    ADMINISTRATOR_NAME,
    CONTAINER_URL,
    CRYPTO_AUDITOR_ID,
    JOB_SECONDS,
    POLLING_INTERVAL,
    SAS_TOKEN,
    SECRET_SAS_TOKEN,
    SECRET_SIGNATURE,
    SETTING_NAME,
    UNSIGNED_SAS_TOKEN,
    AsyncHandleCredential,
    accepted_backup_posts,
    backup_folders,
    use_emulator_env,
)


def identity(principal_id: str = "") -> ManagedIdentityCredential:
    """Return an azure-identity credential that needs no aiohttp install.

    Without ``principal_id`` it acts as the emulator's bootstrap principal.
    """
    if principal_id:
        return ManagedIdentityCredential(
            client_id=principal_id, transport=AsyncHttpxTransport()
        )
    return ManagedIdentityCredential(transport=AsyncHttpxTransport())


def access_client(
    handle: EmulatorHandle, credential: ManagedIdentityCredential
) -> KeyVaultAccessControlClient:
    return KeyVaultAccessControlClient(
        handle.url, credential, connection_verify=str(handle.ca_file)
    )


def backup_client(
    handle: EmulatorHandle, credential: ManagedIdentityCredential
) -> KeyVaultBackupClient:
    return KeyVaultBackupClient(
        handle.url, credential, connection_verify=str(handle.ca_file)
    )


def settings_client(
    handle: EmulatorHandle, credential: ManagedIdentityCredential
) -> KeyVaultSettingsClient:
    return KeyVaultSettingsClient(
        handle.url, credential, connection_verify=str(handle.ca_file)
    )


def key_client(
    handle: EmulatorHandle, credential: ManagedIdentityCredential
) -> KeyClient:
    # The async KeyClient defaults to aiohttp, so it gets the httpx transport.
    # azure-keyvault-keys requires the challenge resource to be a parent
    # domain of the vault host, which an IP address origin never is.
    return KeyClient(
        handle.url,
        credential,
        verify_challenge_resource=False,
        transport=AsyncHttpxTransport(connection_verify=str(handle.ca_file)),
    )


async def run_backup(client: KeyVaultBackupClient) -> str:
    """Run a full backup to :data:`CONTAINER_URL` and return its folder URL."""
    poller = await client.begin_backup(
        CONTAINER_URL, sas_token=SAS_TOKEN, polling_interval=POLLING_INTERVAL
    )
    result = await poller.result()
    assert result.folder_url is not None
    return result.folder_url


async def delete_and_purge_key(keys: KeyClient, name: str) -> None:
    await keys.delete_key(name, _polling_interval=POLLING_INTERVAL)
    await keys.purge_deleted_key(name)


def new_principal() -> str:
    return str(uuid.uuid4())


@pytest.fixture
async def credential(
    hsm_env: EmulatorHandle,
) -> AsyncIterator[ManagedIdentityCredential]:
    """azure-identity credential of the bootstrap principal of the shared emulator."""
    async with identity() as bootstrap:
        yield bootstrap


@pytest.fixture
async def access(
    hsm_env: EmulatorHandle, credential: ManagedIdentityCredential
) -> AsyncIterator[KeyVaultAccessControlClient]:
    async with access_client(hsm_env, credential) as client:
        yield client


@pytest.fixture
async def backup(
    hsm_env: EmulatorHandle, credential: ManagedIdentityCredential
) -> AsyncIterator[KeyVaultBackupClient]:
    async with backup_client(hsm_env, credential) as client:
        yield client


@pytest.fixture
async def settings(
    hsm_env: EmulatorHandle, credential: ManagedIdentityCredential
) -> AsyncIterator[KeyVaultSettingsClient]:
    async with settings_client(hsm_env, credential) as client:
        yield client


@pytest.fixture
async def keys(
    hsm_env: EmulatorHandle, credential: ManagedIdentityCredential
) -> AsyncIterator[KeyClient]:
    async with key_client(hsm_env, credential) as client:
        yield client


# -- role-based access control ------------------------------------------------


async def test_builtin_administrator_role_listed(
    access: KeyVaultAccessControlClient,
) -> None:
    definitions = {
        definition.role_name: definition
        async for definition in access.list_role_definitions(KeyVaultRoleScope.GLOBAL)
    }

    assert "Managed HSM Administrator" in definitions
    administrator = definitions["Managed HSM Administrator"]
    assert administrator.id == ADMINISTRATOR_ID
    assert administrator.name == ADMINISTRATOR_NAME
    assert administrator.role_type == "AKVBuiltInRole"
    assert "Managed HSM Crypto Auditor" in definitions


async def test_rbac_full_round_trip(access: KeyVaultAccessControlClient) -> None:
    definition_name = str(uuid.uuid4())
    principal_id = new_principal()
    read_keys = KeyVaultPermission(
        data_actions=[KeyVaultDataAction.READ_HSM_KEY],
        not_data_actions=[KeyVaultDataAction.DELETE_HSM_KEY],
    )
    created = await access.set_role_definition(
        KeyVaultRoleScope.GLOBAL,
        name=definition_name,
        role_name="integration reader",
        description="reads keys",
        permissions=[read_keys],
    )
    assert created.name == definition_name
    assert created.role_type == "CustomRole"
    assert created.description == "reads keys"
    assert created.permissions is not None
    assert created.permissions[0].data_actions == [KeyVaultDataAction.READ_HSM_KEY]
    assert created.permissions[0].not_data_actions == [
        KeyVaultDataAction.DELETE_HSM_KEY
    ]

    # A PUT replaces the whole definition, so the omitted description resets.
    write_keys = KeyVaultPermission(data_actions=[KeyVaultDataAction.WRITE_HSM_KEY])
    updated = await access.set_role_definition(
        KeyVaultRoleScope.GLOBAL,
        name=definition_name,
        role_name="integration writer",
        permissions=[write_keys],
    )
    assert updated.role_name == "integration writer"
    assert updated.description == ""
    assert updated.permissions is not None
    assert updated.permissions[0].data_actions == [KeyVaultDataAction.WRITE_HSM_KEY]
    assert updated.permissions[0].not_data_actions == []

    fetched = await access.get_role_definition(
        KeyVaultRoleScope.GLOBAL, definition_name
    )
    assert fetched.id == created.id
    assert fetched.role_name == "integration writer"
    listed = [
        definition.name
        async for definition in access.list_role_definitions(KeyVaultRoleScope.GLOBAL)
    ]
    assert definition_name in listed

    assert created.id is not None
    assignment = await access.create_role_assignment(
        KeyVaultRoleScope.KEYS, created.id, principal_id
    )
    assert assignment.name is not None
    assert assignment.properties is not None
    assert assignment.properties.scope == "/keys"
    assert assignment.properties.principal_id == principal_id
    assert assignment.properties.role_definition_id == created.id
    got = await access.get_role_assignment(KeyVaultRoleScope.KEYS, assignment.name)
    assert got.role_assignment_id == assignment.role_assignment_id
    at_keys = [
        item.name async for item in access.list_role_assignments(KeyVaultRoleScope.KEYS)
    ]
    assert assignment.name in at_keys

    await access.delete_role_assignment(KeyVaultRoleScope.KEYS, assignment.name)
    with pytest.raises(ResourceNotFoundError):
        await access.get_role_assignment(KeyVaultRoleScope.KEYS, assignment.name)
    await access.delete_role_definition(KeyVaultRoleScope.GLOBAL, definition_name)
    with pytest.raises(ResourceNotFoundError):
        await access.get_role_definition(KeyVaultRoleScope.GLOBAL, definition_name)
    again = await access.delete_role_definition(  # type: ignore[func-returns-value]
        KeyVaultRoleScope.GLOBAL, definition_name
    )
    assert again is None


async def test_list_definitions_needs_role(
    hsm_env: EmulatorHandle, access: KeyVaultAccessControlClient
) -> None:
    principal_id = new_principal()
    async with identity(principal_id) as other:
        async with access_client(hsm_env, other) as other_access:
            with pytest.raises(HttpResponseError) as denied:
                async for _ in other_access.list_role_definitions("/"):
                    pass
            assert denied.value.status_code == 403
            assert "roleDefinitions/read/action" in str(denied.value)
            assert principal_id in str(denied.value)

            await access.create_role_assignment(
                KeyVaultRoleScope.GLOBAL, CRYPTO_AUDITOR_ID, principal_id
            )
            names = [
                definition.role_name
                async for definition in other_access.list_role_definitions("/")
            ]
    assert "Managed HSM Crypto Auditor" in names


async def test_backup_needs_administrator_role(
    hsm_env: EmulatorHandle, access: KeyVaultAccessControlClient
) -> None:
    principal_id = new_principal()
    async with identity(principal_id) as other:
        async with backup_client(hsm_env, other) as other_backup:
            with pytest.raises(HttpResponseError) as denied:
                await other_backup.begin_backup(CONTAINER_URL, sas_token=SAS_TOKEN)
            assert denied.value.status_code == 403
            assert "backup/start/action" in str(denied.value)

            await access.create_role_assignment(
                KeyVaultRoleScope.GLOBAL, ADMINISTRATOR_ID, principal_id
            )
            folder_url = await run_backup(other_backup)
    assert folder_url.startswith(CONTAINER_URL + "/mhsm-")


async def test_concurrent_assignments_none_lost(
    access: KeyVaultAccessControlClient,
) -> None:
    # A distinct principal per request shows whether any request went out
    # with another request's body.
    expected = {str(uuid.uuid4()): new_principal() for _ in range(20)}

    async def assign(name: str) -> KeyVaultRoleAssignment:
        return await access.create_role_assignment(
            KeyVaultRoleScope.KEYS, CRYPTO_AUDITOR_ID, expected[name], name=name
        )

    created = await asyncio.gather(*(assign(name) for name in expected))

    created_principals = {
        assignment.name: assignment.properties.principal_id
        for assignment in created
        if assignment.properties is not None
    }
    listed_principals = {
        assignment.name: assignment.properties.principal_id
        async for assignment in access.list_role_assignments(KeyVaultRoleScope.KEYS)
        if assignment.name in expected and assignment.properties is not None
    }
    assert created_principals == expected
    assert listed_principals == expected


# -- backup and restore ---------------------------------------------------------


async def test_backup_folder_url_shape(backup: KeyVaultBackupClient) -> None:
    folder_url = await run_backup(backup)

    container, _, folder = folder_url.rpartition("/")
    assert container == CONTAINER_URL
    assert folder.startswith("mhsm-emulator-")
    assert folder.removeprefix("mhsm-emulator-").isdigit()


async def test_selective_restore_recovers_key(
    backup: KeyVaultBackupClient, keys: KeyClient
) -> None:
    name = f"restored-{uuid.uuid4().hex[:8]}"
    original = await keys.create_rsa_key(name, size=2048)
    folder_url = await run_backup(backup)
    await delete_and_purge_key(keys, name)
    with pytest.raises(ResourceNotFoundError):
        await keys.get_key(name)

    poller = await backup.begin_restore(
        folder_url,
        sas_token=SAS_TOKEN,
        key_name=name,
        polling_interval=POLLING_INTERVAL,
    )
    await poller.wait()

    restored = await keys.get_key(name)
    assert restored.id == original.id
    assert restored.properties.version == original.properties.version
    assert restored.key.n == original.key.n  # type: ignore[attr-defined]


async def test_full_restore_reverts_state(
    access: KeyVaultAccessControlClient,
    backup: KeyVaultBackupClient,
    settings: KeyVaultSettingsClient,
) -> None:
    value_at_backup = (await settings.get_setting(SETTING_NAME)).value
    folder_url = await run_backup(backup)
    definition = await access.set_role_definition(
        KeyVaultRoleScope.GLOBAL, role_name="created after backup"
    )
    changed_value = "false" if value_at_backup == "true" else "true"
    await settings.update_setting(
        KeyVaultSetting(name=SETTING_NAME, value=changed_value)
    )

    poller = await backup.begin_restore(
        folder_url, sas_token=SAS_TOKEN, polling_interval=POLLING_INTERVAL
    )
    await poller.wait()

    assert definition.name is not None
    with pytest.raises(ResourceNotFoundError):
        await access.get_role_definition(KeyVaultRoleScope.GLOBAL, definition.name)
    assert (await settings.get_setting(SETTING_NAME)).value == value_at_backup


async def test_pre_backup_check_succeeds(backup: KeyVaultBackupClient) -> None:
    poller = await backup.begin_pre_backup(
        CONTAINER_URL, sas_token=SAS_TOKEN, polling_interval=POLLING_INTERVAL
    )
    await poller.wait()

    assert poller.status() == "Succeeded"
    assert await poller.result() is None  # type: ignore[func-returns-value]


async def test_pre_restore_check_succeeds(backup: KeyVaultBackupClient) -> None:
    folder_url = await run_backup(backup)

    poller = await backup.begin_pre_restore(
        folder_url, sas_token=SAS_TOKEN, polling_interval=POLLING_INTERVAL
    )
    await poller.wait()

    assert poller.status() == "Succeeded"
    assert await poller.result() is None  # type: ignore[func-returns-value]


async def test_unsigned_sas_fails_backup(backup: KeyVaultBackupClient) -> None:
    poller = await backup.begin_backup(
        CONTAINER_URL, sas_token=UNSIGNED_SAS_TOKEN, polling_interval=POLLING_INTERVAL
    )

    with pytest.raises(HttpResponseError) as failure:
        await poller.result()
    assert "Failed" in str(failure.value)
    assert "does not contain the sig field" in str(failure.value)
    assert failure.value.error_code == "BadRequest"  # type: ignore[attr-defined]


async def test_unsigned_sas_fails_restore(backup: KeyVaultBackupClient) -> None:
    folder_url = await run_backup(backup)
    poller = await backup.begin_restore(
        folder_url, sas_token=UNSIGNED_SAS_TOKEN, polling_interval=POLLING_INTERVAL
    )

    with pytest.raises(HttpResponseError) as failure:
        await poller.wait()
    assert "does not contain the sig field" in str(failure.value)


async def test_unsigned_sas_fails_pre_backup(backup: KeyVaultBackupClient) -> None:
    poller = await backup.begin_pre_backup(
        CONTAINER_URL, sas_token=UNSIGNED_SAS_TOKEN, polling_interval=POLLING_INTERVAL
    )

    with pytest.raises(HttpResponseError) as failure:
        await poller.wait()
    assert "does not contain the sig field" in str(failure.value)


async def test_unsigned_sas_fails_pre_restore(backup: KeyVaultBackupClient) -> None:
    folder_url = await run_backup(backup)
    poller = await backup.begin_pre_restore(
        folder_url, sas_token=UNSIGNED_SAS_TOKEN, polling_interval=POLLING_INTERVAL
    )

    with pytest.raises(HttpResponseError) as failure:
        await poller.result()
    assert "does not contain the sig field" in str(failure.value)


async def test_full_restore_removes_later_key(
    backup: KeyVaultBackupClient, keys: KeyClient
) -> None:
    folder_url = await run_backup(backup)
    name = f"later-{uuid.uuid4().hex[:8]}"
    await keys.create_rsa_key(name)

    poller = await backup.begin_restore(
        folder_url, sas_token=SAS_TOKEN, polling_interval=POLLING_INTERVAL
    )
    await poller.wait()

    with pytest.raises(ResourceNotFoundError):
        await keys.get_key(name)


async def test_selective_restore_missing_key_fails(
    backup: KeyVaultBackupClient,
) -> None:
    folder_url = await run_backup(backup)
    poller = await backup.begin_restore(
        folder_url,
        sas_token=SAS_TOKEN,
        key_name="never-created",
        polling_interval=POLLING_INTERVAL,
    )

    with pytest.raises(HttpResponseError) as failure:
        await poller.wait()
    assert "KeyNotFound" in str(failure.value)
    assert "never-created" in str(failure.value)


async def test_restore_missing_folder_fails(backup: KeyVaultBackupClient) -> None:
    poller = await backup.begin_restore(
        CONTAINER_URL + "/mhsm-emulator-2000010100000000",
        sas_token=SAS_TOKEN,
        polling_interval=POLLING_INTERVAL,
    )

    with pytest.raises(HttpResponseError) as failure:
        await poller.result()
    assert "FolderNotFound" in str(failure.value)


async def test_second_job_while_running_conflicts(
    slow_hsm: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_emulator_env(monkeypatch, slow_hsm)
    async with identity() as bootstrap:
        async with backup_client(slow_hsm, bootstrap) as client:
            running = await client.begin_backup(
                CONTAINER_URL, sas_token=SAS_TOKEN, polling_interval=POLLING_INTERVAL
            )
            with pytest.raises(HttpResponseError) as conflict:
                await client.begin_pre_backup(CONTAINER_URL, sas_token=SAS_TOKEN)
            await running.wait()

    assert conflict.value.status_code == 409
    assert running.status() == "Succeeded"


async def test_network_trace_hides_secrets(
    hsm: EmulatorHandle, caplog: pytest.LogCaptureFixture
) -> None:
    # The network trace logs under this package's name, azure-core's
    # HttpLoggingPolicy under "azure".
    caplog.set_level(logging.DEBUG, logger="azure_keyvault_administration_clone")
    caplog.set_level(logging.DEBUG, logger="azure")
    credential = AsyncHandleCredential(hsm)
    async with KeyVaultBackupClient(
        hsm.url,
        credential,
        connection_verify=str(hsm.ca_file),
        logging_enable=True,
    ) as client:
        folder_url = await run_backup(client)
        poller = await client.begin_pre_restore(
            folder_url, sas_token=SECRET_SAS_TOKEN, polling_interval=POLLING_INTERVAL
        )
        await poller.wait()
        backup_poller = await client.begin_backup(
            CONTAINER_URL, sas_token=SECRET_SAS_TOKEN, polling_interval=POLLING_INTERVAL
        )
        await backup_poller.wait()

    assert "storageResourceUri" in caplog.text
    assert '"token": "REDACTED"' in caplog.text
    assert SECRET_SIGNATURE not in caplog.text
    assert len(credential.tokens) == 1
    assert credential.tokens[0] not in caplog.text


async def test_continuation_token_resumes_backup(
    slow_hsm: EmulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    emulator_log: pytest.LogCaptureFixture,
) -> None:
    use_emulator_env(monkeypatch, slow_hsm)
    async with identity() as bootstrap:
        async with backup_client(slow_hsm, bootstrap) as first:
            poller = await first.begin_backup(
                CONTAINER_URL, sas_token=SAS_TOKEN, polling_interval=POLLING_INTERVAL
            )
            token = poller.continuation_token()
            assert not poller.done()

            # A new client, as in another process, resumes from the token only.
            async with backup_client(slow_hsm, bootstrap) as second:
                resumed = await second.begin_backup(
                    CONTAINER_URL,
                    sas_token=SAS_TOKEN,
                    continuation_token=token,
                    polling_interval=POLLING_INTERVAL,
                )
                resumed_folder = (await resumed.result()).folder_url
            original_folder = (await poller.result()).folder_url

    assert resumed_folder is not None
    assert resumed_folder == original_folder
    assert [path.name for path in backup_folders(slow_hsm)] == [
        resumed_folder.rsplit("/", 1)[-1]
    ]
    assert len(accepted_backup_posts(emulator_log)) == 1


async def test_finished_job_token_resumes(backup: KeyVaultBackupClient) -> None:
    poller = await backup.begin_backup(
        CONTAINER_URL, sas_token=SAS_TOKEN, polling_interval=POLLING_INTERVAL
    )
    folder_url = (await poller.result()).folder_url

    resumed = await backup.begin_backup(
        CONTAINER_URL,
        sas_token=SAS_TOKEN,
        continuation_token=poller.continuation_token(),
    )

    assert resumed.status() == "Succeeded"
    assert (await resumed.result()).folder_url == folder_url


async def test_token_of_other_vault_rejected(
    fresh_hsm: EmulatorHandle, backup: KeyVaultBackupClient
) -> None:
    async with KeyVaultBackupClient(
        fresh_hsm.url,
        AsyncHandleCredential(fresh_hsm),
        connection_verify=str(fresh_hsm.ca_file),
    ) as other:
        poller = await other.begin_backup(
            CONTAINER_URL, sas_token=SAS_TOKEN, polling_interval=POLLING_INTERVAL
        )
        await poller.wait()

    with pytest.raises(ValueError, match="not for this client's vault"):
        await backup.begin_backup(
            CONTAINER_URL,
            sas_token=SAS_TOKEN,
            continuation_token=poller.continuation_token(),
        )


async def test_backup_token_rejected_by_restore(
    backup: KeyVaultBackupClient,
) -> None:
    poller = await backup.begin_backup(
        CONTAINER_URL, sas_token=SAS_TOKEN, polling_interval=POLLING_INTERVAL
    )
    folder_url = (await poller.result()).folder_url
    assert folder_url is not None

    with pytest.raises(ValueError, match="not for a restore job"):
        await backup.begin_restore(
            folder_url,
            sas_token=SAS_TOKEN,
            continuation_token=poller.continuation_token(),
        )


# -- authentication ---------------------------------------------------------------


async def test_rejected_token_is_replaced(hsm: EmulatorHandle) -> None:
    credential = AsyncHandleCredential(hsm, expired_first=1)
    async with KeyVaultSettingsClient(
        hsm.url, credential, connection_verify=str(hsm.ca_file)
    ) as client:
        setting = await client.get_setting(SETTING_NAME)

    assert setting.name == SETTING_NAME
    assert len(credential.tokens) == 2


async def test_ssl_cert_file_env_trusted(
    hsm_env: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    credential = AsyncHandleCredential(hsm_env)
    async with KeyVaultSettingsClient(hsm_env.url, credential) as client:
        setting = await client.get_setting(SETTING_NAME)
    monkeypatch.delenv("SSL_CERT_FILE")
    # Without retries the TLS failure is raised at once.
    async with KeyVaultSettingsClient(hsm_env.url, credential, retry_total=0) as client:
        with pytest.raises(ServiceRequestError):
            await client.get_setting(SETTING_NAME)

    assert setting.name == SETTING_NAME


async def test_ipv6_loopback_emulator_works() -> None:
    try:
        handle = start_emulator(host="::1", job_seconds=JOB_SECONDS, retry_after=0)
    except OSError as error:
        pytest.skip(f"::1 is not available here: {error}")
    with handle:
        async with KeyVaultBackupClient(
            handle.url,
            AsyncHandleCredential(handle),
            connection_verify=str(handle.ca_file),
        ) as client:
            poller = await client.begin_backup(
                CONTAINER_URL, sas_token=SAS_TOKEN, polling_interval=POLLING_INTERVAL
            )
            token = poller.continuation_token()
            folder_url = (await poller.result()).folder_url
            resumed = await client.begin_backup(
                CONTAINER_URL, sas_token=SAS_TOKEN, continuation_token=token
            )
            resumed_folder = (await resumed.result()).folder_url

    assert handle.url.startswith("https://[::1]:")
    assert folder_url is not None
    assert resumed_folder == folder_url


# -- settings -------------------------------------------------------------------


async def test_setting_update_round_trip(
    fresh_hsm: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_emulator_env(monkeypatch, fresh_hsm)
    async with identity() as bootstrap:
        async with settings_client(fresh_hsm, bootstrap) as client:
            default = await client.get_setting(SETTING_NAME)
            updated = await client.update_setting(
                KeyVaultSetting(name=SETTING_NAME, value=True)
            )
            fetched = await client.get_setting(SETTING_NAME)
            listed = {setting.name: setting async for setting in client.list_settings()}

    assert default.value == "false"
    assert default.getboolean() is False
    assert updated.value == "true"
    assert fetched.value == "true"
    assert fetched.getboolean() is True
    assert SETTING_NAME in listed
    assert listed[SETTING_NAME].value == "true"


# -- persistence ----------------------------------------------------------------


async def test_restart_keeps_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "hsm"
    principal_id = new_principal()
    key_name = f"kept-{uuid.uuid4().hex[:8]}"
    with start_emulator(
        data_dir=data_dir, job_seconds=JOB_SECONDS, retry_after=0
    ) as first:
        use_emulator_env(monkeypatch, first)
        first_port = first.port
        async with identity() as bootstrap:
            async with access_client(first, bootstrap) as access:
                definition = await access.set_role_definition(
                    KeyVaultRoleScope.GLOBAL, role_name="kept across restarts"
                )
                assert definition.id is not None
                assignment = await access.create_role_assignment(
                    KeyVaultRoleScope.KEYS, definition.id, principal_id
                )
            async with key_client(first, bootstrap) as keys:
                key = await keys.create_ec_key(key_name)
            async with settings_client(first, bootstrap) as settings:
                await settings.update_setting(
                    KeyVaultSetting(name=SETTING_NAME, value=True)
                )

    with start_emulator(
        data_dir=data_dir, job_seconds=JOB_SECONDS, retry_after=0
    ) as second:
        use_emulator_env(monkeypatch, second)
        async with identity() as bootstrap:
            async with access_client(second, bootstrap) as access:
                assert definition.name is not None
                kept_definition = await access.get_role_definition("/", definition.name)
                assert assignment.name is not None
                kept_assignment = await access.get_role_assignment(
                    "/keys", assignment.name
                )
            async with key_client(second, bootstrap) as keys:
                kept_key = await keys.get_key(key_name)
            async with settings_client(second, bootstrap) as settings:
                kept_setting = await settings.get_setting(SETTING_NAME)

    assert second.port != first_port
    assert kept_definition.role_name == "kept across restarts"
    assert kept_assignment.properties is not None
    assert kept_assignment.properties.principal_id == principal_id
    assert kept_key.properties.version == key.properties.version
    assert kept_setting.value == "true"


async def test_restart_keeps_backup_folders(tmp_path: Path) -> None:
    data_dir = tmp_path / "hsm"
    with start_emulator(
        data_dir=data_dir, job_seconds=JOB_SECONDS, retry_after=0
    ) as first:
        async with KeyVaultBackupClient(
            first.url,
            AsyncHandleCredential(first),
            connection_verify=str(first.ca_file),
        ) as client:
            folder_url = await run_backup(client)

    with start_emulator(
        data_dir=data_dir, job_seconds=JOB_SECONDS, retry_after=0
    ) as second:
        async with KeyVaultBackupClient(
            second.url,
            AsyncHandleCredential(second),
            connection_verify=str(second.ca_file),
        ) as client:
            poller = await client.begin_pre_restore(
                folder_url, sas_token=SAS_TOKEN, polling_interval=POLLING_INTERVAL
            )
            await poller.wait()
        folders: List[str] = [path.name for path in backup_folders(second)]

    assert folders == [folder_url.rsplit("/", 1)[-1]]


async def test_restart_fails_interrupted_job(tmp_path: Path) -> None:
    data_dir = tmp_path / "hsm"
    # An async poller only polls when awaited, so the abandoned one sends
    # nothing after the first emulator stops.
    with start_emulator(data_dir=data_dir, job_seconds=30) as first:
        port = first.port
        async with KeyVaultBackupClient(
            first.url,
            AsyncHandleCredential(first),
            connection_verify=str(first.ca_file),
        ) as client:
            started = await client.begin_backup(CONTAINER_URL, sas_token=SAS_TOKEN)
            token = started.continuation_token()

    # The same port keeps the status URL in the token on the client's vault.
    with start_emulator(
        data_dir=data_dir, port=port, job_seconds=JOB_SECONDS, retry_after=0
    ) as second:
        async with KeyVaultBackupClient(
            second.url,
            AsyncHandleCredential(second),
            connection_verify=str(second.ca_file),
        ) as client:
            resumed = await client.begin_backup(
                CONTAINER_URL, sas_token=SAS_TOKEN, continuation_token=token
            )
            with pytest.raises(HttpResponseError) as failure:
                await resumed.result()
            folder_url = await run_backup(client)

    assert "stopped before the job finished" in str(failure.value)
    assert folder_url.startswith(CONTAINER_URL + "/mhsm-")
