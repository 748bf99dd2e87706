"""Side-by-side wire checks against the original azure-keyvault-administration 4.6.0.

Each case runs the same call through the original package and through the
clone, both with a ``CapturingTransport``, and compares the first authorized
request each library sends: method, path, parsed query, Content-Type, Accept
and the parsed JSON body.
"""

import uuid
from typing import Any, Callable, Dict, Tuple

import azure.keyvault.administration as original
import pytest

import azure_keyvault_administration_clone as clone

from .helpers import VAULT_URL, CapturedRequest, CapturingTransport, FakeCredential

CONTAINER_URL = "https://account.blob.core.windows.net/backup"
FOLDER_URL = f"{CONTAINER_URL}/mhsm-myhsm-2025060500291014"
SAS = "sv=2024-08-04&ss=b&srt=co&sp=rwdl&se=2030-01-01T00%3A00%3A00Z&sig=c2lnbmF0dXJl"
PRINCIPAL_ID = "00000000-0000-0000-0000-0000000000aa"
DEFINITION_ID = (
    "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/"
    "7b127d3c-77bd-4e3e-bbe0-dbb8971fa7f8"
)

AUTHORIZATION = "/providers/Microsoft.Authorization"

Reply = Tuple[int, Dict[str, str], Any]


def role_definition_body(name: str) -> Dict[str, Any]:
    return {
        "id": f"Microsoft.KeyVault{AUTHORIZATION}/roleDefinitions/{name}",
        "name": name,
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {
            "roleName": "r",
            "type": "CustomRole",
            "permissions": [],
            "assignableScopes": ["/"],
        },
    }


def role_assignment_body(name: str) -> Dict[str, Any]:
    return {
        "id": f"/providers/Microsoft.Authorization/roleAssignments/{name}",
        "name": name,
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "scope": "/",
            "roleDefinitionId": DEFINITION_ID,
            "principalId": PRINCIPAL_ID,
        },
    }


def respond(request: CapturedRequest) -> Reply:
    """Return a minimal valid response for any operation of the service."""
    path = request.path
    last = path.rsplit("/", 1)[-1]
    if path.endswith("/pending"):
        body = {
            "status": "Succeeded",
            "jobId": "job",
            "azureStorageBlobContainerUri": FOLDER_URL,
        }
        return 200, {}, body
    if request.method == "POST":
        status_url = f"{VAULT_URL}/backup/job/pending"
        return (
            202,
            {"Azure-AsyncOperation": status_url},
            {"status": "InProgress", "jobId": "job"},
        )
    if path.endswith("restore"):
        status_url = f"{VAULT_URL}/restore/job/pending"
        return (
            202,
            {"Azure-AsyncOperation": status_url},
            {"status": "InProgress", "jobId": "job"},
        )
    if path == "/settings":
        return (
            200,
            {},
            {
                "settings": [
                    {
                        "name": "AllowKeyManagementOperationsThroughARM",
                        "type": "boolean",
                        "value": "false",
                    }
                ]
            },
        )
    if path.startswith("/settings/"):
        return (
            200,
            {},
            {
                "name": "AllowKeyManagementOperationsThroughARM",
                "type": "boolean",
                "value": "true",
            },
        )
    if last in ("roleDefinitions", "roleAssignments"):
        return 200, {}, {"value": []}
    if request.method == "DELETE":
        return (
            404,
            {},
            {"error": {"code": "RoleDefinitionNotFound", "message": "not found"}},
        )
    status = 201 if request.method == "PUT" else 200
    if "/roleDefinitions/" in path:
        return status, {}, role_definition_body(last)
    return status, {}, role_assignment_body(last)


def access_control(package: Any, transport: CapturingTransport) -> Any:
    return package.KeyVaultAccessControlClient(
        VAULT_URL, FakeCredential(), transport=transport
    )


def backup(package: Any, transport: CapturingTransport) -> Any:
    return package.KeyVaultBackupClient(
        VAULT_URL, FakeCredential(), transport=transport
    )


def settings(package: Any, transport: CapturingTransport) -> Any:
    return package.KeyVaultSettingsClient(
        VAULT_URL, FakeCredential(), transport=transport
    )


def all_permissions(package: Any) -> Any:
    return [
        package.KeyVaultPermission(
            actions=["Microsoft.KeyVault/managedHsm/keys/read/action"],
            not_actions=[],
            data_actions=[
                package.KeyVaultDataAction.READ_HSM_KEY,
                "Microsoft.KeyVault/managedHsm/keys/write/action",
            ],
            not_data_actions=[package.KeyVaultDataAction.DELETE_HSM_KEY],
        )
    ]


# Every case takes the package module and a transport, and makes one call.
Case = Callable[[Any, CapturingTransport], Any]

