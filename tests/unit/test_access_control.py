"""KeyVaultAccessControlClient: requests on the wire, parsing of recorded
responses, paging, errors and the shared client plumbing."""

from typing import Any, Dict, List

import azure.keyvault.administration as original
import httpx
import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.core.rest import HttpRequest

import azure_keyvault_administration_clone as clone
from azure_keyvault_administration_clone import (
    KeyVaultAccessControlClient,
    KeyVaultDataAction,
    KeyVaultPermission,
    KeyVaultRoleAssignment,
    KeyVaultRoleAssignmentProperties,
    KeyVaultRoleDefinition,
    KeyVaultRoleScope,
)

from .helpers import (
    JSON,
    VAULT_URL,
    CapturingTransport,
    ServiceStub,
    body_of,
    json_response,
    load_recording,
    query_of,
    recorded_entry,
    recorded_response,
)

AUTHORIZATION = "/providers/Microsoft.Authorization"
DEFINITION_ID = (
    "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/"
    "7b127d3c-77bd-4e3e-bbe0-dbb8971fa7f8"
)
PRINCIPAL_ID = "00000000-0000-0000-0000-0000000000aa"


@pytest.fixture
def client(credential: Any) -> KeyVaultAccessControlClient:
    return KeyVaultAccessControlClient(VAULT_URL, credential)


def definition_json(name: str = "d1") -> Dict[str, Any]:
    return {
        "id": f"Microsoft.KeyVault{AUTHORIZATION}/roleDefinitions/{name}",
        "name": name,
        "type": "Microsoft.Authorization/roleDefinitions",
        "properties": {
            "assignableScopes": ["/"],
            "description": "",
            "permissions": [],
            "roleName": "role",
            "type": "CustomRole",
        },
    }


def assignment_json(name: str = "a1") -> Dict[str, Any]:
    return {
        "id": f"{AUTHORIZATION}/roleAssignments/{name}",
        "name": name,
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "principalId": PRINCIPAL_ID,
            "roleDefinitionId": DEFINITION_ID,
            "scope": "/",
        },
    }


def error_json(code: str, message: str) -> Dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def assert_definition_matches(
    model: KeyVaultRoleDefinition, wire: Dict[str, Any]
) -> None:
    properties = wire["properties"]
    assert model.id == wire["id"]
    assert model.name == wire["name"]
    assert model.type == wire["type"]
    assert model.role_name == properties["roleName"]
    assert model.role_type == properties["type"]
    assert model.description == properties["description"]
    assert model.assignable_scopes == properties["assignableScopes"]
    assert len(model.permissions) == len(properties["permissions"])
    for permission, wire_permission in zip(
        model.permissions, properties["permissions"]
    ):
        assert permission.actions == wire_permission["actions"]
        assert permission.not_actions == wire_permission["notActions"]
        assert permission.data_actions == wire_permission["dataActions"]
        assert permission.not_data_actions == wire_permission["notDataActions"]


def assert_assignment_matches(
    model: KeyVaultRoleAssignment, wire: Dict[str, Any]
) -> None:
    assert model.role_assignment_id == wire["id"]
    assert model.name == wire["name"]
    assert model.type == wire["type"]
    assert model.properties.scope == wire["properties"]["scope"]
    assert model.properties.role_definition_id == wire["properties"]["roleDefinitionId"]
    assert model.properties.principal_id == wire["properties"]["principalId"]


# Requests on the wire


def test_list_definitions_request_shape(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, {"value": []}))

    list(client.list_role_definitions(KeyVaultRoleScope.GLOBAL))
    request = service.requests[0]

    assert request.method == "GET"
    assert request.url.path == f"{AUTHORIZATION}/roleDefinitions"
    assert query_of(request.url) == {"api-version": ["7.6"]}
    assert request.headers["Accept"] == JSON
    assert "Content-Type" not in request.headers
    assert request.content == b""


def test_list_definitions_sends_filter(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, {"value": []}))

    list(client.list_role_definitions("/", filter="roleName eq 'x'"))

    assert query_of(service.requests[0].url) == {
        "api-version": ["7.6"],
        "$filter": ["roleName eq 'x'"],
    }


