"""Public models returned by and passed to the clients."""

from typing import Any, Iterable, List, Mapping, Optional, Union

from ._enums import KeyVaultDataAction, KeyVaultSettingType
from ._rest._models import Permission as WirePermission

_REPR_LIMIT = 1024


def _strings(value: Any) -> Optional[List[str]]:
    """Convert a wire list of strings, keeping ``None`` for a missing list."""
    if value is None:
        return None
    return [str(item) for item in value]


def _action_strings(actions: Iterable[Any]) -> List[str]:
    """Convert actions, which may be :class:`KeyVaultDataAction` members, to strings."""
    return [str(getattr(action, "value", action)) for action in actions]


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


class KeyVaultPermission:
    """Actions that a role definition allows and denies.

    :keyword actions: Action permissions granted by the role definition.
    :paramtype actions: list[str] or None
    :keyword not_actions: Action permissions excluded from ``actions``.
    :paramtype not_actions: list[str] or None
    :keyword data_actions: Data action permissions granted by the role definition.
    :paramtype data_actions: list[str or KeyVaultDataAction] or None
    :keyword not_data_actions: Data action permissions excluded from
        ``data_actions``.
    :paramtype not_data_actions: list[str or KeyVaultDataAction] or None
    """

    def __init__(self, **kwargs: Any) -> None:
        self.actions: Optional[List[str]] = kwargs.get("actions")
        self.not_actions: Optional[List[str]] = kwargs.get("not_actions")
        self.data_actions: Optional[List[Union[str, KeyVaultDataAction]]] = kwargs.get(
            "data_actions"
        )
        self.not_data_actions: Optional[List[Union[str, KeyVaultDataAction]]] = (
            kwargs.get("not_data_actions")
        )

    def __repr__(self) -> str:
        text = (
            f"KeyVaultPermission(actions={self.actions}, "
            f"not_actions={self.not_actions}, data_actions={self.data_actions}, "
            f"not_data_actions={self.not_data_actions})"
        )
        return text[:_REPR_LIMIT]

    @classmethod
    def _from_wire(cls, data: Mapping[str, Any]) -> "KeyVaultPermission":
        return cls(
            actions=_strings(data.get("actions")),
            not_actions=_strings(data.get("notActions")),
            data_actions=_strings(data.get("dataActions")),
            not_data_actions=_strings(data.get("notDataActions")),
        )

    def _to_wire(self) -> WirePermission:
        """Build the wire ``Permission``, leaving out lists that are None."""
        wire: WirePermission = {}
        if self.actions is not None:
            wire["actions"] = _action_strings(self.actions)
        if self.not_actions is not None:
            wire["notActions"] = _action_strings(self.not_actions)
        if self.data_actions is not None:
            wire["dataActions"] = _action_strings(self.data_actions)
        if self.not_data_actions is not None:
            wire["notDataActions"] = _action_strings(self.not_data_actions)
        return wire


class KeyVaultRoleAssignmentProperties:
    """Scope, role and principal of a role assignment.

    :keyword str principal_id: Object ID of the principal the role is assigned to.
    :keyword str role_definition_id: ID of the assigned role definition.
    :keyword str scope: Scope of the assignment, such as ``/`` or ``/keys``.
    """

    def __init__(self, **kwargs: Any) -> None:
        self.principal_id: Optional[str] = kwargs.get("principal_id")
        self.role_definition_id: Optional[str] = kwargs.get("role_definition_id")
        self.scope: Optional[str] = kwargs.get("scope")

    def __repr__(self) -> str:
        text = (
            f"KeyVaultRoleAssignmentProperties(principal_id={self.principal_id}, "
            f"role_definition_id={self.role_definition_id}, scope={self.scope})"
        )
        return text[:_REPR_LIMIT]

    @classmethod
    def _from_wire(cls, data: Mapping[str, Any]) -> "KeyVaultRoleAssignmentProperties":
        return cls(
            principal_id=data.get("principalId"),
            role_definition_id=data.get("roleDefinitionId"),
            scope=data.get("scope"),
        )


class KeyVaultRoleAssignment:
    """Assignment of a role to a principal over a scope.

    :ivar str name: Name of the assignment, a GUID.
    :ivar str role_assignment_id: Full ID of the assignment.
    :ivar str type: Resource type, ``Microsoft.Authorization/roleAssignments``.
    :ivar properties: Scope, role definition and principal of the assignment.
    :vartype properties: KeyVaultRoleAssignmentProperties
    """

    def __init__(self, **kwargs: Any) -> None:
        self.name: Optional[str] = kwargs.get("name")
        self.properties: Optional[KeyVaultRoleAssignmentProperties] = kwargs.get(
            "properties"
        )
        self.role_assignment_id: Optional[str] = kwargs.get("role_assignment_id")
        self.type: Optional[str] = kwargs.get("assignment_type")

    def __repr__(self) -> str:
        return f"KeyVaultRoleAssignment<{self.role_assignment_id}>"

    @classmethod
    def _from_wire(cls, data: Mapping[str, Any]) -> "KeyVaultRoleAssignment":
        return cls(
            role_assignment_id=data.get("id"),
            name=data.get("name"),
            assignment_type=data.get("type"),
            properties=KeyVaultRoleAssignmentProperties._from_wire(
                _mapping(data.get("properties"))
            ),
        )