CASES: Dict[str, Case] = {
    "list_definitions_global": lambda p, t: list(
        access_control(p, t).list_role_definitions("/")
    ),
    "list_definitions_keys": lambda p, t: list(
        access_control(p, t).list_role_definitions("/keys")
    ),
    "list_definitions_key_with_space": lambda p, t: list(
        access_control(p, t).list_role_definitions("/keys/my key")
    ),
    "list_definitions_scope_enum_global": lambda p, t: list(
        access_control(p, t).list_role_definitions(p.KeyVaultRoleScope.GLOBAL)
    ),
    "list_definitions_scope_enum_keys": lambda p, t: list(
        access_control(p, t).list_role_definitions(p.KeyVaultRoleScope.KEYS)
    ),
    "list_definitions_filter": lambda p, t: list(
        access_control(p, t).list_role_definitions("/", filter="roleName eq 'x'")
    ),
    "get_definition": lambda p, t: access_control(p, t).get_role_definition("/", "abc"),
    "get_definition_slash_space_name": lambda p, t: access_control(
        p, t
    ).get_role_definition("/", "n/x y"),
    "get_definition_keys_scope": lambda p, t: access_control(p, t).get_role_definition(
        "/keys", "abc"
    ),
    "set_definition_named": lambda p, t: access_control(p, t).set_role_definition(
        "/", name="n/x y"
    ),
    "set_definition_all_arguments": lambda p, t: access_control(
        p, t
    ).set_role_definition(
        p.KeyVaultRoleScope.GLOBAL,
        name=uuid.UUID("33333333-3333-3333-3333-333333333333"),
        role_name="Custom role",
        description="Reads keys",
        permissions=all_permissions(p),
        assignable_scopes=[
            p.KeyVaultRoleScope.GLOBAL,
            p.KeyVaultRoleScope.KEYS,
            "/keys/my key",
        ],
    ),
    "delete_definition": lambda p, t: access_control(p, t).delete_role_definition(
        "/", "n/x y"
    ),
    "delete_definition_keys_scope": lambda p, t: access_control(
        p, t
    ).delete_role_definition(p.KeyVaultRoleScope.KEYS, "abc"),
    "list_assignments_global": lambda p, t: list(
        access_control(p, t).list_role_assignments("/")
    ),
    "list_assignments_key_with_space": lambda p, t: list(
        access_control(p, t).list_role_assignments("/keys/my key")
    ),
    "list_assignments_filter": lambda p, t: list(
        access_control(p, t).list_role_assignments(
            p.KeyVaultRoleScope.KEYS, filter="atScope()"
        )
    ),
    "get_assignment": lambda p, t: access_control(p, t).get_role_assignment(
        "/keys", "a b/c"
    ),
    "create_assignment_named": lambda p, t: access_control(p, t).create_role_assignment(
        p.KeyVaultRoleScope.GLOBAL, DEFINITION_ID, PRINCIPAL_ID, name="a b/c"
    ),
    "create_assignment_keys_scope": lambda p, t: access_control(
        p, t
    ).create_role_assignment(
        "/keys/my key",
        DEFINITION_ID,
        PRINCIPAL_ID,
        name=uuid.UUID("44444444-4444-4444-4444-444444444444"),
    ),
    "delete_assignment": lambda p, t: access_control(p, t).delete_role_assignment(
        "/", "a b/c"
    ),
    "backup_sas_keyword": lambda p, t: (
        backup(p, t)
        .begin_backup(CONTAINER_URL, sas_token=SAS, _polling_interval=0)
        .result()
    ),
    "backup_sas_positional": lambda p, t: (
        backup(p, t).begin_backup(CONTAINER_URL, SAS, _polling_interval=0).result()
    ),
    "backup_managed_identity": lambda p, t: (
        backup(p, t)
        .begin_backup(CONTAINER_URL, use_managed_identity=True, _polling_interval=0)
        .result()
    ),
    "restore_full": lambda p, t: (
        backup(p, t)
        .begin_restore(FOLDER_URL, sas_token=SAS, _polling_interval=0)
        .result()
    ),
    "restore_full_managed_identity": lambda p, t: (
        backup(p, t)
        .begin_restore(FOLDER_URL, use_managed_identity=True, _polling_interval=0)
        .result()
    ),
    "restore_nested_folder_trailing_slash": lambda p, t: (
        backup(p, t)
        .begin_restore(
            f"{CONTAINER_URL}/outer/inner/?{SAS}", sas_token=SAS, _polling_interval=0
        )
        .result()
    ),
    "restore_selective_key": lambda p, t: (
        backup(p, t)
        .begin_restore(
            FOLDER_URL, sas_token=SAS, key_name="my key", _polling_interval=0
        )
        .result()
    ),
    "pre_backup_sas": lambda p, t: (
        backup(p, t)
        .begin_pre_backup(CONTAINER_URL, sas_token=SAS, _polling_interval=0)
        .result()
    ),
    "pre_backup_managed_identity": lambda p, t: (
        backup(p, t)
        .begin_pre_backup(CONTAINER_URL, use_managed_identity=True, _polling_interval=0)
        .result()
    ),
    "pre_restore_sas": lambda p, t: (
        backup(p, t)
        .begin_pre_restore(FOLDER_URL, sas_token=SAS, _polling_interval=0)
        .result()
    ),
    "pre_restore_managed_identity": lambda p, t: (
        backup(p, t)
        .begin_pre_restore(FOLDER_URL, use_managed_identity=True, _polling_interval=0)
        .result()
    ),
    "get_setting": lambda p, t: settings(p, t).get_setting(
        "AllowKeyManagementOperationsThroughARM"
    ),
    "get_setting_name_with_space": lambda p, t: settings(p, t).get_setting("a b/c"),
    "list_settings": lambda p, t: list(settings(p, t).list_settings()),
    "update_setting_bool": lambda p, t: settings(p, t).update_setting(
        p.KeyVaultSetting(name="AllowKeyManagementOperationsThroughARM", value=True)
    ),
    "update_setting_bool_false": lambda p, t: settings(p, t).update_setting(
        p.KeyVaultSetting(name="AllowKeyManagementOperationsThroughARM", value=False)
    ),
    "update_setting_string": lambda p, t: settings(p, t).update_setting(
        p.KeyVaultSetting(name="AllowKeyManagementOperationsThroughARM", value="true")
    ),
    "update_setting_string_typed": lambda p, t: settings(p, t).update_setting(
        p.KeyVaultSetting(
            name="AllowKeyManagementOperationsThroughARM",
            value="TRUE",
            setting_type="boolean",
        )
    ),
    "update_setting_untyped_string": lambda p, t: settings(p, t).update_setting(
        p.KeyVaultSetting(name="SomeFutureSetting", value="Mixed Case")
    ),
}


