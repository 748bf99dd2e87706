"""Async access control client: requests on the wire and parsed responses."""

import uuid
from typing import Any, Dict

import pytest
from azure.core.async_paging import AsyncItemPaged
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.rest import HttpRequest

from azure_keyvault_administration_clone import (
    KeyVaultDataAction,
    KeyVaultPermission,
    KeyVaultRoleScope,
)
from azure_keyvault_administration_clone.aio import KeyVaultAccessControlClient

from .helpers import (
    DEFINITION_ID,
    JSON,
    PRINCIPAL_ID,
    VAULT_URL,
    AsyncFakeCredential,
    ServiceStub,
    body_of,
    json_response,
    load_recording,
    query_of,
    recorded_response,
)

RBAC = "/providers/Microsoft.Authorization"
NAME = "5f4b8b3c-1f3e-4c33-9f36-3c1f2bd6a0c1"


def definition_wire(name: str = NAME) -> Dict[str, Any]:
    return {
        "id": f"Microsoft.KeyVault{RBAC}/roleDefinitions/{name}",
        "name": name,
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {
            "roleName": "reader",
            "description": "reads keys",
            "type": "CustomRole",
            "permissions": [
                {"dataActions": ["Microsoft.KeyVault/managedHsm/keys/read/action"]}
            ],
            "assignableScopes": ["/"],
        },
    }


def assignment_wire(name: str = NAME, scope: str = "/") -> Dict[str, Any]:
    return {
        "id": f"{RBAC}/roleAssignments/{name}",
        "name": name,
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "scope": scope,
            "roleDefinitionId": DEFINITION_ID,
            "principalId": PRINCIPAL_ID,
        },
    }


@pytest.fixture
async def client(async_credential: AsyncFakeCredential) -> Any:
    async with KeyVaultAccessControlClient(VAULT_URL, async_credential) as client:
        yield client


def assert_read(request: Any, method: str, path: str) -> None:
    assert request.method == method
    assert request.url.path == path
    assert query_of(request.url) == {"api-version": ["7.6"]}
    assert request.headers["Accept"] == JSON
    assert request.content == b""


@pytest.mark.asyncio
async def test_list_definitions_request(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, {"value": [definition_wire()]}))
    pager = client.list_role_definitions(KeyVaultRoleScope.GLOBAL)
    assert isinstance(pager, AsyncItemPaged)
    assert service.requests == []
    definitions = [definition async for definition in pager]
    assert_read(service.requests[0], "GET", f"{RBAC}/roleDefinitions")
    assert [definition.name for definition in definitions] == [NAME]
    assert definitions[0].role_name == "reader"
    assert definitions[0].permissions[0].data_actions == [
        KeyVaultDataAction.READ_HSM_KEY
    ]


@pytest.mark.asyncio
async def test_list_definitions_sends_filter(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, {"value": []}))
    pager = client.list_role_definitions("/", filter="roleName eq 'reader'")
    assert [definition async for definition in pager] == []
    query = query_of(service.requests[0].url)
    assert query == {"api-version": ["7.6"], "$filter": ["roleName eq 'reader'"]}


@pytest.mark.asyncio
async def test_get_definition_request(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, definition_wire()))
    definition = await client.get_role_definition("/", uuid.UUID(NAME))
    assert_read(service.requests[0], "GET", f"{RBAC}/roleDefinitions/{NAME}")
    assert definition.id == f"Microsoft.KeyVault{RBAC}/roleDefinitions/{NAME}"
    assert definition.assignable_scopes == ["/"]


@pytest.mark.asyncio
async def test_get_definition_encodes_name(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, definition_wire("a b/c")))
    await client.get_role_definition("/", "a b/c")
    raw_path = service.requests[0].url.raw_path.split(b"?")[0]
    assert raw_path == f"{RBAC}/roleDefinitions/a%20b%2Fc".encode()


