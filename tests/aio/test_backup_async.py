"""Async backup client: job requests, polling, failures and resuming."""

import base64
import json
from typing import Any, List

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.polling import AsyncLROPoller

from azure_keyvault_administration_clone import KeyVaultBackupResult
from azure_keyvault_administration_clone.aio import KeyVaultBackupClient

from .helpers import (
    BACKUP_STATUS_URL,
    CONTAINER_URL,
    FOLDER_NAME,
    FOLDER_URL,
    JSON,
    RESTORE_STATUS_URL,
    SAS,
    VAULT_URL,
    AsyncFakeCredential,
    ServiceStub,
    body_of,
    job_response,
    load_recording,
    query_of,
    recorded_response,
    rehost,
)


@pytest.fixture
async def client(async_credential: AsyncFakeCredential) -> Any:
    async with KeyVaultBackupClient(VAULT_URL, async_credential) as client:
        yield client


def started(status_url: str = BACKUP_STATUS_URL, **fields: Any) -> Any:
    return job_response(
        202, "InProgress", status_url=status_url, retry_after="0", **fields
    )


def assert_write(request: Any, method: str, path: str, body: Any) -> None:
    assert request.method == method
    assert request.url.path == path
    assert query_of(request.url) == {"api-version": ["7.6"]}
    assert request.headers["Accept"] == JSON
    assert request.headers["Content-Type"] == JSON
    assert body_of(request) == body


# Requests on the wire


