"""Replay recorded Managed HSM traffic through the clone's sync clients.

Each recording under the reference ``recordings/python`` and
``recordings/js`` folders gets one scenario that repeats the calls of the
recorded test with the public API. The replayer serves the recorded
responses in order, and the scenario checks the results against the
recorded bodies, the request bodies against the recorded requests, and that
every recorded entry was used.
"""

from __future__ import annotations

import json
import re
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

try:
    from tests.replay import MISMATCH_STATUS, RecordedEntry, ReplayServer
    from tests.replay.fixtures import (
        ReplaySession,
        fresh_challenge_caches,
        start_replay,
    )
except ImportError:
    # pytest's default import mode puts tests/ itself on sys.path when tests/
    # has no __init__.py, so the package imports as plain "replay".
    from replay import (  # type: ignore[no-redef]
        MISMATCH_STATUS,
        RecordedEntry,
        ReplayServer,
    )
    from replay.fixtures import (  # type: ignore[no-redef]
        ReplaySession,
        fresh_challenge_caches,  # noqa: F401 (pytest fixture)
        start_replay,
    )

from azure_keyvault_administration_clone import (
    KeyVaultAccessControlClient,
    KeyVaultBackupClient,
    KeyVaultDataAction,
    KeyVaultPermission,
    KeyVaultRoleScope,
    KeyVaultSetting,
    KeyVaultSettingsClient,
)
from tests.reference import RECORDINGS_DIR

REFERENCE = RECORDINGS_DIR
RECORDING_FILES = sorted(REFERENCE.glob("python/*.json")) + sorted(
    REFERENCE.glob("js/*.json")
)

MHSM_SCOPE = "https://managedhsm.azure.net/.default"
PYTHON_API_VERSION = "2025-07-01"
# The clone supports 7.2-7.6 and 2025-07-01. Recordings made with a preview
# version replay with the matching stable one, which only changes the query,
# and matching ignores the query.
STABLE_FOR_PREVIEW = {"7.5-preview.1": "7.5"}

# The Python recorder's sanitizer turned the container URL
# "https://<account>.blob.core.windows.net/hsmbackups" into this string,
# dropping the slash. Tests send the unsanitized shape and apply the same
# rewrite to request bodies before comparing them with the recording.
SANITIZED_BLOB_PREFIX = "https://Sanitized.blob.core.windows.net"
PYTHON_CONTAINER_URL = SANITIZED_BLOB_PREFIX + "/hsmbackups"

JS_CONTAINER_URL = "https://uri.blob.core.windows.net/uri"
JS_SAS_TOKEN = "blob_storage_sas_token"

DEFINITION_PATH = "/providers/Microsoft.Authorization/roleDefinitions"
ASSIGNMENT_PATH = "/providers/Microsoft.Authorization/roleAssignments"
ARM_SETTING = "AllowKeyManagementOperationsThroughARM"

Scenario = Callable[[ReplaySession, str], None]


# --------------------------------------------------------------------------
# helpers


def api_version_for(session: ReplaySession) -> str:
    """Return the api-version a scenario passes to the clone's clients."""
    if session.recording.path.parent.name == "python":
        return PYTHON_API_VERSION
    recorded = session.recording.api_version or ""
    return STABLE_FOR_PREVIEW.get(recorded, recorded)


def access_client(
    session: ReplaySession, api_version: str
) -> KeyVaultAccessControlClient:
    return KeyVaultAccessControlClient(
        session.vault_url,
        session.credential,
        transport=session.transport,
        api_version=api_version,
    )


def backup_client(session: ReplaySession, api_version: str) -> KeyVaultBackupClient:
    return KeyVaultBackupClient(
        session.vault_url,
        session.credential,
        transport=session.transport,
        api_version=api_version,
    )


def settings_client(session: ReplaySession, api_version: str) -> KeyVaultSettingsClient:
    return KeyVaultSettingsClient(
        session.vault_url,
        session.credential,
        transport=session.transport,
        api_version=api_version,
    )