@pytest.mark.parametrize(
    ("scope", "raw_path"),
    [
        ("/", f"{AUTHORIZATION}/roleDefinitions"),
        ("/keys", f"/keys{AUTHORIZATION}/roleDefinitions"),
        (KeyVaultRoleScope.KEYS, f"/keys{AUTHORIZATION}/roleDefinitions"),
        ("/keys/my key", f"/keys/my%20key{AUTHORIZATION}/roleDefinitions"),
    ],
)
def test_list_definitions_scope_in_path(
    client: Any, service: ServiceStub, scope: Any, raw_path: str
) -> None:
    service.add(json_response(200, {"value": []}))

    list(client.list_role_definitions(scope))

    assert service.requests[0].url.raw_path.decode().split("?")[0] == raw_path


def test_get_definition_encodes_name(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, definition_json()))

    client.get_role_definition("/", "n/x y")
    request = service.requests[0]

    assert request.method == "GET"
    assert (
        request.url.raw_path.decode()
        == f"{AUTHORIZATION}/roleDefinitions/n%2Fx%20y?api-version=7.6"
    )
    assert request.headers["Accept"] == JSON


def test_set_definition_sends_full_body(client: Any, service: ServiceStub) -> None:
    service.add(json_response(201, definition_json("d1")))
    permission = KeyVaultPermission(
        actions=["a"],
        not_actions=["b"],
        data_actions=[KeyVaultDataAction.READ_HSM_KEY],
        not_data_actions=["Microsoft.KeyVault/managedHsm/keys/delete"],
    )

    client.set_role_definition(
        "/",
        name="d1",
        role_name="Reader",
        description="Reads keys",
        permissions=[permission],
        assignable_scopes=[KeyVaultRoleScope.GLOBAL, "/keys"],
    )
    request = service.requests[0]

    assert request.method == "PUT"
    assert request.url.path == f"{AUTHORIZATION}/roleDefinitions/d1"
    assert query_of(request.url) == {"api-version": ["7.6"]}
    assert request.headers["Content-Type"] == JSON
    assert request.headers["Accept"] == JSON
    assert body_of(request) == {
        "properties": {
            "roleName": "Reader",
            "description": "Reads keys",
            "permissions": [
                {
                    "actions": ["a"],
                    "notActions": ["b"],
                    "dataActions": ["Microsoft.KeyVault/managedHsm/keys/read/action"],
                    "notDataActions": ["Microsoft.KeyVault/managedHsm/keys/delete"],
                }
            ],
            "assignableScopes": ["/", "/keys"],
        }
    }


def test_set_definition_without_arguments(client: Any, service: ServiceStub) -> None:
    service.add(json_response(201, definition_json()))

    client.set_role_definition("/")
    request = service.requests[0]
    name = request.url.path.rsplit("/", 1)[1]

    assert len(name) == 36
    assert body_of(request) == {"properties": {"permissions": []}}


def test_delete_definition_request_shape(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, definition_json()))

    result = client.delete_role_definition("/", "d1")
    request = service.requests[0]

    assert result is None
    assert request.method == "DELETE"
    assert request.url.path == f"{AUTHORIZATION}/roleDefinitions/d1"
    assert query_of(request.url) == {"api-version": ["7.6"]}
    assert request.headers["Accept"] == JSON


def test_list_assignments_request_shape(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, {"value": []}))

    list(client.list_role_assignments("/keys", filter="atScope()"))
    request = service.requests[0]

    assert request.method == "GET"
    assert request.url.path == f"/keys{AUTHORIZATION}/roleAssignments"
    assert query_of(request.url) == {"api-version": ["7.6"], "$filter": ["atScope()"]}
    assert request.headers["Accept"] == JSON


def test_get_assignment_request_shape(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, assignment_json()))

    client.get_role_assignment("/", "a b")
    request = service.requests[0]

    assert request.method == "GET"
    assert (
        request.url.raw_path.decode()
        == f"{AUTHORIZATION}/roleAssignments/a%20b?api-version=7.6"
    )


