"""Role definition and role assignment operations.

Routes live under ``/{scope}/providers/Microsoft.Authorization/...``, where the
scope is the raw path text before ``/providers/``: ``/``, ``/keys`` or
``/keys/<name>``. Role definitions are global, so every scope lists the same
set. Responses have alphabetical keys, lists are a single page without
``nextLink``, and role-definition ids have no leading slash while
role-assignment ids do, as on the live service.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Tuple

from starlette.responses import Response
from starlette.routing import Route

from .errors import ServiceError, bad_parameter, json_response
from .options import ADMIN_API_VERSIONS
from .rbac import (
    BUILTIN_ROLE_TYPE,
    CUSTOM_ROLE_TYPE,
    ROLE_ASSIGNMENT_TYPE,
    ROLE_DEFINITION_ID_PREFIX,
    ROLE_DEFINITION_TYPE,
    DataAction,
    normalize_scope,
    role_name_from_id,
    scope_covers,
)
from .state import EmulatorState
from .store import AssignmentRow
from .web import RequestContext, hsm_route

PROVIDER_PATH = "/providers/Microsoft.Authorization"
_GUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_PRINCIPAL_FILTER = re.compile(r"^principalId\s+eq\s+'([^']*)'$", re.IGNORECASE)
_ROLE_NAME_FILTER = re.compile(r"^roleName\s+eq\s+'([^']*)'$", re.IGNORECASE)
_KEY_SCOPE = re.compile(r"^/keys/[0-9A-Za-z-]{1,127}$")
_PERMISSION_FIELDS = ("actions", "notActions", "dataActions", "notDataActions")


def path_scope(context: RequestContext) -> str:
    """Return the RBAC scope named by the request path."""
    return normalize_scope("/" + context.path_params.get("scope", ""))


def _not_found_definition() -> ServiceError:
    return ServiceError(
        404, "RoleDefinitionNotFound", "Requested role definition not found"
    )


def _not_found_assignment() -> ServiceError:
    return ServiceError(
        404, "RoleAssignmentNotFound", "Requested role assignment not found"
    )


# -- role definitions ---------------------------------------------------------


def list_role_definitions(context: RequestContext) -> Response:
    """List built-in and custom role definitions, optionally ``roleName eq '...'``."""
    definitions = context.state.all_role_definitions()
    filter_text = context.query.get("$filter", "").strip()
    match = _ROLE_NAME_FILTER.match(filter_text)
    if match:
        definitions = [
            role
            for role in definitions
            if role["properties"].get("roleName") == match.group(1)
        ]
    return json_response({"value": definitions})


def get_role_definition(context: RequestContext) -> Response:
    """Return one role definition or 404 ``RoleDefinitionNotFound``."""
    definition = context.state.find_role_definition(context.path_params["name"])
    if definition is None:
        raise _not_found_definition()
    return json_response(definition)


def put_role_definition(context: RequestContext) -> Response:
    """Create or fully replace a custom role definition (201)."""
    name = context.path_params["name"]
    if not _GUID.match(name):
        raise bad_parameter(
            f"Role definition name {name!r} is not a valid GUID. Use a GUID such as "
            "the output of uuid.uuid4()."
        )
    if context.state.builtin_role(name) is not None:
        raise _builtin_immutable(name)
    body = context.json_body()
    assert body is not None
    properties = body.get("properties")
    if not isinstance(properties, dict):
        raise bad_parameter("The request body must contain a 'properties' object.")
    definition = _normalized_definition(name.lower(), properties)
    context.state.store.put_role_definition(name.lower(), definition)
    return json_response(definition, 201)


def delete_role_definition(context: RequestContext) -> Response:
    """Delete a custom role definition and return it (200)."""
    name = context.path_params["name"]
    if context.state.builtin_role(name) is not None:
        raise _builtin_immutable(name)
    deleted = context.state.store.delete_role_definition(name)
    if deleted is None:
        raise _not_found_definition()
    return json_response(deleted)


def _builtin_immutable(name: str) -> ServiceError:
    return bad_parameter(
        f"Role definition {name} is a built-in role and cannot be changed or "
        "deleted. Create a custom role with a new GUID name instead."
    )


def _normalized_definition(name: str, properties: Dict[str, Any]) -> Dict[str, Any]:
    role_type = properties.get("type", CUSTOM_ROLE_TYPE)
    if role_type in (None, ""):
        role_type = CUSTOM_ROLE_TYPE
    if role_type != CUSTOM_ROLE_TYPE:
        raise bad_parameter(
            f"properties.type {role_type!r} is not valid. Only '{CUSTOM_ROLE_TYPE}' "
            f"definitions can be created, because '{BUILTIN_ROLE_TYPE}' is reserved."
        )
    permissions_in = properties.get("permissions")
    if permissions_in is None:
        permissions_in = []
    if not isinstance(permissions_in, list):
        raise bad_parameter(
            "properties.permissions must be a list of permission objects."
        )
    permissions: List[Dict[str, List[str]]] = []
    for index, entry in enumerate(permissions_in):
        if not isinstance(entry, dict):
            raise bad_parameter(f"properties.permissions[{index}] must be an object.")
        permissions.append(
            {
                field: _string_list(
                    entry.get(field), f"properties.permissions[{index}].{field}"
                )
                for field in _PERMISSION_FIELDS
            }
        )
    scopes = properties.get("assignableScopes")
    assignable = (
        ["/"] if scopes is None else _string_list(scopes, "properties.assignableScopes")
    )
    return {
        "id": ROLE_DEFINITION_ID_PREFIX + name,
        "name": name,
        "properties": {
            "assignableScopes": assignable,
            "description": _optional_string(
                properties.get("description"), "description"
            ),
            "permissions": permissions,
            "roleName": _optional_string(properties.get("roleName"), "roleName"),
            "type": CUSTOM_ROLE_TYPE,
        },
        "type": ROLE_DEFINITION_TYPE,
    }


def _string_list(value: Any, field: str) -> List[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise bad_parameter(f"{field} must be a list of strings.")
    return list(value)


def _optional_string(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise bad_parameter(f"properties.{field} must be a string.")
    return value


# -- role assignments ---------------------------------------------------------


def assignment_wire(row: AssignmentRow) -> Dict[str, Any]:
    """Return a role assignment in wire form."""
    prefix = "" if row.scope == "/" else row.scope
    return {
        "id": f"{prefix}{PROVIDER_PATH}/roleAssignments/{row.name}",
        "name": row.name,
        "properties": {
            "principalId": row.principal_id,
            "roleDefinitionId": row.role_definition_id,
            "scope": row.scope,
        },
        "type": ROLE_ASSIGNMENT_TYPE,
    }


def list_role_assignments(context: RequestContext) -> Response:
    """List assignments at, above or below the path scope.

    ``$filter=atScope()`` keeps those at or above the scope, and
    ``principalId eq '<id>'`` keeps one principal's; both may be joined by ``and``.
    """
    scope = path_scope(context)
    at_scope, principal = _parse_assignment_filter(context.query.get("$filter", ""))
    rows = []
    for row in context.state.store.list_assignments():
        above = scope_covers(row.scope, scope)
        below = scope_covers(scope, row.scope)
        if at_scope and not above:
            continue
        if not (above or below):
            continue
        if principal is not None and row.principal_id.lower() != principal.lower():
            continue
        rows.append(assignment_wire(row))
    return json_response({"value": rows})


def _parse_assignment_filter(text: str) -> Tuple[bool, Optional[str]]:
    at_scope = False
    principal: Optional[str] = None
    for clause in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        clause = clause.strip()
        if not clause:
            continue
        if clause.lower() == "atscope()":
            at_scope = True
            continue
        match = _PRINCIPAL_FILTER.match(clause)
        if match:
            principal = match.group(1)
            continue
        raise bad_parameter(
            f"The $filter clause {clause!r} is not supported. Use atScope() or "
            "principalId eq '<id>'."
        )
    return at_scope, principal


def get_role_assignment(context: RequestContext) -> Response:
    """Return one role assignment or 404 ``RoleAssignmentNotFound``."""
    row = context.state.store.get_assignment(context.path_params["name"])
    if row is None or row.scope.lower() != path_scope(context).lower():
        raise _not_found_assignment()
    return json_response(assignment_wire(row))


def put_role_assignment(context: RequestContext) -> Response:
    """Create a role assignment (201); a repeat with equal properties is accepted."""
    name = context.path_params["name"]
    scope = path_scope(context)
    if scope not in ("/", "/keys") and not _KEY_SCOPE.match(scope):
        raise bad_parameter(
            f"Scope {scope!r} is not valid for a role assignment. Use '/', '/keys' or "
            "'/keys/<key name>'."
        )

    body = context.json_body()
    assert body is not None
    properties = body.get("properties")
    if not isinstance(properties, dict):
        raise bad_parameter("The request body must contain a 'properties' object.")
    role_definition_id = properties.get("roleDefinitionId")
    principal_id = properties.get("principalId")
    if not isinstance(role_definition_id, str) or not role_definition_id:
        raise bad_parameter(
            "properties.roleDefinitionId is required and must be a string."
        )
    if not isinstance(principal_id, str) or not principal_id:
        raise bad_parameter("properties.principalId is required and must be a string.")

    if (
        context.state.find_role_definition(role_name_from_id(role_definition_id))
        is None
    ):
        raise bad_parameter(
            f"Role definition {role_definition_id!r} does not exist. Use the id of a "
            "built-in or custom role definition."
        )

    row = AssignmentRow(
        name=name,
        scope=scope,
        principal_id=principal_id,
        role_definition_id=role_definition_id,
    )
    existing = context.state.store.insert_assignment(row)
    if existing is not None and (
        existing.scope.lower() != scope.lower()
        or existing.principal_id.lower() != principal_id.lower()
        or role_name_from_id(existing.role_definition_id)
        != role_name_from_id(role_definition_id)
    ):
        raise ServiceError(
            409,
            "RoleAssignmentExists",
            f"A role assignment named {name} already exists with other properties. "
            "Delete it first or choose another name.",
        )
    return json_response(assignment_wire(existing or row), 201)


def delete_role_assignment(context: RequestContext) -> Response:
    """Delete a role assignment and return it (200)."""
    name = context.path_params["name"]
    row = context.state.store.get_assignment(name)
    if row is None or row.scope.lower() != path_scope(context).lower():
        raise _not_found_assignment()
    deleted = context.state.store.delete_assignment(name)
    if deleted is None:
        raise _not_found_assignment()
    return json_response(assignment_wire(deleted))


def routes(state: EmulatorState) -> List[Route]:
    """Return the RBAC routes; they must precede the keys routes."""
    base = "/{scope:rbacscope}providers/Microsoft.Authorization"
    table: List[Tuple[str, str, Callable[[RequestContext], Response], str]] = [
        (
            "/roleDefinitions",
            "GET",
            list_role_definitions,
            DataAction.ROLE_DEFINITIONS_READ,
        ),
        (
            "/roleDefinitions/{name}",
            "GET",
            get_role_definition,
            DataAction.ROLE_DEFINITIONS_READ,
        ),
        (
            "/roleDefinitions/{name}",
            "PUT",
            put_role_definition,
            DataAction.ROLE_DEFINITIONS_WRITE,
        ),
        (
            "/roleDefinitions/{name}",
            "DELETE",
            delete_role_definition,
            DataAction.ROLE_DEFINITIONS_DELETE,
        ),
        (
            "/roleAssignments",
            "GET",
            list_role_assignments,
            DataAction.ROLE_ASSIGNMENTS_READ,
        ),
        (
            "/roleAssignments/{name}",
            "GET",
            get_role_assignment,
            DataAction.ROLE_ASSIGNMENTS_READ,
        ),
        (
            "/roleAssignments/{name}",
            "PUT",
            put_role_assignment,
            DataAction.ROLE_ASSIGNMENTS_WRITE,
        ),
        (
            "/roleAssignments/{name}",
            "DELETE",
            delete_role_assignment,
            DataAction.ROLE_ASSIGNMENTS_DELETE,
        ),
    ]
    return [
        hsm_route(
            state,
            base + suffix,
            method,
            handler,
            action=action,
            target=path_scope,
            api_versions=ADMIN_API_VERSIONS,
        )
        for suffix, method, handler, action in table
    ]