def recorded(
    session: ReplaySession, method: str, path: str, status: Optional[int] = None
) -> list[RecordedEntry]:
    """Recorded entries with this method and exact normalized path."""
    return [
        entry
        for entry in session.recording.entries
        if entry.method == method
        and entry.path == path
        and (status is None or entry.status_code == status)
    ]


def recorded_body(
    session: ReplaySession, method: str, path: str, status: int
) -> dict[str, Any]:
    """Response body of the first recorded entry with this method and path."""
    entries = recorded(session, method, path, status)
    assert entries, f"recording has no {method} {path} -> {status} entry"
    body = entries[0].response_body
    assert isinstance(body, dict)
    return body


def final_poll_body(session: ReplaySession, kind: str, index: int) -> dict[str, Any]:
    """Body of the last terminal poll of the ``index``-th job of ``kind``."""
    job_paths: list[str] = []
    for entry in session.recording.entries:
        if entry.is_status_poll and entry.path.startswith(f"/{kind}/"):
            if entry.path not in job_paths:
                job_paths.append(entry.path)
    terminal = [
        entry
        for entry in session.recording.entries
        if entry.is_terminal_poll and entry.path == job_paths[index]
    ]
    body = terminal[-1].response_body
    assert isinstance(body, dict)
    return body


def unsanitize_folder_url(folder_url: str) -> str:
    """Undo the recorder's blob URL sanitizing so the folder parses again."""
    sanitized_container = SANITIZED_BLOB_PREFIX + "hsmbackups"
    return folder_url.replace(sanitized_container, PYTHON_CONTAINER_URL, 1)


def sanitize_like_recorder(text: str) -> str:
    """Apply the Python recorder's blob URL sanitizing to a request body."""
    return text.replace(SANITIZED_BLOB_PREFIX + "/", SANITIZED_BLOB_PREFIX)


def assert_replay_complete(session: ReplaySession) -> None:
    """Check entries, request bodies and token requests of a finished replay."""
    session.replayer.assert_all_used()

    for request, entry in session.replayer.served:
        if entry.request_body is None or entry.is_challenge:
            continue
        sent = sanitize_like_recorder(request.body.decode("utf-8"))
        assert json.loads(sent) == entry.request_body, entry.describe()

    assert session.credential.requests, "the clients requested no token"
    for scope in session.credential.scopes:
        assert scope == MHSM_SCOPE
    for tenant in session.served_challenge_tenants:
        assert tenant in session.credential.tenants


# --------------------------------------------------------------------------
# access control scenarios


def python_role_assignment(session: ReplaySession, api_version: str) -> None:
    client = access_client(session, api_version)
    scope = KeyVaultRoleScope.GLOBAL
    listed_body = recorded_body(session, "PUT", ASSIGNMENT_PATH + "/some-uuid", 201)
    principal_id = listed_body["properties"]["principalId"]

    definitions = list(client.list_role_definitions(scope))
    definition = definitions[0]
    assert definition.id == listed_body["properties"]["roleDefinitionId"]

    created = client.create_role_assignment(
        scope, definition.id, principal_id, name="some-uuid"
    )
    assert created.name == "some-uuid"
    assert created.role_assignment_id == listed_body["id"]
    assert created.properties.principal_id == principal_id
    assert created.properties.role_definition_id == definition.id
    assert created.properties.scope == KeyVaultRoleScope.GLOBAL

    fetched = client.get_role_assignment(scope, "some-uuid")
    assert fetched.name == "some-uuid"
    assert fetched.properties.principal_id == principal_id

    listed = [assignment.name for assignment in client.list_role_assignments(scope)]
    assert "some-uuid" in listed

    assert client.delete_role_assignment(scope, "some-uuid") is None

    remaining = [assignment.name for assignment in client.list_role_assignments(scope)]
    assert "some-uuid" not in remaining