def test_create_assignment_sends_body(client: Any, service: ServiceStub) -> None:
    service.add(json_response(201, assignment_json("a1")))

    client.create_role_assignment(
        KeyVaultRoleScope.GLOBAL, DEFINITION_ID, PRINCIPAL_ID, name="a1"
    )
    request = service.requests[0]

    assert request.method == "PUT"
    assert request.url.path == f"{AUTHORIZATION}/roleAssignments/a1"
    assert query_of(request.url) == {"api-version": ["7.6"]}
    assert request.headers["Content-Type"] == JSON
    assert request.headers["Accept"] == JSON
    assert body_of(request) == {
        "properties": {"roleDefinitionId": DEFINITION_ID, "principalId": PRINCIPAL_ID}
    }


def test_create_assignment_generates_uuid_name(
    client: Any, service: ServiceStub
) -> None:
    service.add(json_response(201, assignment_json()))

    client.create_role_assignment("/", DEFINITION_ID, PRINCIPAL_ID)
    name = service.requests[0].url.path.rsplit("/", 1)[1]

    assert len(name) == 36
    assert name.count("-") == 4


def test_delete_assignment_request_shape(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, assignment_json()))

    result = client.delete_role_assignment("/keys", "a1")
    request = service.requests[0]

    assert result is None
    assert request.method == "DELETE"
    assert request.url.path == f"/keys{AUTHORIZATION}/roleAssignments/a1"


# Recorded responses


def test_recorded_definitions_list_parsed(client: Any, service: ServiceStub) -> None:
    entries = load_recording("python", "test_role_definitions")
    entry = recorded_entry(entries, "GET", "/roleDefinitions", 200)
    service.add(recorded_response(entry))

    definitions = list(client.list_role_definitions("/"))
    wire_items = entry["ResponseBody"]["value"]

    assert len(definitions) == len(wire_items)
    for model, wire in zip(definitions, wire_items):
        assert_definition_matches(model, wire)


def test_recorded_definition_put_parsed(client: Any, service: ServiceStub) -> None:
    entries = load_recording("python", "test_role_definitions")
    entry = recorded_entry(entries, "PUT", "/roleDefinitions/", 201)
    service.add(recorded_response(entry))

    definition = client.set_role_definition("/", name="definition-name", role_name="x")

    assert_definition_matches(definition, entry["ResponseBody"])
    assert definition.role_type == "CustomRole"


def test_recorded_definition_get_parsed(client: Any, service: ServiceStub) -> None:
    entries = load_recording("js", "returns_a_role_definition_by_name")
    entry = recorded_entry(entries, "GET", "/roleDefinitions/", 200)
    service.add(recorded_response(entry))

    definition = client.get_role_definition("/", entry["ResponseBody"]["name"])

    assert_definition_matches(definition, entry["ResponseBody"])
    assert definition.role_type == "AKVBuiltInRole"


def test_recorded_missing_definition_delete(client: Any, service: ServiceStub) -> None:
    entries = load_recording("js", "deleting_a_nonexistent_role_definition")
    service.add(
        recorded_response(
            recorded_entry(entries, "DELETE", "/roleDefinitions/foobar", 404)
        )
    )

    assert client.delete_role_definition("/", "foobar") is None


@pytest.mark.parametrize(
    ("method", "status"), [("PUT", 201), ("GET", 200), ("DELETE", 200)]
)
def test_recorded_assignment_parsed(
    client: Any, service: ServiceStub, method: str, status: int
) -> None:
    entries = load_recording("python", "test_role_assignment")
    entry = recorded_entry(entries, method, "/roleAssignments/", status)
    service.add(recorded_response(entry))
    name = entry["ResponseBody"]["name"]

    if method == "PUT":
        assignment = client.create_role_assignment(
            "/", DEFINITION_ID, PRINCIPAL_ID, name=name
        )
    elif method == "GET":
        assignment = client.get_role_assignment("/", name)
    else:
        assignment = None
        assert client.delete_role_assignment("/", name) is None

    if assignment is not None:
        assert_assignment_matches(assignment, entry["ResponseBody"])


