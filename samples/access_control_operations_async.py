"""Async: create, update, read and delete a custom role and a role assignment.

USAGE:
    python access_control_operations_async.py

Environment:
    MANAGED_HSM_URL: URL of the Managed HSM, https://<hsm-name>.managedhsm.azure.net
    CLIENT_OBJECT_ID: object ID of the principal to assign a role to

The signed-in identity needs the Managed HSM Administrator role (or another
role with role definition and role assignment permissions) at scope "/".
"""

import asyncio
import os
import uuid

from azure.identity.aio import DefaultAzureCredential

from azure_keyvault_administration_clone import (
    KeyVaultDataAction,
    KeyVaultPermission,
    KeyVaultRoleScope,
)
from azure_keyvault_administration_clone.aio import KeyVaultAccessControlClient
from azure_keyvault_administration_clone.transport import AsyncHttpxTransport

GLOBAL = KeyVaultRoleScope.GLOBAL


async def role_definitions(client: KeyVaultAccessControlClient) -> None:
    print("\n.. List role definitions")
    async for definition in client.list_role_definitions(GLOBAL):
        print(f"{definition.role_name} ({definition.role_type}): {definition.name}")

    print("\n.. Create a custom role definition")
    permissions = [KeyVaultPermission(data_actions=[KeyVaultDataAction.READ_HSM_KEY])]
    definition = await client.set_role_definition(
        GLOBAL,
        name=str(uuid.uuid4()),
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
    definition = await client.set_role_definition(
        GLOBAL,
        name=definition.name,
        role_name="Sample key reader",
        description="Reads keys, never creates them",
        permissions=permissions,
    )
    for permission in definition.permissions or []:
        print(
            f"Allowed: {permission.data_actions}; denied: {permission.not_data_actions}"
        )

    print("\n.. Get the custom role definition")
    definition = await client.get_role_definition(GLOBAL, definition.name)
    print(f"'{definition.role_name}': {definition.description}")

    print("\n.. Delete the custom role definition")
    await client.delete_role_definition(GLOBAL, definition.name)
    names = [d.name async for d in client.list_role_definitions(GLOBAL)]
    print(f"Deleted; still listed: {definition.name in names}")


async def role_assignments(
    client: KeyVaultAccessControlClient, principal_id: str
) -> None:
    print("\n.. Assign a built-in role")
    built_in = {d.role_name: d async for d in client.list_role_definitions(GLOBAL)}
    crypto_user = built_in["Managed HSM Crypto User"]
    assignment = await client.create_role_assignment(
        GLOBAL, crypto_user.id, principal_id
    )
    print(f"Assigned '{crypto_user.role_name}' to {principal_id}: {assignment.name}")

    print("\n.. Get the role assignment")
    assignment = await client.get_role_assignment(GLOBAL, assignment.name)
    properties = assignment.properties
    print(f"Scope {properties.scope}, role {properties.role_definition_id}")

    print("\n.. List role assignments")
    async for item in client.list_role_assignments(GLOBAL):
        print(f"{item.name}: {item.properties.principal_id}")

    print("\n.. Delete the role assignment")
    await client.delete_role_assignment(GLOBAL, assignment.name)
    names = [a.name async for a in client.list_role_assignments(GLOBAL)]
    print(f"Deleted; still listed: {assignment.name in names}")


async def main() -> None:
    hsm_url = os.environ["MANAGED_HSM_URL"]
    principal_id = os.environ["CLIENT_OBJECT_ID"]
    async with DefaultAzureCredential(transport=AsyncHttpxTransport()) as credential:
        async with KeyVaultAccessControlClient(hsm_url, credential) as client:
            await role_definitions(client)
            await role_assignments(client, principal_id)


asyncio.run(main())