def python_role_definitions(session: ReplaySession, api_version: str) -> None:
    client = access_client(session, api_version)
    scope = KeyVaultRoleScope.GLOBAL
    name = "definition-name"
    puts = recorded(session, "PUT", f"{DEFINITION_PATH}/{name}", 201)
    first_role_name = puts[0].request_body["properties"]["roleName"]  # type: ignore[index]
    second_role_name = puts[1].request_body["properties"]["roleName"]  # type: ignore[index]

    before = [definition.name for definition in client.list_role_definitions(scope)]
    assert name not in before

    permissions = [KeyVaultPermission(data_actions=[KeyVaultDataAction.READ_HSM_KEY])]
    created = client.set_role_definition(
        scope,
        name=name,
        role_name=first_role_name,
        description="test",
        permissions=permissions,
    )
    assert created.name == name
    assert created.role_name == first_role_name
    assert created.description == "test"
    assert created.permissions[0].data_actions == [KeyVaultDataAction.READ_HSM_KEY]
    assert created.assignable_scopes == [KeyVaultRoleScope.GLOBAL]

    permissions = [
        KeyVaultPermission(
            data_actions=[], not_data_actions=[KeyVaultDataAction.READ_HSM_KEY]
        )
    ]
    updated = client.set_role_definition(
        scope, name=name, role_name=second_role_name, permissions=permissions
    )
    assert updated.role_name == second_role_name
    assert updated.description == ""
    assert updated.permissions[0].data_actions == []
    assert updated.permissions[0].not_data_actions == [KeyVaultDataAction.READ_HSM_KEY]

    listed = {d.name: d for d in client.list_role_definitions(scope)}
    assert name in listed
    assert listed[name].role_name == second_role_name

    fetched = client.get_role_definition(scope, name)
    assert fetched.id == updated.id
    assert fetched.role_name == second_role_name
    assert fetched.role_type == "CustomRole"

    client.delete_role_definition(scope, name)

    after = [definition.name for definition in client.list_role_definitions(scope)]
    assert name not in after


def js_create_read_delete_assignment(session: ReplaySession, api_version: str) -> None:
    client = access_client(session, api_version)
    scope = KeyVaultRoleScope.GLOBAL
    name = session.recording.variables["uuid-1"]
    missing_name = session.recording.variables["uuid-2"]
    body = recorded_body(session, "PUT", f"{ASSIGNMENT_PATH}/{name}", 201)
    role_definition_id = body["properties"]["roleDefinitionId"]
    principal_id = body["properties"]["principalId"]

    definition_ids = [d.id for d in client.list_role_definitions(scope)]
    assert role_definition_id in definition_ids

    created = client.create_role_assignment(
        scope, role_definition_id, principal_id, name=name
    )
    assert created.name == name
    assert created.properties.principal_id == principal_id
    assert created.properties.role_definition_id == role_definition_id

    fetched = client.get_role_assignment(scope, name)
    assert fetched.role_assignment_id == created.role_assignment_id

    assert client.delete_role_assignment(scope, name) is None

    with pytest.raises(ResourceNotFoundError) as raised:
        client.get_role_assignment(scope, missing_name)
    assert raised.value.status_code == 404
    assert raised.value.error is not None
    assert raised.value.error.code == "RoleAssignmentNotFound"


def js_list_role_assignments(session: ReplaySession, api_version: str) -> None:
    client = access_client(session, api_version)
    body = recorded_body(session, "GET", ASSIGNMENT_PATH, 200)

    assignments = list(client.list_role_assignments(KeyVaultRoleScope.GLOBAL))

    assert [a.name for a in assignments] == [item["name"] for item in body["value"]]
    assert [a.properties.principal_id for a in assignments] == [
        item["properties"]["principalId"] for item in body["value"]
    ]
    assert [a.properties.scope for a in assignments] == [
        item["properties"]["scope"] for item in body["value"]
    ]