def test_recorded_assignments_list_parsed(client: Any, service: ServiceStub) -> None:
    entries = load_recording("python", "test_role_assignment")
    entry = recorded_entry(entries, "GET", "/roleAssignments", 200, index=1)
    service.add(recorded_response(entry))

    assignments = list(client.list_role_assignments(KeyVaultRoleScope.GLOBAL))
    wire_items = entry["ResponseBody"]["value"]

    assert len(assignments) == len(wire_items)
    for model, wire in zip(assignments, wire_items):
        assert_assignment_matches(model, wire)


def test_recorded_missing_assignment_raises(client: Any, service: ServiceStub) -> None:
    entries = load_recording("js", "can_create_read_and_delete_role_assignments")
    entry = recorded_entry(entries, "GET", "/roleAssignments/", 404)
    service.add(recorded_response(entry))

    with pytest.raises(ResourceNotFoundError) as caught:
        client.get_role_assignment("/", "8647a5fb-4506-468b-9bc0-4b97f10c9526")

    assert "RoleAssignmentNotFound" in str(caught.value)
    assert entry["ResponseBody"]["error"]["message"] in str(caught.value)
    assert caught.value.error_code == "RoleAssignmentNotFound"


# Null or missing fields


@pytest.mark.parametrize(
    "wire",
    [
        {"id": "x", "name": "n", "type": "t", "properties": None},
        {"id": "x", "name": "n", "type": "t"},
        {
            "id": "x",
            "name": "n",
            "type": "t",
            "properties": {"permissions": None, "assignableScopes": None},
        },
        {
            "id": "x",
            "name": "n",
            "type": "t",
            "properties": {"permissions": [{"actions": None}]},
        },
    ],
)
def test_definition_sparse_fields_tolerated(
    client: Any, service: ServiceStub, wire: Dict[str, Any]
) -> None:
    service.add(json_response(200, wire))

    definition = client.get_role_definition("/", "n")

    assert definition.id == "x"
    assert definition.name == "n"
    assert definition.type == "t"
    assert definition.role_name is None
    assert definition.description is None
    assert definition.assignable_scopes is None


def test_assignment_sparse_fields_tolerated(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, {"id": "x", "name": None, "properties": None}))

    assignment = client.get_role_assignment("/", "n")

    assert assignment.role_assignment_id == "x"
    assert assignment.name is None
    assert assignment.type is None
    assert assignment.properties.scope is None
    assert assignment.properties.principal_id is None
    assert assignment.properties.role_definition_id is None


def test_list_skips_null_items(client: Any, service: ServiceStub) -> None:
    service.add(
        json_response(200, {"value": [None, assignment_json("a1")], "nextLink": None})
    )

    assignments = list(client.list_role_assignments("/"))

    assert [assignment.name for assignment in assignments] == ["a1"]


# Paging


def test_paging_follows_next_link(client: Any, service: ServiceStub) -> None:
    next_link = (
        f"{VAULT_URL}{AUTHORIZATION}/roleDefinitions"
        "?api-version=7.2&$skiptoken=abc%20def"
    )
    service.add(
        json_response(200, {"value": [definition_json("d1")], "nextLink": next_link}),
        json_response(200, {"value": [definition_json("d2")]}),
    )

    names = [definition.name for definition in client.list_role_definitions("/")]
    second = service.requests[1]

    assert names == ["d1", "d2"]
    assert len(service.requests) == 2
    assert second.url.host == "myhsm.managedhsm.azure.net"
    assert second.url.path == f"{AUTHORIZATION}/roleDefinitions"
    assert query_of(second.url) == {"api-version": ["7.6"], "$skiptoken": ["abc def"]}


def test_paging_next_link_port_443(client: Any, service: ServiceStub) -> None:
    # The service may name :443 explicitly; the challenge cache treats it as the
    # same host, so the second page gets no second probe.
    next_link = f"{VAULT_URL}:443{AUTHORIZATION}/roleAssignments?$skiptoken=2"
    service.add(
        json_response(200, {"value": [assignment_json("a1")], "nextLink": next_link}),
        json_response(200, {"value": [assignment_json("a2")]}),
    )

    names = [assignment.name for assignment in client.list_role_assignments("/")]

    assert names == ["a1", "a2"]
    assert len(service.probes) == 1
    assert query_of(service.requests[1].url) == {
        "$skiptoken": ["2"],
        "api-version": ["7.6"],
    }


