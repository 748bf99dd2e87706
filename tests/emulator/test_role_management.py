"""Role definitions and assignments over HTTPS, and RBAC enforcement."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any, Dict, List

import httpx

from azure_keyvault_administration_clone.emulator import EmulatorHandle

from .support import (
    ADMINISTRATOR,
    API,
    CRYPTO_AUDITOR,
    CRYPTO_USER,
    RBAC,
    ROLE_ID_PREFIX,
    assign_role,
    make_client,
)


def assert_activity_id(response: httpx.Response) -> None:
    message = response.json()["error"]["message"]
    assert message.endswith(f" (Activity ID: {response.headers['x-ms-request-id']})")


def test_builtin_list_matches_service(client: httpx.Client) -> None:
    response = client.get(f"{RBAC}/roleDefinitions?{API}")
    assert response.status_code == 200
    body = response.json()
    assert "nextLink" not in body
    assert len(body["value"]) == 9
    # The live service's list of built-in roles is exactly 7428 bytes compact.
    assert len(response.content) == 7428


def test_triple_slash_scope_accepted(client: httpx.Client) -> None:
    response = client.get(f"//{RBAC}/roleDefinitions?{API}")
    assert response.status_code == 200
    assert len(response.json()["value"]) == 9


def test_principal_without_role_forbidden(hsm: EmulatorHandle) -> None:
    with make_client(hsm, "nobody") as http:
        response = http.get(f"{RBAC}/roleAssignments?{API}")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "Forbidden"
    assert "nobody" in error["message"]
    assert (
        "Microsoft.KeyVault/managedHsm/roleAssignments/read/action" in error["message"]
    )
    assert_activity_id(response)


def test_assignment_grants_access(hsm: EmulatorHandle, client: httpx.Client) -> None:
    with make_client(hsm, "newcomer") as http:
        assert http.get(f"/keys?{API}").status_code == 403
        created = assign_role(client, "newcomer", CRYPTO_USER)
        assert created.status_code == 201
        assert http.get(f"/keys?{API}").status_code == 200
        # Crypto User has no backup rights.
        assert http.get(f"/settings?{API}").status_code == 403


def test_key_scope_assignment_limits_access(
    hsm: EmulatorHandle, client: httpx.Client
) -> None:
    for name in ("k1", "k2"):
        assert (
            client.post(f"/keys/{name}/create?{API}", json={"kty": "EC"}).status_code
            == 200
        )
    created = assign_role(client, "scoped", CRYPTO_USER, scope="/keys/k1")
    assert created.status_code == 201
    assert created.json()["id"].startswith(
        "/keys/k1/providers/Microsoft.Authorization/"
    )
    with make_client(hsm, "scoped") as http:
        assert http.get(f"/keys/k1?{API}").status_code == 200
        assert http.get(f"/keys/k2?{API}").status_code == 403
        assert http.get(f"/keys?{API}").status_code == 403


def test_role_definition_crud(client: httpx.Client) -> None:
    name = str(uuid.uuid4())
    path = f"{RBAC}/roleDefinitions/{name}?{API}"
    created = client.put(
        path,
        json={
            "properties": {
                "roleName": "reader",
                "description": "test",
                "permissions": [
                    {"dataActions": ["Microsoft.KeyVault/managedHsm/keys/read/action"]}
                ],
            }
        },
    )
    assert created.status_code == 201
    assert created.text == json.dumps(
        {
            "id": ROLE_ID_PREFIX + name,
            "name": name,
            "properties": {
                "assignableScopes": ["/"],
                "description": "test",
                "permissions": [
                    {
                        "actions": [],
                        "dataActions": [
                            "Microsoft.KeyVault/managedHsm/keys/read/action"
                        ],
                        "notActions": [],
                        "notDataActions": [],
                    }
                ],
                "roleName": "reader",
                "type": "CustomRole",
            },
            "type": "Microsoft.Authorization/roleDefinitions",
        },
        separators=(",", ":"),
    )

    replaced = client.put(path, json={"properties": {"roleName": "reader2"}})
    assert replaced.status_code == 201
    properties = replaced.json()["properties"]
    assert properties["description"] == ""
    assert properties["permissions"] == []
    assert properties["roleName"] == "reader2"

    fetched = client.get(path)
    assert fetched.status_code == 200
    assert fetched.json() == replaced.json()
    listed = client.get(f"{RBAC}/roleDefinitions?{API}").json()["value"]
    assert [role["name"] for role in listed].count(name) == 1

    deleted = client.delete(path)
    assert deleted.status_code == 200
    assert deleted.json() == replaced.json()
    missing = client.get(path)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "RoleDefinitionNotFound"
    assert missing.json()["error"]["message"].startswith(
        "Requested role definition not found"
    )
    assert_activity_id(missing)
    assert client.delete(path).status_code == 404


def test_role_definition_name_must_be_guid(client: httpx.Client) -> None:
    response = client.put(
        f"{RBAC}/roleDefinitions/definition-name?{API}", json={"properties": {}}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadParameter"
    assert "GUID" in response.json()["error"]["message"]


def test_builtin_role_immutable(client: httpx.Client) -> None:
    path = f"{RBAC}/roleDefinitions/{ADMINISTRATOR}?{API}"
    before = client.get(path).json()
    update = client.put(path, json={"properties": {"roleName": "hijacked"}})
    assert update.status_code == 400
    delete = client.delete(path)
    assert delete.status_code == 400
    assert client.get(path).json() == before


def test_role_definition_rejects_bad_body(client: httpx.Client) -> None:
    path = f"{RBAC}/roleDefinitions/{uuid.uuid4()}?{API}"
    bodies: List[Dict[str, Any]] = [
        {},
        {"properties": []},
        {"properties": {"permissions": {"dataActions": []}}},
        {"properties": {"permissions": [{"dataActions": "x"}]}},
        {"properties": {"type": "AKVBuiltInRole"}},
        {"properties": {"roleName": 5}},
    ]
    for body in bodies:
        response = client.put(path, json=body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "BadParameter"


def test_custom_role_enforced(hsm: EmulatorHandle, client: httpx.Client) -> None:
    role = str(uuid.uuid4())
    client.put(
        f"{RBAC}/roleDefinitions/{role}?{API}",
        json={
            "properties": {
                "permissions": [
                    {
                        "dataActions": ["Microsoft.KeyVault/managedHsm/keys/*"],
                        "notDataActions": ["Microsoft.KeyVault/managedHsm/keys/create"],
                    }
                ]
            }
        },
    )
    assert assign_role(client, "custom-user", role).status_code == 201
    with make_client(hsm, "custom-user") as http:
        assert http.get(f"/keys?{API}").status_code == 200
        denied = http.post(f"/keys/k9/create?{API}", json={"kty": "EC"})
    assert denied.status_code == 403
    assert (
        "Microsoft.KeyVault/managedHsm/keys/create" in denied.json()["error"]["message"]
    )


def test_role_assignment_crud(client: httpx.Client) -> None:
    name = str(uuid.uuid4())
    created = assign_role(client, "someone", CRYPTO_AUDITOR, name=name)
    assert created.status_code == 201
    expected = {
        "id": f"/providers/Microsoft.Authorization/roleAssignments/{name}",
        "name": name,
        "properties": {
            "principalId": "someone",
            "roleDefinitionId": ROLE_ID_PREFIX + CRYPTO_AUDITOR,
            "scope": "/",
        },
        "type": "Microsoft.Authorization/roleAssignments",
    }
    assert created.text == json.dumps(expected, separators=(",", ":"))
    path = f"{RBAC}/roleAssignments/{name}?{API}"
    assert client.get(path).json() == expected
    listed = client.get(f"{RBAC}/roleAssignments?{API}").json()
    assert "nextLink" not in listed
    assert expected in listed["value"]
    deleted = client.delete(path)
    assert deleted.status_code == 200
    assert deleted.json() == expected
    missing = client.get(path)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "RoleAssignmentNotFound"
    assert_activity_id(missing)
    assert client.delete(path).status_code == 404


def test_role_assignment_conflict(client: httpx.Client) -> None:
    name = str(uuid.uuid4())
    assert assign_role(client, "p1", CRYPTO_AUDITOR, name=name).status_code == 201
    assert assign_role(client, "p1", CRYPTO_AUDITOR, name=name).status_code == 201
    conflict = assign_role(client, "p2", CRYPTO_AUDITOR, name=name)
    assert conflict.status_code == 409


def test_role_assignment_validation(client: httpx.Client) -> None:
    unknown_role = assign_role(client, "p1", str(uuid.uuid4()))
    assert unknown_role.status_code == 400
    path = f"{RBAC}/roleAssignments/{uuid.uuid4()}?{API}"
    for body in (
        {},
        {"properties": {"principalId": "p"}},
        {"properties": {"roleDefinitionId": 1}},
    ):
        response = client.put(path, json=body)
        assert response.status_code == 400, body
    bad_scope = assign_role(client, "p1", CRYPTO_USER, scope="/secrets")
    assert bad_scope.status_code == 400


def test_role_assignment_filters(client: httpx.Client) -> None:
    assign_role(client, "root-user", CRYPTO_AUDITOR)
    assign_role(client, "keys-user", CRYPTO_AUDITOR, scope="/keys")

    def principals(path: str) -> List[str]:
        response = client.get(path)
        assert response.status_code == 200, response.text
        return [item["properties"]["principalId"] for item in response.json()["value"]]

    everything = principals(f"{RBAC}/roleAssignments?{API}")
    assert {"root-user", "keys-user"} <= set(everything)
    at_root = principals(f"{RBAC}/roleAssignments?{API}&$filter=atScope()")
    assert "keys-user" not in at_root
    at_keys = principals(f"/keys{RBAC}/roleAssignments?{API}&$filter=atScope()")
    assert {"root-user", "keys-user"} <= set(at_keys)
    only = principals(
        f"{RBAC}/roleAssignments?{API}&$filter=principalId eq 'keys-user'"
    )
    assert only == ["keys-user"]
    unsupported = client.get(f"{RBAC}/roleAssignments?{API}&$filter=bogus")
    assert unsupported.status_code == 400


def test_assignment_at_other_scope_not_found(client: httpx.Client) -> None:
    name = str(uuid.uuid4())
    assign_role(client, "p", CRYPTO_AUDITOR, scope="/keys", name=name)
    assert client.get(f"{RBAC}/roleAssignments/{name}?{API}").status_code == 404
    assert client.get(f"/keys{RBAC}/roleAssignments/{name}?{API}").status_code == 200


def test_concurrent_assignments_all_stored(
    hsm: EmulatorHandle, client: httpx.Client
) -> None:
    names = [str(uuid.uuid4()) for _ in range(20)]
    statuses: List[int] = []
    lock = threading.Lock()

    def create(name: str) -> None:
        with make_client(hsm) as http:
            status = assign_role(
                http, f"principal-{name}", CRYPTO_AUDITOR, name=name
            ).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=create, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 20
    listed = client.get(f"{RBAC}/roleAssignments?{API}").json()["value"]
    stored = {item["name"] for item in listed}
    assert set(names) <= stored