def js_list_role_definitions(session: ReplaySession, api_version: str) -> None:
    client = access_client(session, api_version)
    body = recorded_body(session, "GET", DEFINITION_PATH, 200)

    definitions = list(client.list_role_definitions(KeyVaultRoleScope.GLOBAL))

    assert [d.id for d in definitions] == [item["id"] for item in body["value"]]
    assert [d.role_name for d in definitions] == [
        item["properties"]["roleName"] for item in body["value"]
    ]
    assert [d.role_type for d in definitions] == [
        item["properties"]["type"] for item in body["value"]
    ]
    assert [d.permissions[0].data_actions for d in definitions] == [
        item["properties"]["permissions"][0]["dataActions"] for item in body["value"]
    ]


def js_delete_missing_definition(session: ReplaySession, api_version: str) -> None:
    client = access_client(session, api_version)

    assert client.delete_role_definition(KeyVaultRoleScope.GLOBAL, "foobar") is None

    last_status = session.replayer.served[-1][1].status_code
    assert last_status == 404


def js_get_definition_by_name(session: ReplaySession, api_version: str) -> None:
    client = access_client(session, api_version)
    scope = KeyVaultRoleScope.GLOBAL

    first = next(iter(client.list_role_definitions(scope)))
    fetched = client.get_role_definition(scope, first.name)

    body = recorded_body(session, "GET", f"{DEFINITION_PATH}/{first.name}", 200)
    assert fetched.name == body["name"]
    assert fetched.id == first.id
    assert fetched.role_name == body["properties"]["roleName"]
    recorded_actions = body["properties"]["permissions"][0]["dataActions"]
    assert fetched.permissions[0].data_actions == recorded_actions


# --------------------------------------------------------------------------
# backup scenarios


def assert_polled_through_transport(session: ReplaySession) -> None:
    """The pollers must sleep through the transport, whose sleep is a no-op."""
    assert session.transport.sleeps, "pollers never called transport.sleep"


def python_full_backup_and_restore(session: ReplaySession, api_version: str) -> None:
    client = backup_client(session, api_version)
    expected_folder = final_poll_body(session, "backup", 1)[
        "azureStorageBlobContainerUri"
    ]

    pre_backup = client.begin_pre_backup(
        PYTHON_CONTAINER_URL, use_managed_identity=True, _polling_interval=0
    )
    assert pre_backup.result() is None
    assert pre_backup.status() == "Succeeded"

    backup = client.begin_backup(
        PYTHON_CONTAINER_URL, use_managed_identity=True, _polling_interval=0
    )
    result = backup.result()
    assert result.folder_url == expected_folder

    folder_url = unsanitize_folder_url(result.folder_url)
    pre_restore = client.begin_pre_restore(
        folder_url, use_managed_identity=True, _polling_interval=0
    )
    assert pre_restore.result() is None
    assert pre_restore.status() == "Succeeded"

    restore = client.begin_restore(
        folder_url, use_managed_identity=True, _polling_interval=0
    )
    assert restore.result() is None
    assert restore.status() == "Succeeded"
    assert_polled_through_transport(session)


def _backup_and_restore_resumed(session: ReplaySession, api_version: str) -> None:
    expected_folder = final_poll_body(session, "backup", 0)[
        "azureStorageBlobContainerUri"
    ]

    backup = backup_client(session, api_version).begin_backup(
        PYTHON_CONTAINER_URL, use_managed_identity=True, _polling_interval=0
    )
    token = backup.continuation_token()
    resumed_backup = backup_client(session, api_version).begin_backup(
        PYTHON_CONTAINER_URL,
        use_managed_identity=True,
        continuation_token=token,
        _polling_interval=0,
    )
    assert backup.result().folder_url == expected_folder
    assert resumed_backup.result().folder_url == expected_folder
    assert resumed_backup.status() == "Succeeded"

    folder_url = unsanitize_folder_url(expected_folder)
    restore = backup_client(session, api_version).begin_restore(
        folder_url, use_managed_identity=True, _polling_interval=0
    )
    token = restore.continuation_token()
    resumed_restore = backup_client(session, api_version).begin_restore(
        folder_url,
        use_managed_identity=True,
        continuation_token=token,
        _polling_interval=0,
    )
    assert restore.result() is None
    assert resumed_restore.result() is None
    assert resumed_restore.status() == "Succeeded"
    assert_polled_through_transport(session)