def first_request(package: Any, case: Case) -> CapturedRequest:
    transport = CapturingTransport(respond)
    case(package, transport)
    assert transport.requests, "the library sent no authorized request"
    return transport.requests[0]


@pytest.mark.parametrize("case_name", sorted(CASES))
def test_request_matches_original(case_name: str) -> None:
    expected = first_request(original, CASES[case_name])
    actual = first_request(clone, CASES[case_name])

    assert actual.method == expected.method
    assert actual.path == expected.path
    assert actual.query == expected.query
    assert actual.headers.get("Content-Type") == expected.headers.get("Content-Type")
    assert actual.headers.get("Accept") == expected.headers.get("Accept")
    assert actual.json() == expected.json()


GENERATED_NAME_CASES: Dict[str, Case] = {
    "set_definition_no_arguments": lambda p, t: access_control(
        p, t
    ).set_role_definition("/"),
    "create_assignment_unnamed": lambda p, t: access_control(
        p, t
    ).create_role_assignment("/", DEFINITION_ID, PRINCIPAL_ID),
}


@pytest.mark.parametrize("case_name", sorted(GENERATED_NAME_CASES))
def test_generated_name_matches_original(case_name: str) -> None:
    # Both libraries name the new item with a random UUID, so only the path
    # up to the name is compared, and the name must parse as a UUID.
    expected = first_request(original, GENERATED_NAME_CASES[case_name])
    actual = first_request(clone, GENERATED_NAME_CASES[case_name])
    expected_prefix, _, expected_name = expected.path.rpartition("/")
    actual_prefix, _, actual_name = actual.path.rpartition("/")

    assert actual.method == expected.method
    assert actual_prefix == expected_prefix
    assert uuid.UUID(expected_name).version == 4
    assert uuid.UUID(actual_name).version == 4
    assert actual.query == expected.query
    assert actual.headers.get("Content-Type") == expected.headers.get("Content-Type")
    assert actual.headers.get("Accept") == expected.headers.get("Accept")
    assert actual.json() == expected.json()


def test_status_poll_matches_original() -> None:
    expected_transport = CapturingTransport(respond)
    CASES["backup_sas_keyword"](original, expected_transport)
    actual_transport = CapturingTransport(respond)
    CASES["backup_sas_keyword"](clone, actual_transport)
    expected = expected_transport.requests[1]
    actual = actual_transport.requests[1]

    assert actual.method == expected.method
    assert actual.url == expected.url
    assert actual.headers.get("Accept") == expected.headers.get("Accept")
    assert actual.content == expected.content


def respond_with_next_link(request: CapturedRequest) -> Reply:
    if "skiptoken" in request.url:
        return 200, {}, {"value": []}
    next_link = (
        f"{VAULT_URL}{AUTHORIZATION}/roleDefinitions"
        "?api-version=7.2&$skiptoken=a%20b&top=5"
    )
    return 200, {}, {"value": [role_definition_body("d1")], "nextLink": next_link}