# Errors


@pytest.mark.parametrize(
    ("status", "exception_type", "code"),
    [
        (401, ClientAuthenticationError, "Unauthorized"),
        (404, ResourceNotFoundError, "RoleDefinitionNotFound"),
        (409, ResourceExistsError, "Conflict"),
        (400, HttpResponseError, "BadParameter"),
    ],
)
def test_error_status_maps_to_exception(
    client: Any, service: ServiceStub, status: int, exception_type: type, code: str
) -> None:
    message = f"Failure {status} (Activity ID: 1234)"
    service.add(json_response(status, error_json(code, message)))

    with pytest.raises(exception_type) as caught:
        client.get_role_definition("/", "d1")

    assert type(caught.value) is exception_type
    assert code in str(caught.value)
    assert message in str(caught.value)
    assert caught.value.status_code == status


def test_error_without_body_names_status(client: Any, service: ServiceStub) -> None:
    service.add(httpx.Response(400))

    with pytest.raises(HttpResponseError) as caught:
        client.get_role_assignment("/", "a1")

    assert "400" in str(caught.value)


def test_delete_assignment_conflict_raises(client: Any, service: ServiceStub) -> None:
    service.add(json_response(409, error_json("Conflict", "busy")))

    with pytest.raises(ResourceExistsError):
        client.delete_role_assignment("/", "a1")


def test_delete_missing_assignment_returns_none(
    client: Any, service: ServiceStub
) -> None:
    service.add(json_response(404, error_json("RoleAssignmentNotFound", "gone")))

    assert client.delete_role_assignment("/", "a1") is None


# Client plumbing shared by all clients


@pytest.mark.parametrize(
    "relative_url",
    [
        "/providers/Microsoft.Authorization/roleDefinitions",
        "providers/Microsoft.Authorization/roleDefinitions",
    ],
)
def test_send_request_resolves_relative_url(
    client: Any, service: ServiceStub, relative_url: str
) -> None:
    service.add(json_response(200, {"value": []}))

    response = client.send_request(HttpRequest("GET", relative_url))
    request = service.requests[0]

    assert response.status_code == 200
    assert str(request.url).startswith(f"{VAULT_URL}{AUTHORIZATION}/roleDefinitions?")
    assert query_of(request.url) == {"api-version": ["7.6"]}


def test_send_request_keeps_given_version(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, {"value": []}))

    client.send_request(HttpRequest("GET", f"{VAULT_URL}/settings?api-version=7.4"))

    assert query_of(service.requests[0].url) == {"api-version": ["7.4"]}


def test_send_request_returns_error_status(client: Any, service: ServiceStub) -> None:
    service.add(json_response(404, error_json("RoleDefinitionNotFound", "gone")))

    response = client.send_request(
        HttpRequest("GET", "/providers/Microsoft.Authorization/roleDefinitions/x")
    )

    assert response.status_code == 404
    with pytest.raises(HttpResponseError):
        response.raise_for_status()


def test_send_request_leaves_request_unchanged(
    client: Any, service: ServiceStub
) -> None:
    service.add(json_response(200, {}))
    request = HttpRequest("GET", "/settings")

    client.send_request(request)

    assert request.url == "/settings"


@pytest.mark.parametrize("url", [f"{VAULT_URL}/", f"{VAULT_URL}//", f" {VAULT_URL}/ "])
def test_vault_url_strips_trailing_slash(credential: Any, url: str) -> None:
    assert KeyVaultAccessControlClient(url, credential).vault_url == VAULT_URL


class ClosingTransport(CapturingTransport):
    def __init__(self) -> None:
        super().__init__(lambda request: (200, {}, {}))
        self.entered = 0
        self.exited = 0

    def __enter__(self) -> "ClosingTransport":
        self.entered += 1
        return self

    def __exit__(self, *args: Any) -> None:
        self.exited += 1