def python_backup_client_polling(session: ReplaySession, api_version: str) -> None:
    _backup_and_restore_resumed(session, api_version)


def python_backup_and_restore_rehydration(
    session: ReplaySession, api_version: str
) -> None:
    _backup_and_restore_resumed(session, api_version)


def python_selective_key_restore(session: ReplaySession, api_version: str) -> None:
    from azure.keyvault.keys import KeyClient

    create_entry = next(
        entry
        for entry in session.recording.entries
        if entry.path.endswith("/create") and entry.status_code == 200
    )
    key_name = create_entry.path.split("/")[2]
    key_body = create_entry.response_body
    assert isinstance(key_body, dict)
    expected_folder = final_poll_body(session, "backup", 0)[
        "azureStorageBlobContainerUri"
    ]
    expected_details = final_poll_body(session, "restore", 0)["statusDetails"]
    assert expected_details

    key_client = KeyClient(
        session.vault_url, session.credential, transport=session.transport
    )
    key = key_client.create_rsa_key(key_name)
    assert key.name == key_name
    assert key.id == key_body["key"]["kid"]

    client = backup_client(session, api_version)
    backup = client.begin_backup(
        PYTHON_CONTAINER_URL, use_managed_identity=True, _polling_interval=0
    )
    result = backup.result()
    assert result.folder_url == expected_folder

    restore = client.begin_restore(
        unsanitize_folder_url(result.folder_url),
        use_managed_identity=True,
        key_name=key_name,
        _polling_interval=0,
    )
    assert restore.result() is None
    assert restore.status() == "Succeeded"

    delete = key_client.begin_delete_key(key_name, _polling_interval=0)
    delete.wait()
    assert delete.result().name == key_name
    key_client.purge_deleted_key(key_name)
    assert_polled_through_transport(session)


def js_backup_succeeds(session: ReplaySession, api_version: str) -> None:
    client = backup_client(session, api_version)
    expected_folder = final_poll_body(session, "backup", 0)[
        "azureStorageBlobContainerUri"
    ]

    poller = client.begin_backup(
        JS_CONTAINER_URL, sas_token=JS_SAS_TOKEN, _polling_interval=0
    )
    result = poller.result()

    assert result.folder_url == expected_folder
    assert poller.status() == "Succeeded"
    assert_polled_through_transport(session)


def js_backup_bad_sas_raises(session: ReplaySession, api_version: str) -> None:
    client = backup_client(session, api_version)
    body = recorded_body(session, "POST", "/backup", 400)

    with pytest.raises(HttpResponseError) as raised:
        client.begin_backup(JS_CONTAINER_URL, sas_token="Sanitized").result()

    assert raised.value.status_code == 400
    assert raised.value.error is not None
    assert raised.value.error.code == body["error"]["code"]
    assert body["error"]["message"] in str(raised.value)


def js_full_restore_succeeds(session: ReplaySession, api_version: str) -> None:
    client = backup_client(session, api_version)
    expected_folder = final_poll_body(session, "backup", 0)[
        "azureStorageBlobContainerUri"
    ]

    backup = client.begin_backup(
        JS_CONTAINER_URL, sas_token=JS_SAS_TOKEN, _polling_interval=0
    )
    result = backup.result()
    assert result.folder_url == expected_folder

    restore = client.begin_restore(
        result.folder_url, sas_token=JS_SAS_TOKEN, _polling_interval=0
    )
    assert restore.result() is None
    assert restore.status() == "Succeeded"
    assert_polled_through_transport(session)


# --------------------------------------------------------------------------
# settings scenarios