def test_next_page_matches_original() -> None:
    expected_transport = CapturingTransport(respond_with_next_link)
    list(access_control(original, expected_transport).list_role_definitions("/"))
    actual_transport = CapturingTransport(respond_with_next_link)
    list(access_control(clone, actual_transport).list_role_definitions("/"))
    expected = expected_transport.requests[1]
    actual = actual_transport.requests[1]

    assert len(actual_transport.requests) == len(expected_transport.requests)
    assert actual.method == expected.method
    assert actual.path == expected.path
    assert actual.query == expected.query
    assert actual.headers.get("Accept") == expected.headers.get("Accept")


@pytest.mark.parametrize("status", [400, 401, 404, 409])
def test_error_matches_original(status: int) -> None:
    def respond_with_error(request: CapturedRequest) -> Reply:
        error = {
            "code": "SomeCode",
            "message": "Some message",
            "innererror": {"code": "Inner", "message": "detail"},
        }
        return status, {}, {"error": error}

    outcomes = []
    for package in (original, clone):
        with pytest.raises(Exception) as caught:
            access_control(
                package, CapturingTransport(respond_with_error)
            ).get_role_definition("/", "d1")
        outcomes.append(caught.value)
    expected, actual = outcomes

    assert type(actual).__name__ == type(expected).__name__
    assert type(actual).__module__ == type(expected).__module__
    assert str(actual) == str(expected)
    assert actual.status_code == expected.status_code
    assert actual.error.code == expected.error.code


def test_backup_result_matches_original() -> None:
    expected = CASES["backup_sas_keyword"](original, CapturingTransport(respond))
    actual = CASES["backup_sas_keyword"](clone, CapturingTransport(respond))

    assert actual.folder_url == expected.folder_url


# Edge cases where the clone sends exactly what the original sends


def test_trailing_slash_scope_matches_original() -> None:
    def case(package: Any, transport: CapturingTransport) -> Any:
        return list(access_control(package, transport).list_role_definitions("/keys/"))

    assert first_request(clone, case).path == first_request(original, case).path


@pytest.mark.parametrize("suffix", ["/", f"?{SAS}"])
def test_blob_url_suffix_matches_original(suffix: str) -> None:
    def case(package: Any, transport: CapturingTransport) -> Any:
        client = backup(package, transport)
        url = CONTAINER_URL + suffix
        return client.begin_backup(url, sas_token=SAS, _polling_interval=0).result()

    assert first_request(clone, case).json() == first_request(original, case).json()


# Intentional differences from the original


def test_backup_leading_question_mark_stripped() -> None:
    # Intentional difference: the service expects the SAS query without its
    # leading "?", so the clone strips it while the original sends it as given.
    expected = first_request(
        original,
        lambda p, t: (
            backup(p, t)
            .begin_backup(CONTAINER_URL, sas_token="?" + SAS, _polling_interval=0)
            .result()
        ),
    )
    actual = first_request(
        clone,
        lambda p, t: (
            backup(p, t)
            .begin_backup(CONTAINER_URL, sas_token="?" + SAS, _polling_interval=0)
            .result()
        ),
    )

    assert expected.json()["token"] == "?" + SAS
    assert actual.json()["token"] == SAS


def test_backup_without_credential_rejected() -> None:
    # Intentional difference: with neither a SAS token nor managed identity the
    # original sends a backup request without any storage credential, while the
    # clone raises before sending anything.
    expected = first_request(
        original,
        lambda p, t: (
            backup(p, t).begin_backup(CONTAINER_URL, _polling_interval=0).result()
        ),
    )
    transport = CapturingTransport(respond)

    with pytest.raises(ValueError, match="sas_token"):
        backup(clone, transport).begin_backup(CONTAINER_URL, polling_interval=0)
    assert expected.json() == {
        "storageResourceUri": CONTAINER_URL,
        "useManagedIdentity": False,
    }
    assert transport.requests == []


def test_backup_both_credentials_rejected() -> None:
    # Intentional difference: given both a SAS token and managed identity the
    # original sends both; the clone raises because the choice is ambiguous.
    expected = first_request(
        original,
        lambda p, t: (
            backup(p, t)
            .begin_backup(
                CONTAINER_URL,
                sas_token=SAS,
                use_managed_identity=True,
                _polling_interval=0,
            )
            .result()
        ),
    )
    transport = CapturingTransport(respond)

    with pytest.raises(ValueError, match="use_managed_identity"):
        backup(clone, transport).begin_backup(
            CONTAINER_URL, sas_token=SAS, use_managed_identity=True
        )
    assert expected.json()["useManagedIdentity"] is True
    assert transport.requests == []
