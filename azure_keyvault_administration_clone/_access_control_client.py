"""Role-based access control of a Managed HSM: role definitions and assignments."""

from typing import Any, List, Optional, Union
from uuid import UUID, uuid4

from azure.core.exceptions import ResourceNotFoundError
from azure.core.paging import ItemPaged
from azure.core.tracing.decorator import distributed_trace

from . import _rest
from ._enums import KeyVaultRoleScope
from ._internal import KeyVaultClientBase
from ._models import KeyVaultPermission, KeyVaultRoleAssignment, KeyVaultRoleDefinition
from ._rest._models import (
    Permission,
    RoleAssignmentCreateParameters,
    RoleDefinitionCreateParameters,
    RoleDefinitionProperties,
)

Scope = Union[str, KeyVaultRoleScope]


def scope_text(scope: Scope) -> str:
    """Return a scope as path text, rejecting values that are not strings."""
    if isinstance(scope, KeyVaultRoleScope):
        return scope.value
    if not isinstance(scope, str) or not scope:
        raise TypeError(
            f"scope must be a KeyVaultRoleScope or a string such as '/', '/keys' or "
            f"'/keys/<key-name>', not {scope!r}"
        )
    return scope


def name_text(name: Union[str, UUID], what: str) -> str:
    if isinstance(name, UUID):
        return str(name)
    if not isinstance(name, str) or not name:
        raise TypeError(f"{what} must be a non-empty string or a UUID, not {name!r}")
    return name


def role_definition_body(
    role_name: Optional[str],
    description: Optional[str],
    permissions: Optional[List[KeyVaultPermission]],
    assignable_scopes: Optional[List[Scope]],
) -> RoleDefinitionCreateParameters:
    """Build ``RoleDefinitionCreateParameters``; fields left as None are omitted."""
    properties: RoleDefinitionProperties = {}
    if role_name is not None:
        properties["roleName"] = role_name
    if description is not None:
        properties["description"] = description
    wire_permissions: List[Permission] = []
    for permission in permissions or []:
        if not isinstance(permission, KeyVaultPermission):
            raise TypeError(
                f"permissions must be a list of KeyVaultPermission, not "
                f"{type(permission).__name__}"
            )
        wire_permissions.append(permission._to_wire())
    properties["permissions"] = wire_permissions
    if assignable_scopes is not None:
        properties["assignableScopes"] = [
            scope_text(scope) for scope in assignable_scopes
        ]
    return {"properties": properties}


def role_assignment_body(
    definition_id: str, principal_id: str
) -> RoleAssignmentCreateParameters:
    if not isinstance(principal_id, str) or not principal_id:
        raise TypeError(
            f"principal_id must be the object ID of a user, group or service "
            f"principal, not {principal_id!r}"
        )
    return {
        "properties": {
            "roleDefinitionId": str(definition_id),
            "principalId": principal_id,
        }
    }