def python_update_settings(session: ReplaySession, api_version: str) -> None:
    client = settings_client(session, api_version)

    setting = client.get_setting(ARM_SETTING)
    assert setting.name == ARM_SETTING
    assert setting.value == "false"
    assert setting.setting_type == "boolean"

    enabled = client.update_setting(KeyVaultSetting(name=ARM_SETTING, value=True))
    assert enabled.value == "true"
    assert enabled.getboolean() is True

    disabled = client.update_setting(KeyVaultSetting(name=ARM_SETTING, value=False))
    assert disabled.value == "false"
    assert disabled.getboolean() is False


def list_settings(session: ReplaySession, api_version: str) -> None:
    client = settings_client(session, api_version)
    body = recorded_body(session, "GET", "/settings", 200)

    settings = list(client.list_settings())

    assert [s.name for s in settings] == [item["name"] for item in body["settings"]]
    assert [s.value for s in settings] == [item["value"] for item in body["settings"]]
    assert [s.setting_type for s in settings] == [
        item["type"] for item in body["settings"]
    ]


def js_get_and_update_settings(session: ReplaySession, api_version: str) -> None:
    client = settings_client(session, api_version)

    setting = client.get_setting(ARM_SETTING)
    assert setting.value == "true"

    updated = client.update_setting(KeyVaultSetting(name=ARM_SETTING, value=True))
    assert updated.name == ARM_SETTING
    assert updated.value == "true"


# Recording file name -> scenario. Every recording must have an entry.
SCENARIOS: dict[str, Scenario] = {
    "test_access_control.pyTestAccessControltest_role_assignment_2025-07-01_.json": (
        python_role_assignment
    ),
    "test_access_control.pyTestAccessControltest_role_definitions_2025-07-01_.json": (
        python_role_definitions
    ),
    "test_backup_client.pyTestBackupClientTeststest_backup_client_polling_2025-07-01_.json": (  # noqa: E501
        python_backup_client_polling
    ),
    "test_backup_client.pyTestBackupClientTeststest_full_backup_and_restore_2025-07-01_.json": (  # noqa: E501
        python_full_backup_and_restore
    ),
    "test_backup_client.pyTestBackupClientTeststest_full_backup_and_restore_rehydration_2025-07-01_.json": (  # noqa: E501
        python_backup_and_restore_rehydration
    ),
    "test_backup_client.pyTestBackupClientTeststest_selective_key_restore_2025-07-01_.json": (  # noqa: E501
        python_selective_key_restore
    ),
    "test_settings_client.pyTestSettingstest_list_settings_2025-07-01_.json": (
        list_settings
    ),
    "test_settings_client.pyTestSettingstest_update_settings_2025-07-01_.json": (
        python_update_settings
    ),
    "keyvaultaccesscontrolclient_role_assignments__recording_can_create_read_and_delete_role_assignments.json": (  # noqa: E501
        js_create_read_delete_assignment
    ),
    "keyvaultaccesscontrolclient_role_assignments__recording_can_list_role_assignments.json": (  # noqa: E501
        js_list_role_assignments
    ),
    "keyvaultaccesscontrolclient_role_definitions__recording_can_list_role_definitions.json": (  # noqa: E501
        js_list_role_definitions
    ),
    "keyvaultaccesscontrolclient_role_definitions_deleteroledefinition__recording_succeeds_when_deleting_a_nonexistent_role_definition.json": (  # noqa: E501
        js_delete_missing_definition
    ),
    "keyvaultaccesscontrolclient_role_definitions_getroledefinition__recording_returns_a_role_definition_by_name.json": (  # noqa: E501
        js_get_definition_by_name
    ),
    "keyvaultbackupclient_beginbackup__recording_returns_the_correct_backup_result_when_successful__2024-02-08_7.5-preview.1.json": (  # noqa: E501
        js_backup_succeeds
    ),
    "keyvaultbackupclient_beginbackup__recording_throws_when_polling_errors.json": (
        js_backup_bad_sas_raises
    ),
    "keyvaultbackupclient_beginrestore__recording_full_restore_completes_successfully__2024-02-08_7.5-preview.1.json": (  # noqa: E501
        js_full_restore_succeeds
    ),
    "keyvaultsettingsclient__recording_can_get_and_update_settings.json": (
        js_get_and_update_settings
    ),
    "keyvaultsettingsclient__recording_getsettings_lists_all_settings.json": (
        list_settings
    ),
}

