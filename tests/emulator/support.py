"""Helpers shared by the emulator tests: constants, clients and job polling."""

from __future__ import annotations

import time
import uuid
from typing import Any, Dict, Optional

import httpx

from azure_keyvault_administration_clone.emulator import EmulatorHandle

#: A SAS query string the emulator accepts (it checks only that sv and sig exist).
GOOD_SAS = (
    "sv=2023-01-03&ss=b&srt=co&sp=rwdlac&se=2099-01-01T00:00:00Z&sig=c2lnbmF0dXJl"
)
CONTAINER_URI = "https://testaccount.blob.core.windows.net/backups"
JOB_SECONDS = 0.2
API = "api-version=7.6"
RBAC = "/providers/Microsoft.Authorization"
ROLE_ID_PREFIX = "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/"
CRYPTO_USER = "21dbd100-6940-42c2-9190-5d6cb909625b"
CRYPTO_AUDITOR = "2c18b078-7c48-4d3a-af88-5a3a1b3f82b3"
ADMINISTRATOR = "a290e904-7015-4bba-90c8-60543313cdb4"


def make_client(
    handle: EmulatorHandle, principal_id: Optional[str] = None
) -> httpx.Client:
    """Return an HTTPS client that trusts the emulator CA and sends a bearer token."""
    headers = {"Authorization": f"Bearer {handle.token(principal_id)}"}
    return httpx.Client(
        base_url=handle.url, verify=handle.ssl_context(), headers=headers, timeout=10
    )


def wait_for_job(
    http: httpx.Client, status_url: str, timeout: float = 5.0
) -> Dict[str, Any]:
    """Poll a job status URL until the job leaves InProgress; return the last body."""
    deadline = time.monotonic() + timeout
    while True:
        response = http.get(status_url)
        assert response.status_code == 200, response.text
        body: Dict[str, Any] = response.json()
        if body["status"] != "InProgress":
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"job still InProgress after {timeout} s: {body}")
        time.sleep(0.05)


def start_backup(http: httpx.Client, token: str = GOOD_SAS) -> httpx.Response:
    """Send a full backup request to :data:`CONTAINER_URI`."""
    return http.post(
        f"/backup?{API}",
        json={
            "storageResourceUri": CONTAINER_URI,
            "token": token,
            "useManagedIdentity": False,
        },
    )


def run_backup(http: httpx.Client) -> str:
    """Run a full backup to completion and return the backup folder name."""
    response = start_backup(http)
    assert response.status_code == 202, response.text
    body = wait_for_job(http, response.headers["azure-asyncoperation"])
    assert body["status"] == "Succeeded", body
    folder_url: str = body["azureStorageBlobContainerUri"]
    return folder_url.rsplit("/", 1)[-1]


def assign_role(
    http: httpx.Client, principal_id: str, role: str, scope: str = "/", name: str = ""
) -> httpx.Response:
    """Create a role assignment named ``name`` (default: a new GUID)."""
    prefix = "" if scope == "/" else scope
    return http.put(
        f"{prefix}{RBAC}/roleAssignments/{name or uuid.uuid4()}?{API}",
        json={
            "properties": {
                "principalId": principal_id,
                "roleDefinitionId": ROLE_ID_PREFIX + role,
            }
        },
    )
