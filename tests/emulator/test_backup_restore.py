"""Backup and restore jobs: lifecycle, failures, conflicts and restored state."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, Dict

import httpx

from azure_keyvault_administration_clone.emulator import EmulatorHandle

from .support import (
    API,
    CONTAINER_URI,
    CRYPTO_AUDITOR,
    GOOD_SAS,
    RBAC,
    assign_role,
    run_backup,
    start_backup,
    wait_for_job,
)

FOLDER_PATTERN = re.compile(r"^mhsm-emulator-\d{16}$")


def restore_body(folder: str, field: str = "folderToRestore") -> Dict[str, Any]:
    return {
        "sasTokenParameters": {"storageResourceUri": CONTAINER_URI, "token": GOOD_SAS},
        field: folder,
    }


def test_backup_lifecycle(hsm: EmulatorHandle, client: httpx.Client) -> None:
    client.post(f"/keys/k1/create?{API}", json={"kty": "RSA"})
    response = start_backup(client)
    assert response.status_code == 202
    body = response.json()
    assert list(body) == [
        "status",
        "statusDetails",
        "error",
        "startTime",
        "endTime",
        "jobId",
        "azureStorageBlobContainerUri",
    ]
    assert body["status"] == "InProgress"
    assert body["endTime"] is None
    assert body["azureStorageBlobContainerUri"] is None
    assert re.fullmatch(r"[0-9a-f]{32}", body["jobId"])
    status_url = response.headers["azure-asyncoperation"]
    assert status_url == f"{hsm.url}/backup/{body['jobId']}/pending"
    assert response.headers["retry-after"] == "1"

    first_poll = client.get(status_url)
    assert first_poll.json()["status"] == "InProgress"
    assert list(first_poll.json()) == sorted(first_poll.json())

    final = wait_for_job(client, status_url)
    assert final["status"] == "Succeeded"
    assert final["error"] is None
    assert final["statusDetails"] is None
    assert isinstance(final["endTime"], int)
    assert final["endTime"] >= final["startTime"]
    folder_url = final["azureStorageBlobContainerUri"]
    folder = folder_url.rsplit("/", 1)[-1]
    assert folder_url == f"{CONTAINER_URI}/{folder}"
    assert FOLDER_PATTERN.match(folder)

    directory = hsm.blob_root / "testaccount" / "backups" / folder
    assert directory.is_dir()
    keys = json.loads((directory / "keys.json").read_text())
    assert [record["name"] for record in keys["versions"]] == ["k1"]
    assert (directory / "roleAssignments.json").is_file()
    assert (directory / "settings.json").is_file()


def test_status_poll_needs_no_api_version(client: httpx.Client) -> None:
    response = start_backup(client)
    job_id = response.json()["jobId"]
    assert client.get(f"/backup/{job_id}/pending").status_code == 200
    assert client.get(f"/restore/{job_id}/pending").status_code == 404
    assert client.get("/backup/0000/pending").status_code == 404


def test_backup_with_managed_identity(client: httpx.Client) -> None:
    response = client.post(
        f"/backup?{API}",
        json={"storageResourceUri": CONTAINER_URI, "useManagedIdentity": True},
    )
    assert response.status_code == 202
    final = wait_for_job(client, response.headers["azure-asyncoperation"])
    assert final["status"] == "Succeeded"


def test_backup_without_credentials_rejected(client: httpx.Client) -> None:
    response = client.post(
        f"/backup?{API}",
        json={"storageResourceUri": CONTAINER_URI, "useManagedIdentity": False},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadParameter"


def test_backup_needs_sas_on_old_api(client: httpx.Client) -> None:
    response = client.post(
        "/backup?api-version=7.3",
        json={"storageResourceUri": CONTAINER_URI, "useManagedIdentity": True},
    )
    assert response.status_code == 400


def test_backup_rejects_bad_uri(client: httpx.Client) -> None:
    for uri in ("not a url", "https://account.blob.core.windows.net", 5):
        response = client.post(
            f"/backup?{API}", json={"storageResourceUri": uri, "token": GOOD_SAS}
        )
        assert response.status_code == 400, uri


def test_bad_sas_fails_job_later(client: httpx.Client) -> None:
    response = start_backup(client, token="sv=2023-01-03&se=2099-01-01")
    assert response.status_code == 202
    assert response.json()["status"] == "InProgress"
    final = wait_for_job(client, response.headers["azure-asyncoperation"])
    assert final["status"] == "Failed"
    assert final["error"]["code"] == "BadRequest"
    assert "sig" in final["error"]["message"]
    assert final["statusDetails"] == final["error"]["message"]
    assert final["azureStorageBlobContainerUri"] is None
    assert final["endTime"] is not None


def test_second_job_conflicts(client: httpx.Client) -> None:
    first = start_backup(client)
    assert first.status_code == 202
    second = start_backup(client)
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "Conflict"
    wait_for_job(client, first.headers["azure-asyncoperation"])
    third = start_backup(client)
    assert third.status_code == 202


def test_prebackup_changes_nothing(hsm: EmulatorHandle, client: httpx.Client) -> None:
    response = client.post(
        f"/prebackup?{API}",
        json={"storageResourceUri": CONTAINER_URI, "token": GOOD_SAS},
    )
    assert response.status_code == 202
    assert response.headers["azure-asyncoperation"].startswith(f"{hsm.url}/backup/")
    final = wait_for_job(client, response.headers["azure-asyncoperation"])
    assert final["status"] == "Succeeded"
    assert final["azureStorageBlobContainerUri"] is None
    assert not (hsm.blob_root / "testaccount" / "backups").exists()


def test_selective_restore_recovers_deleted_key(client: httpx.Client) -> None:
    client.post(f"/keys/k1/create?{API}", json={"kty": "RSA"})
    second = client.post(f"/keys/k1/create?{API}", json={"kty": "RSA"}).json()
    folder = run_backup(client)
    assert client.delete(f"/keys/k1?{API}").status_code == 200
    assert client.get(f"/keys/k1?{API}").status_code == 404

    response = client.put(
        f"/keys/k1/restore?{API}", json=restore_body(folder, "folder")
    )
    assert response.status_code == 202
    assert list(response.json()) == sorted(response.json())
    assert "/restore/" in response.headers["azure-asyncoperation"]
    final = wait_for_job(client, response.headers["azure-asyncoperation"])
    assert final["status"] == "Succeeded", final
    assert final["statusDetails"] == (
        "Number of successful key versions restored: 2, "
        "Number of key versions could not overwrite: 0"
    )
    assert "azureStorageBlobContainerUri" not in final
    restored = client.get(f"/keys/k1?{API}")
    assert restored.status_code == 200
    assert restored.json()["key"]["kid"] == second["key"]["kid"]
    assert restored.json()["key"]["n"] == second["key"]["n"]


def test_selective_restore_keeps_live_key(client: httpx.Client) -> None:
    client.post(f"/keys/k1/create?{API}", json={"kty": "EC"})
    folder = run_backup(client)
    response = client.put(
        f"/keys/k1/restore?{API}", json=restore_body(folder, "folder")
    )
    final = wait_for_job(client, response.headers["azure-asyncoperation"])
    assert final["statusDetails"] == (
        "Number of successful key versions restored: 0, "
        "Number of key versions could not overwrite: 1"
    )


def test_selective_restore_unknown_key_fails(client: httpx.Client) -> None:
    folder = run_backup(client)
    response = client.put(
        f"/keys/ghost/restore?{API}", json=restore_body(folder, "folder")
    )
    final = wait_for_job(client, response.headers["azure-asyncoperation"])
    assert final["status"] == "Failed"
    assert final["error"]["code"] == "KeyNotFound"


def test_full_restore_replaces_state(client: httpx.Client) -> None:
    client.post(f"/keys/before/create?{API}", json={"kty": "EC"})
    client.patch(
        f"/settings/AllowKeyManagementOperationsThroughARM?{API}",
        json={"value": "true"},
    )
    folder = run_backup(client)

    client.post(f"/keys/after/create?{API}", json={"kty": "EC"})
    client.delete(f"/keys/before?{API}")
    client.patch(
        f"/settings/AllowKeyManagementOperationsThroughARM?{API}",
        json={"value": "false"},
    )
    extra = str(uuid.uuid4())
    assign_role(client, "late-principal", CRYPTO_AUDITOR, name=extra)
    role = str(uuid.uuid4())
    client.put(f"{RBAC}/roleDefinitions/{role}?{API}", json={"properties": {}})

    response = client.put(f"/restore?{API}", json=restore_body(folder))
    assert response.status_code == 202
    final = wait_for_job(client, response.headers["azure-asyncoperation"])
    assert final["status"] == "Succeeded", final
    assert final["statusDetails"] is None

    names = [
        item["kid"].rsplit("/", 1)[-1]
        for item in client.get(f"/keys?{API}").json()["value"]
    ]
    assert names == ["before"]
    setting = client.get(
        f"/settings/AllowKeyManagementOperationsThroughARM?{API}"
    ).json()
    assert setting["value"] == "true"
    assert client.get(f"{RBAC}/roleAssignments/{extra}?{API}").status_code == 404
    assert client.get(f"{RBAC}/roleDefinitions/{role}?{API}").status_code == 404


def test_restore_missing_folder_fails(client: httpx.Client) -> None:
    run_backup(client)
    response = client.put(
        f"/restore?{API}", json=restore_body("mhsm-emulator-2000010100000000")
    )
    assert response.status_code == 202
    final = wait_for_job(client, response.headers["azure-asyncoperation"])
    assert final["status"] == "Failed"
    assert final["error"]["code"] == "FolderNotFound"
    assert final["statusDetails"]


def test_restore_corrupt_backup_fails(
    hsm: EmulatorHandle, client: httpx.Client
) -> None:
    folder = run_backup(client)
    keys_file = hsm.blob_root / "testaccount" / "backups" / folder / "keys.json"
    keys_file.write_text("{not json")
    response = client.put(f"/restore?{API}", json=restore_body(folder))
    final = wait_for_job(client, response.headers["azure-asyncoperation"])
    assert final["status"] == "Failed"
    assert final["error"]["code"] == "InvalidBackup"


def test_restore_missing_container_fails(client: httpx.Client) -> None:
    body = restore_body("mhsm-emulator-2000010100000000")
    body["sasTokenParameters"]["storageResourceUri"] = (
        "https://testaccount.blob.core.windows.net/nothing"
    )
    response = client.put(f"/prerestore?{API}", json=body)
    assert response.status_code == 202
    final = wait_for_job(client, response.headers["azure-asyncoperation"])
    assert final["status"] == "Failed"
    assert final["error"]["code"] == "ContainerNotFound"


def test_prerestore_existing_folder_succeeds(client: httpx.Client) -> None:
    client.post(f"/keys/k1/create?{API}", json={"kty": "EC"})
    folder = run_backup(client)
    client.delete(f"/keys/k1?{API}")
    response = client.put(f"/prerestore?{API}", json=restore_body(folder))
    final = wait_for_job(client, response.headers["azure-asyncoperation"])
    assert final["status"] == "Succeeded"
    assert client.get(f"/keys/k1?{API}").status_code == 404


def test_restore_rejects_path_traversal(client: httpx.Client) -> None:
    for folder in ("../escape", "a/b", ".."):
        response = client.put(f"/restore?{API}", json=restore_body(folder))
        assert response.status_code == 400, folder


def test_restore_requires_folder(client: httpx.Client) -> None:
    response = client.put(
        f"/restore?{API}",
        json={
            "sasTokenParameters": {
                "storageResourceUri": CONTAINER_URI,
                "token": GOOD_SAS,
            }
        },
    )
    assert response.status_code == 400
    selective = client.put(
        f"/keys/k1/restore?{API}", json=restore_body("mhsm-x", "folderToRestore")
    )
    assert selective.status_code == 400


def test_backup_forbidden_without_role(hsm: EmulatorHandle) -> None:
    from .support import make_client

    with make_client(hsm, "nobody") as http:
        response = start_backup(http)
    assert response.status_code == 403
    assert "backup/start/action" in response.json()["error"]["message"]