# Recording file name -> reason, for recordings the public API cannot replay.
UNREPLAYABLE: dict[str, str] = {}


def _recording_id(path: Path) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "_", path.stem).strip("_")
    return f"{path.parent.name}-{stem[-60:]}"


def _recording_params() -> list[Any]:
    params = []
    for path in RECORDING_FILES:
        marks = []
        if path.name in UNREPLAYABLE:
            marks.append(pytest.mark.xfail(reason=UNREPLAYABLE[path.name], strict=True))
        params.append(pytest.param(path, id=_recording_id(path), marks=marks))
    return params


# --------------------------------------------------------------------------
# tests


def test_reference_recordings_are_present() -> None:
    assert RECORDING_FILES, f"no recordings found under {REFERENCE}"


def test_every_scenario_has_recording() -> None:
    names = {path.name for path in RECORDING_FILES}
    for name in SCENARIOS:
        assert name in names, f"scenario for missing recording {name}"


@pytest.mark.usefixtures("fresh_challenge_caches")
@pytest.mark.parametrize("recording_path", _recording_params())
def test_recording_replays_through_clone(recording_path: Path) -> None:
    scenario = SCENARIOS.get(recording_path.name)
    if scenario is None:
        pytest.fail(
            f"no replay scenario for {recording_path.name}: add one to SCENARIOS"
            " or list the recording in UNREPLAYABLE with the reason"
        )
    session = start_replay(recording_path)

    scenario(session, api_version_for(session))

    assert_replay_complete(session)


# --------------------------------------------------------------------------
# HTTPS server, end to end


@pytest.mark.usefixtures("fresh_challenge_caches")
def test_replay_server_serves_clone_and_identity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import httpx
    from azure.identity import ManagedIdentityCredential

    settings_dir = REFERENCE / "python"
    update_path = settings_dir.joinpath(
        "test_settings_client.pyTestSettingstest_update_settings_2025-07-01_.json"
    )
    list_path = settings_dir.joinpath(
        "test_settings_client.pyTestSettingstest_list_settings_2025-07-01_.json"
    )

    with ReplayServer([update_path, list_path]) as server:
        for name, value in server.env.items():
            monkeypatch.setenv(name, value)
        server_url = server.url
        client = KeyVaultSettingsClient(
            server_url,
            ManagedIdentityCredential(),
            api_version=PYTHON_API_VERSION,
            connection_verify=server.ca_file,
        )

        setting = client.get_setting(ARM_SETTING)
        enabled = client.update_setting(KeyVaultSetting(name=ARM_SETTING, value=True))
        disabled = client.update_setting(KeyVaultSetting(name=ARM_SETTING, value=False))
        listed = list(client.list_settings())
        client.close()

        # A request past the end of the recordings gets the mismatch response.
        tls = ssl.create_default_context(cafile=server.ca_file)
        extra = httpx.get(server_url + "/settings", verify=tls, timeout=10)

    assert setting.value == "false"
    assert enabled.value == "true"
    assert disabled.value == "false"
    assert [s.value for s in listed] == ["false"]

    assert len(server.identity_requests) == 1
    identity_path = server.identity_requests[0]["path"]
    assert f"resource={server_url}" in identity_path

    served = server.replayer.served
    assert served[0][1].is_challenge
    for request, _ in served[1:]:
        authorization = str(request.header("Authorization"))
        assert authorization.startswith("Bearer replay-token-")

    assert extra.status_code == MISMATCH_STATUS
    assert extra.json()["error"]["code"] == "ReplayMismatch"
    assert len(server.replayer.errors) == 1
    assert server.replayer.unused_entries() == []