@pytest.mark.asyncio
async def test_set_definition_request(client: Any, service: ServiceStub) -> None:
    service.add(json_response(201, definition_wire()))
    permission = KeyVaultPermission(
        data_actions=[KeyVaultDataAction.READ_HSM_KEY],
        not_data_actions=["Microsoft.KeyVault/managedHsm/keys/delete"],
    )
    definition = await client.set_role_definition(
        "/",
        name=NAME,
        role_name="reader",
        description="reads keys",
        permissions=[permission],
        assignable_scopes=[KeyVaultRoleScope.GLOBAL],
    )
    request = service.requests[0]
    assert request.method == "PUT"
    assert request.url.path == f"{RBAC}/roleDefinitions/{NAME}"
    assert query_of(request.url) == {"api-version": ["7.6"]}
    assert request.headers["Accept"] == JSON
    assert request.headers["Content-Type"] == JSON
    assert body_of(request) == {
        "properties": {
            "roleName": "reader",
            "description": "reads keys",
            "permissions": [
                {
                    "dataActions": ["Microsoft.KeyVault/managedHsm/keys/read/action"],
                    "notDataActions": ["Microsoft.KeyVault/managedHsm/keys/delete"],
                }
            ],
            "assignableScopes": ["/"],
        }
    }
    assert definition.name == NAME


@pytest.mark.asyncio
async def test_set_definition_generates_name(client: Any, service: ServiceStub) -> None:
    service.add(json_response(201, definition_wire()))
    await client.set_role_definition("/")
    name = service.requests[0].url.path.rsplit("/", 1)[-1]
    assert str(uuid.UUID(name)) == name
    assert body_of(service.requests[0]) == {"properties": {"permissions": []}}


@pytest.mark.asyncio
async def test_delete_definition_request(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, definition_wire()))
    assert await client.delete_role_definition("/", NAME) is None
    assert_read(service.requests[0], "DELETE", f"{RBAC}/roleDefinitions/{NAME}")


@pytest.mark.asyncio
async def test_delete_missing_definition_ignored(
    client: Any, service: ServiceStub
) -> None:
    error = {"error": {"code": "RoleDefinitionNotFound", "message": "gone"}}
    service.add(json_response(404, error))
    assert await client.delete_role_definition("/", NAME) is None


@pytest.mark.asyncio
async def test_list_assignments_request(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, {"value": [assignment_wire(scope="/keys")]}))
    pager = client.list_role_assignments(KeyVaultRoleScope.KEYS, filter="atScope()")
    assignments = [assignment async for assignment in pager]
    request = service.requests[0]
    assert request.method == "GET"
    assert request.url.path == f"/keys{RBAC}/roleAssignments"
    assert query_of(request.url) == {"api-version": ["7.6"], "$filter": ["atScope()"]}
    assert request.headers["Accept"] == JSON
    assert assignments[0].properties.scope == "/keys"
    assert assignments[0].properties.principal_id == PRINCIPAL_ID


@pytest.mark.asyncio
async def test_get_assignment_request(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, assignment_wire()))
    assignment = await client.get_role_assignment("/", NAME)
    assert_read(service.requests[0], "GET", f"{RBAC}/roleAssignments/{NAME}")
    assert assignment.role_assignment_id == f"{RBAC}/roleAssignments/{NAME}"
    assert assignment.properties.role_definition_id == DEFINITION_ID


@pytest.mark.asyncio
async def test_create_assignment_request(client: Any, service: ServiceStub) -> None:
    service.add(json_response(201, assignment_wire()))
    assignment = await client.create_role_assignment(
        "/", DEFINITION_ID, PRINCIPAL_ID, name=NAME
    )
    request = service.requests[0]
    assert request.method == "PUT"
    assert request.url.path == f"{RBAC}/roleAssignments/{NAME}"
    assert query_of(request.url) == {"api-version": ["7.6"]}
    assert request.headers["Accept"] == JSON
    assert request.headers["Content-Type"] == JSON
    assert body_of(request) == {
        "properties": {"roleDefinitionId": DEFINITION_ID, "principalId": PRINCIPAL_ID}
    }
    assert assignment.name == NAME


@pytest.mark.asyncio
async def test_create_assignment_generates_name(
    client: Any, service: ServiceStub
) -> None:
    service.add(json_response(201, assignment_wire()))
    await client.create_role_assignment("/", DEFINITION_ID, PRINCIPAL_ID)
    name = service.requests[0].url.path.rsplit("/", 1)[-1]
    assert str(uuid.UUID(name)) == name


@pytest.mark.asyncio
async def test_delete_assignment_request(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, assignment_wire()))
    assert await client.delete_role_assignment("/", NAME) is None
    assert_read(service.requests[0], "DELETE", f"{RBAC}/roleAssignments/{NAME}")


