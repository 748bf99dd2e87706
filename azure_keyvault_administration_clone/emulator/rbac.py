"""Managed HSM local RBAC: built-in roles, scopes and data-action evaluation.

A principal may perform a data action on a target scope when one of its role
assignments covers the target scope and grants the action. An assignment grants
an action when its role definition has a permission entry whose ``dataActions``
match the action and whose ``notDataActions`` do not.

Scope ``/`` covers everything, ``/keys`` covers every ``/keys/<name>``, and
``/keys/<name>`` covers only itself. A pattern that ends in ``*`` matches every
action with the text before the ``*`` as prefix. Comparisons ignore case, like
Key Vault object names.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Tuple

ACTION_PREFIX = "Microsoft.KeyVault/managedHsm/"
ROLE_DEFINITION_ID_PREFIX = (
    "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/"
)
ROLE_DEFINITION_TYPE = "Microsoft.Authorization/roleDefinitions"
ROLE_ASSIGNMENT_TYPE = "Microsoft.Authorization/roleAssignments"
BUILTIN_ROLE_TYPE = "AKVBuiltInRole"
CUSTOM_ROLE_TYPE = "CustomRole"

ADMINISTRATOR_ROLE = "a290e904-7015-4bba-90c8-60543313cdb4"
CRYPTO_USER_ROLE = "21dbd100-6940-42c2-9190-5d6cb909625b"
CRYPTO_OFFICER_ROLE = "515eb02d-2335-4d2d-92f2-b1cbdf9c3778"

#: Roles assigned to the bootstrap principal at scope ``/``. Administrator grants
#: role management, full backup and restore and settings, Crypto User grants key
#: create and use, and Crypto Officer grants purge and recover of deleted keys.
BOOTSTRAP_ROLES: Tuple[str, ...] = (
    ADMINISTRATOR_ROLE,
    CRYPTO_USER_ROLE,
    CRYPTO_OFFICER_ROLE,
)


class DataAction:
    """Data actions that the emulator's operations check."""

    ROLE_DEFINITIONS_READ = ACTION_PREFIX + "roleDefinitions/read/action"
    ROLE_DEFINITIONS_WRITE = ACTION_PREFIX + "roleDefinitions/write/action"
    ROLE_DEFINITIONS_DELETE = ACTION_PREFIX + "roleDefinitions/delete/action"
    ROLE_ASSIGNMENTS_READ = ACTION_PREFIX + "roleAssignments/read/action"
    ROLE_ASSIGNMENTS_WRITE = ACTION_PREFIX + "roleAssignments/write/action"
    ROLE_ASSIGNMENTS_DELETE = ACTION_PREFIX + "roleAssignments/delete/action"
    BACKUP_START = ACTION_PREFIX + "backup/start/action"
    BACKUP_STATUS = ACTION_PREFIX + "backup/status/action"
    RESTORE_START = ACTION_PREFIX + "restore/start/action"
    RESTORE_STATUS = ACTION_PREFIX + "restore/status/action"
    SETTINGS_READ = ACTION_PREFIX + "settings/read/action"
    SETTINGS_WRITE = ACTION_PREFIX + "settings/write/action"
    KEYS_READ = ACTION_PREFIX + "keys/read/action"
    KEYS_CREATE = ACTION_PREFIX + "keys/create"
    KEYS_DELETE = ACTION_PREFIX + "keys/delete"
    KEYS_RESTORE = ACTION_PREFIX + "keys/restore/action"
    DELETED_KEYS_READ = ACTION_PREFIX + "keys/deletedKeys/read/action"
    DELETED_KEYS_DELETE = ACTION_PREFIX + "keys/deletedKeys/delete"
    DELETED_KEYS_RECOVER = ACTION_PREFIX + "keys/deletedKeys/recover/action"


@dataclass(frozen=True)
class Permission:
    """One ``permissions`` entry of a role definition, reduced to data actions."""

    data_actions: Tuple[str, ...] = ()
    not_data_actions: Tuple[str, ...] = ()

    def allows(self, action: str) -> bool:
        """Return whether this entry grants ``action``."""
        granted = any(action_matches(pattern, action) for pattern in self.data_actions)
        if not granted:
            return False
        return not any(
            action_matches(pattern, action) for pattern in self.not_data_actions
        )


@dataclass(frozen=True)
class Assignment:
    """A role assignment as the evaluator needs it."""

    scope: str
    principal_id: str
    role_definition_id: str

    @property
    def role_name(self) -> str:
        """Role definition name (GUID) referenced by ``role_definition_id``."""
        return role_name_from_id(self.role_definition_id)


def normalize_scope(scope: str) -> str:
    """Return ``scope`` with repeated and trailing slashes removed (``/`` stays)."""
    collapsed = re.sub(r"/+", "/", "/" + scope.strip())
    if len(collapsed) > 1:
        collapsed = collapsed.rstrip("/")
    return collapsed or "/"


def scope_covers(assignment_scope: str, target_scope: str) -> bool:
    """Return whether an assignment at ``assignment_scope`` covers ``target_scope``."""
    outer = normalize_scope(assignment_scope).lower()
    inner = normalize_scope(target_scope).lower()
    if outer == "/":
        return True
    return inner == outer or inner.startswith(outer + "/")


def action_matches(pattern: str, action: str) -> bool:
    """Return whether a ``dataActions`` pattern matches ``action``."""
    pattern = pattern.lower()
    action = action.lower()
    if pattern.endswith("*"):
        return action.startswith(pattern[:-1])
    return pattern == action


def role_name_from_id(role_definition_id: str) -> str:
    """Return the GUID at the end of a role definition id (or the id itself)."""
    return role_definition_id.rstrip("/").rsplit("/", 1)[-1].lower()


def permissions_from_wire(role_definition: Mapping[str, Any]) -> Tuple[Permission, ...]:
    """Extract the data-action permissions of a role definition in wire form."""
    entries = role_definition.get("properties", {}).get("permissions", [])
    return tuple(
        Permission(
            data_actions=tuple(entry.get("dataActions", [])),
            not_data_actions=tuple(entry.get("notDataActions", [])),
        )
        for entry in entries
    )


def is_allowed(
    principal_id: str,
    action: str,
    target_scope: str,
    assignments: Iterable[Assignment],
    permissions_by_role: Mapping[str, Sequence[Permission]],
) -> bool:
    """Return whether ``principal_id`` may perform ``action`` on ``target_scope``.

    :param assignments: All role assignments; those of other principals are skipped.
    :param permissions_by_role: Permissions keyed by lower-case role definition
        name. Assignments whose role is missing from it grant nothing.
    """
    principal = principal_id.lower()
    for assignment in assignments:
        if assignment.principal_id.lower() != principal:
            continue
        if not scope_covers(assignment.scope, target_scope):
            continue
        permissions = permissions_by_role.get(assignment.role_name, ())
        if any(permission.allows(action) for permission in permissions):
            return True
    return False


def load_builtin_roles() -> List[Dict[str, Any]]:
    """Load the built-in role definitions shipped with the emulator."""
    package = __name__.rsplit(".", 1)[0]
    text = resources.files(package).joinpath("builtin_roles.json").read_text("utf-8")
    roles: List[Dict[str, Any]] = json.loads(text)["value"]
    return roles
