"""Create, update, read and delete a custom role and a role assignment.

USAGE:
    python access_control_operations.py

Environment:
    MANAGED_HSM_URL: URL of the Managed HSM, https://<hsm-name>.managedhsm.azure.net
    CLIENT_OBJECT_ID: object ID of the principal to assign a role to

The signed-in identity needs the Managed HSM Administrator role (or another
role with role definition and role assignment permissions) at scope "/".
"""

import os
import uuid

from azure.identity import DefaultAzureCredential

from azure_keyvault_administration_clone import (
    KeyVaultAccessControlClient,
    KeyVaultDataAction,
    KeyVaultPermission,
    KeyVaultRoleScope,
)

hsm_url = os.environ["MANAGED_HSM_URL"]
principal_id = os.environ["CLIENT_OBJECT_ID"]

credential = DefaultAzureCredential()
client = KeyVaultAccessControlClient(vault_url=hsm_url, credential=credential)

print("\n.. List role definitions")
definitions = list(client.list_role_definitions(KeyVaultRoleScope.GLOBAL))
for definition in definitions:
    print(f"{definition.role_name} ({definition.role_type}): {definition.name}")

print("\n.. Create a custom role definition")
definition_name = str(uuid.uuid4())
permissions = [KeyVaultPermission(data_actions=[KeyVaultDataAction.READ_HSM_KEY])]
definition = client.set_role_definition(
    KeyVaultRoleScope.GLOBAL,
    name=definition_name,
    role_name="Sample key reader",
    description="Reads keys",
    permissions=permissions,
)
print(f"Created '{definition.role_name}' with ID {definition.id}")

print("\n.. Update the custom role definition")
permissions = [
    KeyVaultPermission(
        data_actions=[KeyVaultDataAction.READ_HSM_KEY],
        not_data_actions=[KeyVaultDataAction.CREATE_HSM_KEY],
    )
]
definition = client.set_role_definition(
    KeyVaultRoleScope.GLOBAL,
    name=definition.name,
    role_name="Sample key reader",
    description="Reads keys, never creates them",
    permissions=permissions,
)
for permission in definition.permissions or []:
    print(f"Allowed: {permission.data_actions}; denied: {permission.not_data_actions}")

print("\n.. List role definitions again")
names = [d.name for d in client.list_role_definitions(KeyVaultRoleScope.GLOBAL)]
print(f"{len(names)} role definitions; custom one listed: {definition.name in names}")

print("\n.. Get the custom role definition")
definition = client.get_role_definition(KeyVaultRoleScope.GLOBAL, definition.name)
print(f"'{definition.role_name}': {definition.description}")

print("\n.. Delete the custom role definition")
client.delete_role_definition(KeyVaultRoleScope.GLOBAL, definition.name)
names = [d.name for d in client.list_role_definitions(KeyVaultRoleScope.GLOBAL)]
print(f"Deleted; still listed: {definition.name in names}")

print("\n.. Assign a built-in role")
built_in = {
    d.role_name: d for d in client.list_role_definitions(KeyVaultRoleScope.GLOBAL)
}
crypto_user = built_in["Managed HSM Crypto User"]
assignment = client.create_role_assignment(
    KeyVaultRoleScope.GLOBAL, crypto_user.id, principal_id
)
print(f"Assigned '{crypto_user.role_name}' to {principal_id}: {assignment.name}")

print("\n.. Get the role assignment")
assignment = client.get_role_assignment(KeyVaultRoleScope.GLOBAL, assignment.name)
properties = assignment.properties
print(f"Scope {properties.scope}, role {properties.role_definition_id}")

print("\n.. List role assignments")
for item in client.list_role_assignments(KeyVaultRoleScope.GLOBAL):
    print(f"{item.name}: {item.properties.principal_id}")

print("\n.. Delete the role assignment")
client.delete_role_assignment(KeyVaultRoleScope.GLOBAL, assignment.name)
names = [a.name for a in client.list_role_assignments(KeyVaultRoleScope.GLOBAL)]
print(f"Deleted; still listed: {assignment.name in names}")

client.close()
credential.close()