class KeyVaultAccessControlClient(KeyVaultClientBase):
    """Manages role definitions and role assignments of a Managed HSM.

    :param str vault_url: URL of the Managed HSM, for example
        ``https://<hsm-name>.managedhsm.azure.net``.
    :param credential: Object that provides access tokens, such as a credential
        from :mod:`azure.identity`.
    :type credential: ~azure.core.credentials.TokenCredential
    :keyword api_version: Service API version. Defaults to the latest supported.
    :paramtype api_version: ~azure_keyvault_administration_clone.ApiVersion or str
    :keyword bool verify_challenge_resource: Whether to check that the
        authentication challenge's resource covers the vault's host. Defaults
        to True.
    :raises ValueError: if ``vault_url`` or ``credential`` is missing.
    :raises NotImplementedError: if ``api_version`` is not supported.
    """

    @distributed_trace
    def create_role_assignment(
        self,
        scope: Scope,
        definition_id: str,
        principal_id: str,
        *,
        name: Optional[Union[str, UUID]] = None,
        **kwargs: Any,
    ) -> KeyVaultRoleAssignment:
        """Assign a role to a principal at a scope.

        :param scope: Scope of the assignment, such as ``/`` or ``/keys``.
        :type scope: str or KeyVaultRoleScope
        :param str definition_id: ID of the role definition to assign.
        :param str principal_id: Object ID of the user, group or service principal.
        :keyword name: Name of the new assignment. Defaults to a new UUID.
        :paramtype name: str or uuid.UUID or None
        :returns: The created assignment.
        :rtype: KeyVaultRoleAssignment
        :raises ~azure.core.exceptions.HttpResponseError: if the service rejects it.
        """
        assignment_name = name_text(name, "name") if name else str(uuid4())
        request = _rest.build_create_role_assignment_request(
            scope_text(scope),
            assignment_name,
            role_assignment_body(definition_id, principal_id),
            api_version=self.api_version,
        )
        response = self._send(request, (201, 200), **kwargs)
        return KeyVaultRoleAssignment._from_wire(response.json())

    @distributed_trace
    def delete_role_assignment(
        self, scope: Scope, name: Union[str, UUID], **kwargs: Any
    ) -> None:
        """Delete a role assignment. Deleting a missing assignment is not an error.

        :param scope: Scope of the assignment.
        :type scope: str or KeyVaultRoleScope
        :param name: Name of the assignment.
        :type name: str or uuid.UUID
        :rtype: None
        :raises ~azure.core.exceptions.HttpResponseError: for errors other than
            "not found".
        """
        request = _rest.build_delete_role_assignment_request(
            scope_text(scope), name_text(name, "name"), api_version=self.api_version
        )
        try:
            self._send(request, (200, 204), **kwargs)
        except ResourceNotFoundError:
            pass

    @distributed_trace
    def get_role_assignment(
        self, scope: Scope, name: Union[str, UUID], **kwargs: Any
    ) -> KeyVaultRoleAssignment:
        """Get a role assignment.

        :param scope: Scope of the assignment.
        :type scope: str or KeyVaultRoleScope
        :param name: Name of the assignment.
        :type name: str or uuid.UUID
        :rtype: KeyVaultRoleAssignment
        :raises ~azure.core.exceptions.ResourceNotFoundError: if it does not exist.
        """
        request = _rest.build_get_role_assignment_request(
            scope_text(scope), name_text(name, "name"), api_version=self.api_version
        )
        response = self._send(request, (200,), **kwargs)
        return KeyVaultRoleAssignment._from_wire(response.json())

    @distributed_trace
    def list_role_assignments(
        self, scope: Scope, **kwargs: Any
    ) -> ItemPaged[KeyVaultRoleAssignment]:
        """List the role assignments at a scope.

        :param scope: Scope of the assignments, such as ``/`` or ``/keys``.
        :type scope: str or KeyVaultRoleScope
        :keyword str filter: OData filter, such as ``atScope()`` or
            ``principalId eq '<id>'``, sent as ``$filter``.
        :rtype: ~azure.core.paging.ItemPaged[KeyVaultRoleAssignment]
        """
        request = _rest.build_list_role_assignments_request(
            scope_text(scope),
            api_version=self.api_version,
            filter_expression=kwargs.pop("filter", None),
        )
        return self._paged(request, KeyVaultRoleAssignment._from_wire, **kwargs)

    @distributed_trace
    def set_role_definition(
        self,
        scope: Scope,
        *,
        name: Optional[Union[str, UUID]] = None,
        role_name: Optional[str] = None,
        description: Optional[str] = None,
        permissions: Optional[List[KeyVaultPermission]] = None,
        assignable_scopes: Optional[List[Scope]] = None,
        **kwargs: Any,
    ) -> KeyVaultRoleDefinition:
        """Create or replace a custom role definition.

        The service replaces the whole definition, so a field left out is
        reset to its default (an empty description, no permissions).

        :param scope: Scope of the role definition. Managed HSM supports only ``/``.
        :type scope: str or KeyVaultRoleScope
        :keyword name: Name of the definition to create or replace. Defaults to a
            new UUID, which creates a new definition.
        :paramtype name: str or uuid.UUID or None
        :keyword str role_name: Display name of the role.
        :keyword str description: Description of the role.
        :keyword permissions: Permissions the role grants and denies.
        :paramtype permissions: list[KeyVaultPermission] or None
        :keyword assignable_scopes: Scopes the role can be assigned at.
        :paramtype assignable_scopes: list[str or KeyVaultRoleScope] or None
        :rtype: KeyVaultRoleDefinition
        :raises ~azure.core.exceptions.HttpResponseError: if the service rejects it.
        """
        definition_name = name_text(name, "name") if name else str(uuid4())
        body = role_definition_body(
            role_name, description, permissions, assignable_scopes
        )
        request = _rest.build_set_role_definition_request(
            scope_text(scope), definition_name, body, api_version=self.api_version
        )
        response = self._send(request, (201, 200), **kwargs)
        return KeyVaultRoleDefinition._from_wire(response.json())

    @distributed_trace
    def get_role_definition(
        self, scope: Scope, name: Union[str, UUID], **kwargs: Any
    ) -> KeyVaultRoleDefinition:
        """Get a role definition.

        :param scope: Scope of the role definition. Managed HSM supports only ``/``.
        :type scope: str or KeyVaultRoleScope
        :param name: Name of the role definition, a GUID.
        :type name: str or uuid.UUID
        :rtype: KeyVaultRoleDefinition
        :raises ~azure.core.exceptions.ResourceNotFoundError: if it does not exist.
        """
        request = _rest.build_get_role_definition_request(
            scope_text(scope), name_text(name, "name"), api_version=self.api_version
        )
        response = self._send(request, (200,), **kwargs)
        return KeyVaultRoleDefinition._from_wire(response.json())

    @distributed_trace
    def delete_role_definition(
        self, scope: Scope, name: Union[str, UUID], **kwargs: Any
    ) -> None:
        """Delete a custom role definition. Deleting a missing one is not an error.

        :param scope: Scope of the role definition. Managed HSM supports only ``/``.
        :type scope: str or KeyVaultRoleScope
        :param name: Name of the role definition.
        :type name: str or uuid.UUID
        :rtype: None
        :raises ~azure.core.exceptions.HttpResponseError: for errors other than
            "not found".
        """
        request = _rest.build_delete_role_definition_request(
            scope_text(scope), name_text(name, "name"), api_version=self.api_version
        )
        try:
            self._send(request, (200, 204), **kwargs)
        except ResourceNotFoundError:
            pass

    @distributed_trace
    def list_role_definitions(
        self, scope: Scope, **kwargs: Any
    ) -> ItemPaged[KeyVaultRoleDefinition]:
        """List the role definitions that apply at and above a scope.

        :param scope: Scope of the role definitions, such as ``/``.
        :type scope: str or KeyVaultRoleScope
        :keyword str filter: OData filter, sent as ``$filter``.
        :rtype: ~azure.core.paging.ItemPaged[KeyVaultRoleDefinition]
        """
        request = _rest.build_list_role_definitions_request(
            scope_text(scope),
            api_version=self.api_version,
            filter_expression=kwargs.pop("filter", None),
        )
        return self._paged(request, KeyVaultRoleDefinition._from_wire, **kwargs)

    def __enter__(self) -> "KeyVaultAccessControlClient":
        self._client.__enter__()
        return self
