"""Unit tests of role evaluation: scopes, data actions, notDataActions, unions."""

from __future__ import annotations

from typing import Any, Dict, Sequence

import pytest

from azure_keyvault_administration_clone.emulator.rbac import (
    ADMINISTRATOR_ROLE,
    CRYPTO_USER_ROLE,
    ROLE_DEFINITION_ID_PREFIX,
    Assignment,
    DataAction,
    Permission,
    action_matches,
    is_allowed,
    load_builtin_roles,
    normalize_scope,
    permissions_from_wire,
    scope_covers,
)

READ = DataAction.KEYS_READ
CREATE = DataAction.KEYS_CREATE
ALICE = "alice"


def builtin_permissions() -> Dict[str, Sequence[Permission]]:
    return {role["name"]: permissions_from_wire(role) for role in load_builtin_roles()}


def assignment(scope: str, role: str, principal: str = ALICE) -> Assignment:
    return Assignment(scope, principal, ROLE_DEFINITION_ID_PREFIX + role)


@pytest.mark.parametrize(
    ("outer", "inner", "expected"),
    [
        ("/", "/", True),
        ("/", "/keys", True),
        ("/", "/keys/k1", True),
        ("/keys", "/keys", True),
        ("/keys", "/keys/k1", True),
        ("/keys", "/", False),
        ("/keys/k1", "/keys/k1", True),
        ("/keys/k1", "/keys", False),
        ("/keys/k1", "/keys/k2", False),
        ("/keys/k1", "/keys/k10", False),
        ("/KEYS/K1", "/keys/k1", True),
        ("//keys/", "/keys/k1", True),
    ],
)
def test_scope_covers(outer: str, inner: str, expected: bool) -> None:
    assert scope_covers(outer, inner) is expected


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [("", "/"), ("/", "/"), ("///", "/"), ("//keys", "/keys"), ("/keys/", "/keys")],
)
def test_normalize_scope(raw: str, normalized: str) -> None:
    assert normalize_scope(raw) == normalized


def test_action_matches_exact_and_wildcard() -> None:
    assert action_matches(READ, READ)
    assert action_matches(READ.upper(), READ)
    assert action_matches("Microsoft.KeyVault/managedHsm/keys/*", CREATE)
    assert action_matches("*", CREATE)
    assert not action_matches(
        "Microsoft.KeyVault/managedHsm/keys/*", DataAction.BACKUP_START
    )
    assert not action_matches(READ, CREATE)


def test_root_assignment_covers_key_scopes() -> None:
    permissions = builtin_permissions()
    grants = [assignment("/", CRYPTO_USER_ROLE)]
    for target in ("/", "/keys", "/keys/k1"):
        assert is_allowed(ALICE, READ, target, grants, permissions), target


def test_keys_assignment_excludes_root() -> None:
    permissions = builtin_permissions()
    grants = [assignment("/keys", CRYPTO_USER_ROLE)]
    assert is_allowed(ALICE, READ, "/keys/k1", grants, permissions)
    assert is_allowed(ALICE, READ, "/keys", grants, permissions)
    assert not is_allowed(ALICE, READ, "/", grants, permissions)


def test_single_key_assignment_covers_only_that_key() -> None:
    permissions = builtin_permissions()
    grants = [assignment("/keys/k1", CRYPTO_USER_ROLE)]
    assert is_allowed(ALICE, READ, "/keys/k1", grants, permissions)
    assert not is_allowed(ALICE, READ, "/keys/k2", grants, permissions)
    assert not is_allowed(ALICE, READ, "/keys", grants, permissions)


def test_other_principal_gets_nothing() -> None:
    permissions = builtin_permissions()
    grants = [assignment("/", CRYPTO_USER_ROLE, principal="bob")]
    assert not is_allowed(ALICE, READ, "/keys/k1", grants, permissions)


def test_missing_action_denied() -> None:
    permissions = builtin_permissions()
    grants = [assignment("/", ADMINISTRATOR_ROLE)]
    assert is_allowed(ALICE, DataAction.BACKUP_START, "/", grants, permissions)
    assert not is_allowed(ALICE, READ, "/keys/k1", grants, permissions)


def test_not_data_actions_subtract() -> None:
    permissions = {
        "custom": (
            Permission(
                data_actions=("Microsoft.KeyVault/managedHsm/keys/*",),
                not_data_actions=(CREATE,),
            ),
        )
    }
    grants = [assignment("/", "custom")]
    assert is_allowed(ALICE, READ, "/keys/k1", grants, permissions)
    assert not is_allowed(ALICE, CREATE, "/keys/k1", grants, permissions)


def test_not_data_actions_apply_per_permission_entry() -> None:
    # A notDataActions entry removes actions only from its own permission entry.
    permissions = {
        "custom": (
            Permission(data_actions=(READ,), not_data_actions=(READ,)),
            Permission(data_actions=(READ,)),
        )
    }
    grants = [assignment("/", "custom")]
    assert is_allowed(ALICE, READ, "/keys/k1", grants, permissions)


def test_custom_role_from_wire_form() -> None:
    name = "0c3e4c1e-8f0b-4a58-a6c2-3b1ad2a4d7f1"
    role: Dict[str, Any] = {
        "name": name,
        "properties": {
            "permissions": [
                {
                    "actions": [],
                    "dataActions": [READ, CREATE],
                    "notActions": [],
                    "notDataActions": [CREATE],
                }
            ]
        },
    }
    permissions = {name: permissions_from_wire(role)}
    grants = [assignment("/keys", name)]
    assert is_allowed(ALICE, READ, "/keys/k1", grants, permissions)
    assert not is_allowed(ALICE, CREATE, "/keys/k1", grants, permissions)


def test_multiple_assignments_union() -> None:
    permissions = {
        "reader": (Permission(data_actions=(READ,)),),
        "creator": (Permission(data_actions=(CREATE,)),),
    }
    grants = [assignment("/keys/k1", "reader"), assignment("/", "creator")]
    assert is_allowed(ALICE, READ, "/keys/k1", grants, permissions)
    assert is_allowed(ALICE, CREATE, "/keys/k1", grants, permissions)
    assert not is_allowed(ALICE, READ, "/keys/k2", grants, permissions)


def test_assignment_to_unknown_role_grants_nothing() -> None:
    grants = [assignment("/", "00000000-0000-0000-0000-00000000dead")]
    assert not is_allowed(ALICE, READ, "/keys/k1", grants, builtin_permissions())


def test_builtin_roles_shipped() -> None:
    roles = load_builtin_roles()
    names = [role["properties"]["roleName"] for role in roles]
    assert len(roles) == 9
    assert "Managed HSM Administrator" in names
    assert all(role["properties"]["type"] == "AKVBuiltInRole" for role in roles)
    assert all(not role["id"].startswith("/") for role in roles)