def test_context_manager_closes_transport(credential: Any) -> None:
    transport = ClosingTransport()

    with KeyVaultAccessControlClient(
        VAULT_URL, credential, transport=transport
    ) as client:
        assert isinstance(client, KeyVaultAccessControlClient)
        assert transport.entered == 1

    assert transport.exited == 1


def test_close_closes_transport(credential: Any) -> None:
    transport = ClosingTransport()
    client = KeyVaultAccessControlClient(VAULT_URL, credential, transport=transport)

    client.close()

    assert transport.exited == 1


@pytest.mark.parametrize("version", ["7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01"])
def test_api_version_sent_on_wire(
    credential: Any, service: ServiceStub, version: str
) -> None:
    service.add(json_response(200, {"value": []}))
    client = KeyVaultAccessControlClient(VAULT_URL, credential, api_version=version)

    list(client.list_role_assignments("/"))

    assert client.api_version == version
    assert query_of(service.requests[0].url) == {"api-version": [version]}


# Public names


def test_data_actions_equal_original() -> None:
    expected = {member.name: member.value for member in original.KeyVaultDataAction}
    actual = {member.name: member.value for member in KeyVaultDataAction}

    assert len(actual) == 34
    assert actual == expected


def test_role_scopes_equal_original() -> None:
    expected = {member.name: member.value for member in original.KeyVaultRoleScope}

    assert {member.name: member.value for member in KeyVaultRoleScope} == expected


def test_all_names_equal_original() -> None:
    missing = sorted(set(original.__all__) - set(clone.__all__))
    extra = sorted(set(clone.__all__) - set(original.__all__))

    assert missing == []
    assert extra == []
    for name in clone.__all__:
        assert hasattr(clone, name), name


def test_data_action_case_insensitive_lookup() -> None:
    assert KeyVaultDataAction["read_hsm_key"] is KeyVaultDataAction.READ_HSM_KEY
    assert (
        KeyVaultDataAction.READ_HSM_KEY
        == "Microsoft.KeyVault/managedHsm/keys/read/action"
    )


# Model repr


def test_definition_repr_names_id() -> None:
    definition = KeyVaultRoleDefinition(id="Microsoft.KeyVault/x")
    expected = repr(original.KeyVaultRoleDefinition(id="Microsoft.KeyVault/x"))

    assert repr(definition) == expected


def test_assignment_repr_names_id() -> None:
    assignment = KeyVaultRoleAssignment(role_assignment_id="/providers/x")
    expected = repr(original.KeyVaultRoleAssignment(role_assignment_id="/providers/x"))

    assert repr(assignment) == expected


def test_assignment_properties_repr_matches_original() -> None:
    from azure.keyvault.administration import (
        KeyVaultRoleAssignmentProperties as OriginalProperties,
    )

    arguments = {"principal_id": "p", "role_definition_id": "d", "scope": "/keys"}

    assert repr(KeyVaultRoleAssignmentProperties(**arguments)) == repr(
        OriginalProperties(**arguments)
    )


def test_permission_repr_lists_fields() -> None:
    text = repr(KeyVaultPermission(actions=["a"], data_actions=["d"]))

    assert "actions=['a']" in text
    assert "data_actions=['d']" in text


def test_permission_repr_is_bounded() -> None:
    text = repr(KeyVaultPermission(actions=["a" * 5000]))

    assert len(text) <= 1024


def test_permission_lists_parsed_as_strings(client: Any, service: ServiceStub) -> None:
    wire = definition_json("d1")
    wire["properties"]["permissions"] = [
        {"actions": [], "dataActions": ["x"], "notActions": [], "notDataActions": ["y"]}
    ]
    service.add(json_response(200, wire))

    permissions: List[Any] = client.get_role_definition("/", "d1").permissions

    assert permissions[0].actions == []
    assert permissions[0].data_actions == ["x"]
    assert permissions[0].not_actions == []
    assert permissions[0].not_data_actions == ["y"]