class KeyVaultRoleDefinition:
    """A role: the permissions it grants and the scopes it can be assigned at.

    :ivar str id: Full ID of the role definition.
    :ivar str name: Name of the role definition, a GUID.
    :ivar str role_name: Display name of the role.
    :ivar str role_type: ``AKVBuiltInRole`` or ``CustomRole``.
    :ivar str description: Description of the role.
    :ivar permissions: Permissions the role grants and denies.
    :vartype permissions: list[KeyVaultPermission]
    :ivar assignable_scopes: Scopes at which the role can be assigned.
    :vartype assignable_scopes: list[str]
    :ivar str type: Resource type, ``Microsoft.Authorization/roleDefinitions``.
    """

    def __init__(self, **kwargs: Any) -> None:
        self.assignable_scopes: Optional[List[str]] = kwargs.get("assignable_scopes")
        self.description: Optional[str] = kwargs.get("description")
        self.id: Optional[str] = kwargs.get("id")
        self.name: Optional[str] = kwargs.get("name")
        self.permissions: Optional[List[KeyVaultPermission]] = kwargs.get("permissions")
        self.role_name: Optional[str] = kwargs.get("role_name")
        self.role_type: Optional[str] = kwargs.get("role_type")
        self.type: Optional[str] = kwargs.get("type")

    def __repr__(self) -> str:
        return f"KeyVaultRoleDefinition<{self.id}>"

    @classmethod
    def _from_wire(cls, data: Mapping[str, Any]) -> "KeyVaultRoleDefinition":
        properties = data.get("properties")
        if not isinstance(properties, Mapping):
            return cls(id=data.get("id"), name=data.get("name"), type=data.get("type"))
        return cls(
            assignable_scopes=_strings(properties.get("assignableScopes")),
            description=properties.get("description"),
            id=data.get("id"),
            name=data.get("name"),
            permissions=[
                KeyVaultPermission._from_wire(_mapping(permission))
                for permission in properties.get("permissions") or []
            ],
            role_name=properties.get("roleName"),
            role_type=properties.get("type"),
            type=data.get("type"),
        )


class KeyVaultBackupResult:
    """Result of a successful full backup.

    :ivar str folder_url: URL of the blob storage folder that contains the
        backup, the value to pass to ``begin_restore``.
    """

    def __init__(self, **kwargs: Any) -> None:
        self.folder_url: Optional[str] = kwargs.get("folder_url")

    def __repr__(self) -> str:
        return f"KeyVaultBackupResult(folder_url={self.folder_url!r})"

    @classmethod
    def _from_wire(cls, data: Mapping[str, Any]) -> "KeyVaultBackupResult":
        return cls(folder_url=data.get("azureStorageBlobContainerUri"))


class KeyVaultSetting:
    """A Managed HSM account setting.

    The value always travels as a string. A ``bool`` value, or any value with
    ``setting_type`` :attr:`KeyVaultSettingType.BOOLEAN`, is stored as
    ``"true"`` or ``"false"``.

    :param str name: Name of the setting.
    :param value: Value of the setting.
    :type value: str or bool
    :param setting_type: Type of the value; inferred as boolean for a ``bool``.
    :type setting_type: str or KeyVaultSettingType or None
    """

    def __init__(
        self,
        name: str,
        value: Union[str, bool],
        setting_type: Optional[Union[str, KeyVaultSettingType]] = None,
        **kwargs: Any,
    ) -> None:
        self.name = name
        self.value: str = value if isinstance(value, str) else str(value)
        self.setting_type: Optional[Union[str, KeyVaultSettingType]]
        if isinstance(setting_type, str) and setting_type.lower() == "boolean":
            self.setting_type = KeyVaultSettingType.BOOLEAN
        elif setting_type is None and isinstance(value, bool):
            self.setting_type = KeyVaultSettingType.BOOLEAN
        elif isinstance(setting_type, str):
            self.setting_type = setting_type.lower()
        else:
            self.setting_type = setting_type
        if self.setting_type == KeyVaultSettingType.BOOLEAN:
            # The service accepts only lower-case boolean strings.
            self.value = self.value.lower()

    def __repr__(self) -> str:
        text = (
            f"KeyVaultSetting(name={self.name!r}, value={self.value!r}, "
            f"setting_type={self.setting_type!r})"
        )
        return text[:_REPR_LIMIT]

    def getboolean(self) -> bool:
        """Return the value as a ``bool``.

        :raises ValueError: if the setting is not boolean or its value is
            neither ``"true"`` nor ``"false"``.
        """
        if self.setting_type == KeyVaultSettingType.BOOLEAN:
            if self.value == "true":
                return True
            if self.value == "false":
                return False
        raise ValueError(
            f"Setting '{self.name}' has type {self.setting_type!r} and value "
            f"{self.value!r}; getboolean() needs setting_type "
            'KeyVaultSettingType.BOOLEAN and a value of "true" or "false".'
        )

    @classmethod
    def _from_wire(cls, data: Mapping[str, Any]) -> "KeyVaultSetting":
        value = data.get("value")
        return cls(
            name=str(data.get("name") or ""),
            value="" if value is None else value,
            setting_type=data.get("type"),
        )