@pytest.mark.asyncio
async def test_backup_request_and_result(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    service.add(
        started(),
        job_response(200, "Succeeded", azureStorageBlobContainerUri=FOLDER_URL),
    )
    poller = await client.begin_backup(CONTAINER_URL, sas_token="?" + SAS)
    assert isinstance(poller, AsyncLROPoller)
    result = await poller.result()
    assert isinstance(result, KeyVaultBackupResult)
    assert result.folder_url == FOLDER_URL
    assert_write(
        service.requests[0],
        "POST",
        "/backup",
        {
            "storageResourceUri": CONTAINER_URL,
            "token": SAS,
            "useManagedIdentity": False,
        },
    )
    poll = service.requests[1]
    assert poll.method == "GET"
    assert str(poll.url) == BACKUP_STATUS_URL
    assert poller.done()
    assert poller.status() == "Succeeded"


@pytest.mark.asyncio
async def test_backup_sas_positional(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    service.add(job_response(202, "Succeeded", status_url=BACKUP_STATUS_URL))
    poller = await client.begin_backup(CONTAINER_URL, SAS)
    await poller.wait()
    assert body_of(service.requests[0])["token"] == SAS


@pytest.mark.asyncio
async def test_backup_managed_identity_request(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    service.add(job_response(202, "Succeeded", status_url=BACKUP_STATUS_URL))
    poller = await client.begin_backup(CONTAINER_URL, use_managed_identity=True)
    await poller.wait()
    assert body_of(service.requests[0]) == {
        "storageResourceUri": CONTAINER_URL,
        "useManagedIdentity": True,
    }


@pytest.mark.asyncio
async def test_restore_request(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    service.add(started(RESTORE_STATUS_URL), job_response(200, "Succeeded"))
    poller = await client.begin_restore(FOLDER_URL, sas_token=SAS)
    assert await poller.result() is None
    assert_write(
        service.requests[0],
        "PUT",
        "/restore",
        {
            "sasTokenParameters": {
                "storageResourceUri": CONTAINER_URL,
                "token": SAS,
                "useManagedIdentity": False,
            },
            "folderToRestore": FOLDER_NAME,
        },
    )
    assert str(service.requests[1].url) == RESTORE_STATUS_URL


@pytest.mark.asyncio
async def test_selective_restore_request(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    service.add(started(RESTORE_STATUS_URL), job_response(200, "Succeeded"))
    poller = await client.begin_restore(
        FOLDER_URL, use_managed_identity=True, key_name="my key"
    )
    assert await poller.result() is None
    request = service.requests[0]
    assert request.url.raw_path.split(b"?")[0] == b"/keys/my%20key/restore"
    assert_write(
        request,
        "PUT",
        "/keys/my key/restore",
        {
            "sasTokenParameters": {
                "storageResourceUri": CONTAINER_URL,
                "useManagedIdentity": True,
            },
            "folder": FOLDER_NAME,
        },
    )


@pytest.mark.asyncio
async def test_pre_backup_request(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    service.add(started(), job_response(200, "Succeeded"))
    poller = await client.begin_pre_backup(CONTAINER_URL, sas_token=SAS)
    assert await poller.result() is None
    assert_write(
        service.requests[0],
        "POST",
        "/prebackup",
        {
            "storageResourceUri": CONTAINER_URL,
            "token": SAS,
            "useManagedIdentity": False,
        },
    )


@pytest.mark.asyncio
async def test_pre_restore_request(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    service.add(started(RESTORE_STATUS_URL), job_response(200, "Succeeded"))
    poller = await client.begin_pre_restore(FOLDER_URL, use_managed_identity=True)
    assert await poller.result() is None
    assert_write(
        service.requests[0],
        "PUT",
        "/prerestore",
        {
            "sasTokenParameters": {
                "storageResourceUri": CONTAINER_URL,
                "useManagedIdentity": True,
            },
            "folderToRestore": FOLDER_NAME,
        },
    )


# Polling


@pytest.mark.asyncio
async def test_retry_after_honoured(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    service.add(
        job_response(202, "InProgress", status_url=BACKUP_STATUS_URL, retry_after="3"),
        job_response(200, "InProgress", retry_after="7"),
        job_response(200, "InProgress"),
        job_response(200, "Succeeded", azureStorageBlobContainerUri=FOLDER_URL),
    )
    poller = await client.begin_backup(CONTAINER_URL, sas_token=SAS, polling_interval=2)
    assert poller.status() == "InProgress"
    assert not poller.done()
    result = await poller.result()
    assert result.folder_url == FOLDER_URL
    assert sleeps == [3.0, 7.0, 2.0]


@pytest.mark.asyncio
async def test_private_polling_interval_keyword(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    service.add(
        job_response(202, "InProgress", status_url=BACKUP_STATUS_URL),
        job_response(200, "Succeeded"),
    )
    poller = await client.begin_pre_backup(
        CONTAINER_URL, sas_token=SAS, _polling_interval=0.25
    )
    await poller.wait()
    assert sleeps == [0.25]


@pytest.mark.asyncio
async def test_default_polling_interval(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    service.add(
        job_response(202, "InProgress", status_url=BACKUP_STATUS_URL),
        job_response(200, "Succeeded"),
    )
    poller = await client.begin_backup(CONTAINER_URL, sas_token=SAS)
    await poller.wait()
    assert sleeps == [5.0]


@pytest.mark.asyncio
async def test_failure_in_error_raises(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    error = {"code": "StorageAccessDenied", "message": "The SAS token has expired"}
    service.add(started(), job_response(200, "Failed", error=error))
    poller = await client.begin_backup(CONTAINER_URL, sas_token=SAS)
    with pytest.raises(HttpResponseError) as raised:
        await poller.result()
    assert raised.value.error_code == "StorageAccessDenied"
    assert "The SAS token has expired" in str(raised.value)
    assert not poller.done()
    with pytest.raises(HttpResponseError):
        await poller.wait()
    assert len(service.requests) == 2


@pytest.mark.asyncio
async def test_failure_in_status_details_raises(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    service.add(
        started(RESTORE_STATUS_URL),
        job_response(200, "Failed", error=None, statusDetails="Folder does not exist"),
    )
    poller = await client.begin_restore(FOLDER_URL, sas_token=SAS)
    with pytest.raises(HttpResponseError) as raised:
        await poller.wait()
    assert "Folder does not exist" in str(raised.value)
    assert raised.value.error_code == "Folder does not exist"


@pytest.mark.asyncio
async def test_canceled_job_raises(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    service.add(started(), job_response(200, "Canceled"))
    poller = await client.begin_backup(CONTAINER_URL, sas_token=SAS)
    with pytest.raises(HttpResponseError, match="Canceled"):
        await poller.result()


@pytest.mark.asyncio
async def test_failure_in_initial_response(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    error = {"code": "InvalidStorage", "message": "No such container"}
    service.add(job_response(202, "Failed", status_url=BACKUP_STATUS_URL, error=error))
    poller = await client.begin_pre_backup(CONTAINER_URL, sas_token=SAS)
    assert poller.status() == "Failed"
    with pytest.raises(HttpResponseError) as raised:
        await poller.result()
    assert raised.value.error_code == "InvalidStorage"
    assert "No such container" in str(raised.value)
    with pytest.raises(HttpResponseError):
        await poller.wait()
    assert sleeps == []
    assert len(service.requests) == 1
    assert json.loads(raised.value.continuation_token)["statusUrl"] == (
        BACKUP_STATUS_URL
    )


@pytest.mark.asyncio
async def test_poll_error_status_raises(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    error = {"error": {"code": "JobNotFound", "message": "unknown job"}}
    service.add(started(), job_response(404, "Failed", **error))
    poller = await client.begin_backup(CONTAINER_URL, sas_token=SAS)
    with pytest.raises(HttpResponseError) as raised:
        await poller.result()
    assert raised.value.status_code == 404


@pytest.mark.asyncio
async def test_missing_status_header_raises(client: Any, service: ServiceStub) -> None:
    service.add(job_response(202, "InProgress"))
    with pytest.raises(HttpResponseError, match="Azure-AsyncOperation"):
        await client.begin_backup(CONTAINER_URL, sas_token=SAS)


@pytest.mark.asyncio
async def test_polling_false_returns_initial(client: Any, service: ServiceStub) -> None:
    service.add(
        job_response(
            202,
            "InProgress",
            status_url=BACKUP_STATUS_URL,
            azureStorageBlobContainerUri=None,
        )
    )
    poller = await client.begin_backup(CONTAINER_URL, sas_token=SAS, polling=False)
    result = await poller.result()
    assert result.folder_url is None
    assert len(service.requests) == 1


# Continuation tokens


@pytest.mark.asyncio
async def test_resume_in_fresh_client(
    service: ServiceStub, sleeps: List[float]
) -> None:
    service.add(started())
    async with KeyVaultBackupClient(VAULT_URL, AsyncFakeCredential()) as first:
        poller = await first.begin_backup(CONTAINER_URL, sas_token=SAS)
        token = poller.continuation_token()
    assert json.loads(token)["statusUrl"] == BACKUP_STATUS_URL
    assert json.loads(token)["operation"] == "backup"

    service.add(
        job_response(200, "InProgress", retry_after="1"),
        job_response(200, "Succeeded", azureStorageBlobContainerUri=FOLDER_URL),
    )
    credential = AsyncFakeCredential()
    async with KeyVaultBackupClient(VAULT_URL, credential) as second:
        resumed = await second.begin_backup(CONTAINER_URL, continuation_token=token)
        assert resumed.status() == "InProgress"
        result = await resumed.result()
    assert result.folder_url == FOLDER_URL
    assert service.methods_and_paths() == [
        ("POST", "/backup"),
        ("GET", "/backup/job-1/pending"),
        ("GET", "/backup/job-1/pending"),
    ]
    assert sleeps == [1.0]
    assert resumed.continuation_token() == token


@pytest.mark.asyncio
async def test_resume_finished_job_sends_one_get(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    token = json.dumps({"operation": "restore", "statusUrl": RESTORE_STATUS_URL})
    service.add(job_response(200, "Succeeded"))
    poller = await client.begin_restore(FOLDER_URL, continuation_token=token)
    assert await poller.result() is None
    assert service.methods_and_paths() == [("GET", "/restore/job-1/pending")]
    assert sleeps == []


@pytest.mark.asyncio
async def test_resume_from_base64_status_url(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    token = base64.b64encode(BACKUP_STATUS_URL.encode()).decode()
    service.add(job_response(200, "Succeeded", azureStorageBlobContainerUri=FOLDER_URL))
    poller = await client.begin_backup(CONTAINER_URL, continuation_token=token)
    result = await poller.result()
    assert result.folder_url == FOLDER_URL
    assert service.methods_and_paths() == [("GET", "/backup/job-1/pending")]


@pytest.mark.asyncio
async def test_resume_rejects_wrong_operation(
    client: Any, service: ServiceStub
) -> None:
    token = json.dumps({"operation": "backup", "statusUrl": BACKUP_STATUS_URL})
    with pytest.raises(ValueError, match="not for a restore job"):
        await client.begin_restore(FOLDER_URL, continuation_token=token)
    assert service.requests == []


@pytest.mark.asyncio
async def test_resume_rejects_other_host(client: Any, service: ServiceStub) -> None:
    token = json.dumps(
        {"operation": "backup", "statusUrl": "https://evil.example/backup/j/pending"}
    )
    with pytest.raises(ValueError, match="not for this client's vault"):
        await client.begin_backup(CONTAINER_URL, continuation_token=token)
    assert service.requests == []


# Recorded responses of the live service


@pytest.mark.asyncio
async def test_recorded_backup_job_parsed(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    entries = load_recording("test_full_backup_and_restore_2025")
    service.add(
        rehost(recorded_response(entries[3])),
        *[recorded_response(entry) for entry in entries[4:16]],
    )
    poller = await client.begin_backup(CONTAINER_URL, use_managed_identity=True)
    result = await poller.result()
    assert (
        result.folder_url == entries[15]["ResponseBody"]["azureStorageBlobContainerUri"]
    )
    job_id = entries[3]["ResponseBody"]["jobId"]
    assert service.requests[1].url.path == f"/backup/{job_id}/pending"
    assert sleeps[0] == float(entries[3]["ResponseHeaders"]["Retry-After"])
    assert len(service.requests) == 13


@pytest.mark.asyncio
async def test_recorded_pre_restore_parsed(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    entries = load_recording("test_full_backup_and_restore_2025")
    service.add(rehost(recorded_response(entries[16])), recorded_response(entries[17]))
    poller = await client.begin_pre_restore(FOLDER_URL, use_managed_identity=True)
    assert await poller.result() is None
    assert poller.status() == entries[17]["ResponseBody"]["status"]