@pytest.mark.asyncio
async def test_delete_assignment_conflict_raises(
    client: Any, service: ServiceStub
) -> None:
    service.add(json_response(409, {"error": {"code": "Conflict", "message": "busy"}}))
    with pytest.raises(HttpResponseError) as raised:
        await client.delete_role_assignment("/", NAME)
    assert raised.value.status_code == 409
    assert raised.value.error_code == "Conflict"


@pytest.mark.asyncio
async def test_get_missing_assignment_raises(client: Any, service: ServiceStub) -> None:
    error = {"error": {"code": "RoleAssignmentNotFound", "message": "not there"}}
    service.add(json_response(404, error))
    with pytest.raises(ResourceNotFoundError) as raised:
        await client.get_role_assignment("/", NAME)
    assert "not there" in str(raised.value)


@pytest.mark.asyncio
async def test_paging_follows_next_link(client: Any, service: ServiceStub) -> None:
    next_link = f"{VAULT_URL}{RBAC}/roleAssignments?$skiptoken=abc&api-version=7.2"
    service.add(
        json_response(200, {"value": [assignment_wire("a")], "nextLink": next_link}),
        json_response(200, {"value": [assignment_wire("b")]}),
    )
    names = [assignment.name async for assignment in client.list_role_assignments("/")]
    assert names == ["a", "b"]
    second = service.requests[1]
    assert second.url.path == f"{RBAC}/roleAssignments"
    assert query_of(second.url) == {"$skiptoken": ["abc"], "api-version": ["7.6"]}


@pytest.mark.asyncio
async def test_list_sends_on_iteration(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, {"value": [None, assignment_wire()]}))
    pager = client.list_role_assignments("/")
    assert service.requests == []
    names = [assignment.name async for assignment in pager]
    assert names == [NAME]
    assert len(service.requests) == 1


@pytest.mark.asyncio
async def test_send_request_resolves_relative_url(
    client: Any, service: ServiceStub
) -> None:
    service.add(json_response(200, {"value": []}), json_response(400, {}))
    request = HttpRequest("GET", f"{RBAC}/roleDefinitions")
    response = await client.send_request(request)
    assert response.status_code == 200
    assert response.json() == {"value": []}
    sent = service.requests[0]
    assert str(sent.url) == f"{VAULT_URL}{RBAC}/roleDefinitions?api-version=7.6"
    assert request.url == f"{RBAC}/roleDefinitions"
    error_response = await client.send_request(
        HttpRequest("GET", f"{VAULT_URL}/x?api-version=7.2")
    )
    assert error_response.status_code == 400
    assert query_of(service.requests[1].url) == {"api-version": ["7.2"]}


# Recorded responses of the live service


@pytest.mark.asyncio
async def test_recorded_definitions_parsed(client: Any, service: ServiceStub) -> None:
    entries = load_recording("test_role_definitions")
    service.add(recorded_response(entries[1]), recorded_response(entries[2]))
    definitions = [definition async for definition in client.list_role_definitions("/")]
    recorded = entries[1]["ResponseBody"]["value"]
    assert [d.name for d in definitions] == [item["name"] for item in recorded]
    assert [d.role_name for d in definitions] == [
        item["properties"]["roleName"] for item in recorded
    ]
    created = await client.set_role_definition("/", name="definition-name")
    assert created.name == "definition-name"
    assert created.role_type == "CustomRole"
    assert created.description == "test"
    assert created.permissions[0].data_actions == [
        "Microsoft.KeyVault/managedHsm/keys/read/action"
    ]


@pytest.mark.asyncio
async def test_recorded_assignments_parsed(client: Any, service: ServiceStub) -> None:
    entries = load_recording("test_role_assignment")
    service.add(
        recorded_response(entries[2]),
        recorded_response(entries[3]),
        recorded_response(entries[4]),
    )
    created = await client.create_role_assignment(
        "/", DEFINITION_ID, PRINCIPAL_ID, name="some-uuid"
    )
    recorded = entries[2]["ResponseBody"]
    assert created.name == recorded["name"]
    assert created.role_assignment_id == recorded["id"]
    assert (
        created.properties.role_definition_id
        == (recorded["properties"]["roleDefinitionId"])
    )
    fetched = await client.get_role_assignment("/", "some-uuid")
    assert fetched.properties.principal_id == recorded["properties"]["principalId"]
    listed = [assignment async for assignment in client.list_role_assignments("/")]
    assert len(listed) == len(entries[4]["ResponseBody"]["value"])
