"""Polling of backup and restore jobs: delays, failures, continuation tokens
and backup folder URL parsing."""

import base64
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, List, Optional

import httpx
import pytest
from azure.core.exceptions import HttpResponseError

from azure_keyvault_administration_clone import KeyVaultBackupClient
from azure_keyvault_administration_clone._internal.folder_url import parse_folder_url

from .helpers import VAULT_URL, FakeCredential, ServiceStub, body_of, json_response

CONTAINER_URL = "https://account.blob.core.windows.net/backup"
FOLDER_NAME = "mhsm-myhsm-2025060500291014"
FOLDER_URL = f"{CONTAINER_URL}/{FOLDER_NAME}"
SAS = "sv=2024-08-04&se=2030-01-01&sig=c2ln"
JOB_ID = "0123456789abcdef0123456789abcdef"
BACKUP_STATUS_URL = f"{VAULT_URL}/backup/{JOB_ID}/pending"
RESTORE_STATUS_URL = f"{VAULT_URL}/restore/{JOB_ID}/pending"
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def client(credential: Any) -> KeyVaultBackupClient:
    return KeyVaultBackupClient(VAULT_URL, credential)


def job_body(status: str, **fields: Any) -> Dict[str, Any]:
    body: Dict[str, Any] = {
        "status": status,
        "statusDetails": None,
        "error": None,
        "jobId": JOB_ID,
    }
    body.update(fields)
    return body


def started(
    status: str = "InProgress",
    status_url: Optional[str] = BACKUP_STATUS_URL,
    retry_after: Optional[str] = None,
    **fields: Any,
) -> httpx.Response:
    headers = {}
    if status_url is not None:
        headers["Azure-AsyncOperation"] = status_url
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return json_response(202, job_body(status, **fields), headers=headers)


def polled(
    status: str, retry_after: Optional[str] = None, **fields: Any
) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return json_response(200, job_body(status, **fields), headers=headers)


# Delays


def test_retry_after_is_honoured(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    service.add(
        started(retry_after="7"),
        polled("InProgress", retry_after="3"),
        polled("Succeeded", azureStorageBlobContainerUri=FOLDER_URL),
    )

    client.begin_backup(CONTAINER_URL, sas_token=SAS, polling_interval=0).result()

    assert sleeps == [7.0, 3.0]


def test_polling_interval_without_retry_after(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    service.add(started(), polled("InProgress"), polled("Succeeded"))

    client.begin_backup(CONTAINER_URL, sas_token=SAS, polling_interval=2.5).result()

    assert sleeps == [2.5, 2.5]


def test_private_polling_interval_keyword(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    # The original package spells the keyword "_polling_interval".
    service.add(started(), polled("Succeeded"))

    client.begin_backup(CONTAINER_URL, sas_token=SAS, _polling_interval=1.5).result()

    assert sleeps == [1.5]


def test_default_polling_interval_is_5(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    service.add(started(), polled("Succeeded"))

    client.begin_backup(CONTAINER_URL, sas_token=SAS).result()

    assert sleeps == [5.0]


def test_http_date_retry_after_ignored(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    service.add(
        started(retry_after="Wed, 21 Oct 2015 07:28:00 GMT"), polled("Succeeded")
    )

    client.begin_backup(CONTAINER_URL, sas_token=SAS, polling_interval=0.5).result()

    assert sleeps == [0.5]


# Failures


def test_failure_in_error_raises(client: Any, service: ServiceStub) -> None:
    error = {
        "code": "ResourceNotFound",
        "message": "The container does not exist",
        "innererror": None,
    }
    service.add(started(), polled("Failed", error=error))
    poller = client.begin_backup(CONTAINER_URL, sas_token=SAS, polling_interval=0)

    with pytest.raises(HttpResponseError) as caught:
        poller.result()

    assert "ResourceNotFound" in str(caught.value)
    assert "The container does not exist" in str(caught.value)
    assert caught.value.error_code == "ResourceNotFound"


@pytest.mark.parametrize(
    "error", [None, {"code": None, "message": None, "innererror": None}]
)
def test_failure_in_status_details_raises(
    client: Any, service: ServiceStub, error: Any
) -> None:
    service.add(
        started("InProgress", RESTORE_STATUS_URL),
        polled("Failed", error=error, statusDetails="Invalid backup provided"),
    )
    poller = client.begin_restore(FOLDER_URL, sas_token=SAS, polling_interval=0)

    with pytest.raises(HttpResponseError) as caught:
        poller.result()

    assert "Invalid backup provided" in str(caught.value)
    assert "Failed" in str(caught.value)


def test_failed_initial_response_result_raises(
    client: Any, service: ServiceStub
) -> None:
    service.add(started("Failed", statusDetails="ResourceNotFound", endTime=1700000000))
    poller = client.begin_backup(CONTAINER_URL, sas_token=SAS, polling_interval=0)

    with pytest.raises(HttpResponseError) as caught:
        poller.result()

    assert "ResourceNotFound" in str(caught.value)
    assert len(service.requests) == 1


def test_failed_initial_response_wait_raises(client: Any, service: ServiceStub) -> None:
    service.add(started("Failed", statusDetails="ResourceNotFound"))
    poller = client.begin_backup(CONTAINER_URL, sas_token=SAS, polling_interval=0)

    with pytest.raises(HttpResponseError):
        poller.wait()


def test_failed_initial_pre_backup_raises(client: Any, service: ServiceStub) -> None:
    service.add(
        started(
            "Failed",
            error={"code": "PreBackupFailed", "message": "No access to storage"},
        )
    )
    poller = client.begin_pre_backup(
        CONTAINER_URL, use_managed_identity=True, polling_interval=0
    )

    with pytest.raises(HttpResponseError) as caught:
        poller.result()

    assert "No access to storage" in str(caught.value)


def test_canceled_job_raises(client: Any, service: ServiceStub) -> None:
    service.add(started("InProgress", RESTORE_STATUS_URL), polled("Canceled"))
    poller = client.begin_restore(FOLDER_URL, sas_token=SAS, polling_interval=0)

    with pytest.raises(HttpResponseError) as caught:
        poller.result()

    assert "Canceled" in str(caught.value)


def test_missing_status_header_raises(client: Any, service: ServiceStub) -> None:
    service.add(started(status_url=None))

    with pytest.raises(HttpResponseError) as caught:
        client.begin_backup(CONTAINER_URL, sas_token=SAS, polling_interval=0)

    assert "Azure-AsyncOperation" in str(caught.value)


def test_lower_case_status_header_accepted(client: Any, service: ServiceStub) -> None:
    # The service sends the header name lower-cased.
    body = job_body("InProgress")
    service.add(
        json_response(202, body, headers={"azure-asyncoperation": BACKUP_STATUS_URL}),
        polled("Succeeded", azureStorageBlobContainerUri=FOLDER_URL),
    )

    result = client.begin_backup(
        CONTAINER_URL, sas_token=SAS, polling_interval=0
    ).result()

    assert result.folder_url == FOLDER_URL


def test_poll_error_status_raises(client: Any, service: ServiceStub) -> None:
    service.add(
        started(),
        json_response(
            404, {"error": {"code": "JobNotFound", "message": "no such job"}}
        ),
    )
    poller = client.begin_backup(CONTAINER_URL, sas_token=SAS, polling_interval=0)

    with pytest.raises(HttpResponseError) as caught:
        poller.result()

    assert "JobNotFound" in str(caught.value)


# Continuation tokens


def finished_backup_token(client: Any, service: ServiceStub) -> str:
    service.add(started(), polled("Succeeded", azureStorageBlobContainerUri=FOLDER_URL))
    poller = client.begin_backup(CONTAINER_URL, sas_token=SAS, polling_interval=0)
    poller.result()
    return poller.continuation_token()


def test_continuation_token_is_json(client: Any, service: ServiceStub) -> None:
    token = finished_backup_token(client, service)

    data = json.loads(token)

    assert isinstance(data, dict)
    assert data["statusUrl"] == BACKUP_STATUS_URL
    assert data["operation"] == "backup"
    assert "pickle" not in token


def test_resume_sends_one_status_get(client: Any, service: ServiceStub) -> None:
    token = finished_backup_token(client, service)
    sent_before = len(service.requests)
    service.add(polled("Succeeded", azureStorageBlobContainerUri=FOLDER_URL))
    fresh = KeyVaultBackupClient(VAULT_URL, FakeCredential())

    result = fresh.begin_backup(
        CONTAINER_URL, sas_token=SAS, continuation_token=token
    ).result()
    resumed = service.requests[sent_before:]

    assert result.folder_url == FOLDER_URL
    assert [(request.method, str(request.url)) for request in resumed] == [
        ("GET", BACKUP_STATUS_URL)
    ]


def test_resume_polls_until_done(
    client: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    token = finished_backup_token(client, service)
    service.add(
        polled("InProgress", retry_after="4"),
        polled("Succeeded", azureStorageBlobContainerUri=FOLDER_URL),
    )
    fresh = KeyVaultBackupClient(VAULT_URL, FakeCredential())

    result = fresh.begin_backup(
        CONTAINER_URL, sas_token=SAS, continuation_token=token, polling_interval=0
    ).result()

    assert result.folder_url == FOLDER_URL
    assert sleeps[-1] == 4.0
    assert all(request.method == "GET" for request in service.requests[2:])


def test_resume_restore_sends_no_put(client: Any, service: ServiceStub) -> None:
    service.add(started("InProgress", RESTORE_STATUS_URL), polled("Succeeded"))
    poller = client.begin_restore(FOLDER_URL, sas_token=SAS, polling_interval=0)
    poller.result()
    token = poller.continuation_token()
    service.add(polled("Succeeded"))
    fresh = KeyVaultBackupClient(VAULT_URL, FakeCredential())

    assert (
        fresh.begin_restore(
            FOLDER_URL, sas_token=SAS, continuation_token=token
        ).result()
        is None
    )
    assert [request.method for request in service.requests] == ["PUT", "GET", "GET"]
    assert str(service.requests[-1].url) == RESTORE_STATUS_URL


def test_resume_from_original_token(credential: Any, service: ServiceStub) -> None:
    # The original package's token is the base64-encoded status URL.
    token = base64.b64encode(BACKUP_STATUS_URL.encode()).decode()
    service.add(polled("Succeeded", azureStorageBlobContainerUri=FOLDER_URL))
    client = KeyVaultBackupClient(VAULT_URL, credential)

    result = client.begin_backup(
        CONTAINER_URL, sas_token=SAS, continuation_token=token
    ).result()

    assert result.folder_url == FOLDER_URL
    assert [(request.method, str(request.url)) for request in service.requests] == [
        ("GET", BACKUP_STATUS_URL)
    ]


def test_token_for_other_host_rejected(credential: Any, service: ServiceStub) -> None:
    token = json.dumps(
        {
            "version": 1,
            "operation": "backup",
            "statusUrl": f"https://attacker.example/backup/{JOB_ID}/pending",
        }
    )
    client = KeyVaultBackupClient(VAULT_URL, credential)

    with pytest.raises(ValueError) as caught:
        client.begin_backup(CONTAINER_URL, sas_token=SAS, continuation_token=token)

    assert "attacker.example" in str(caught.value)
    assert service.requests == []
    assert credential.requests == []


@pytest.mark.parametrize(
    "token", ["not a token", "{not json", "{}", '{"statusUrl": 5}', "   "]
)
def test_malformed_token_rejected(
    client: Any, service: ServiceStub, token: str
) -> None:
    with pytest.raises(ValueError) as caught:
        client.begin_backup(CONTAINER_URL, sas_token=SAS, continuation_token=token)

    assert "continuation" in str(caught.value).lower()
    assert service.requests == []


def test_restore_token_rejected_for_backup(client: Any, service: ServiceStub) -> None:
    token = json.dumps(
        {"version": 1, "operation": "restore", "statusUrl": RESTORE_STATUS_URL}
    )

    with pytest.raises(ValueError) as caught:
        client.begin_backup(CONTAINER_URL, sas_token=SAS, continuation_token=token)

    assert "backup" in str(caught.value)
    assert service.requests == []


RESUME_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import httpx, respx
    from azure.core.credentials import AccessToken
    from azure_keyvault_administration_clone import KeyVaultBackupClient

    token, status_url, folder_url = sys.argv[1:4]
    challenge = (
        'Bearer authorization="https://login.microsoftonline.com/'
        '00000000-0000-0000-0000-000000000000", resource="https://managedhsm.azure.net"'
    )
    methods = []

    def respond(request):
        if "Authorization" not in request.headers:
            return httpx.Response(401, headers={"WWW-Authenticate": challenge})
        methods.append((request.method, str(request.url)))
        if request.method == "GET" and str(request.url) == status_url:
            body = {"status": "Succeeded", "azureStorageBlobContainerUri": folder_url}
            return httpx.Response(200, json=body)
        return httpx.Response(400)

    class Credential:
        def get_token(self, *scopes, **kwargs):
            return AccessToken("process-token", 4102444800)

    with respx.mock(assert_all_mocked=True) as router:
        router.route(host="myhsm.managedhsm.azure.net").mock(side_effect=respond)
        client = KeyVaultBackupClient(
            "https://myhsm.managedhsm.azure.net", Credential()
        )
        poller = client.begin_backup(
            "https://account.blob.core.windows.net/backup",
            sas_token="sv=1",
            continuation_token=token,
            polling_interval=0,
        )
        result = poller.result()
    print(json.dumps({"folder_url": result.folder_url, "requests": methods}))
    """
)


def test_resume_in_separate_process(client: Any, service: ServiceStub) -> None:
    token = finished_backup_token(client, service)

    completed = subprocess.run(
        [sys.executable, "-c", RESUME_SCRIPT, token, BACKUP_STATUS_URL, FOLDER_URL],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
    )
    assert completed.returncode == 0, completed.stderr
    output = json.loads(completed.stdout.strip().splitlines()[-1])

    assert output["folder_url"] == FOLDER_URL
    assert output["requests"] == [["GET", BACKUP_STATUS_URL]]


# Backup folder URLs


@pytest.mark.parametrize(
    ("folder_url", "container_url", "folder_name"),
    [
        (FOLDER_URL, CONTAINER_URL, FOLDER_NAME),
        (f"{FOLDER_URL}/", CONTAINER_URL, FOLDER_NAME),
        (f"{FOLDER_URL}?{SAS}", CONTAINER_URL, FOLDER_NAME),
        (f"{FOLDER_URL}/?{SAS}", CONTAINER_URL, FOLDER_NAME),
        (f"{CONTAINER_URL}/outer/inner", CONTAINER_URL, "outer/inner"),
        (
            "https://127.0.0.1:10000/devstoreaccount1/backup/folder",
            "https://127.0.0.1:10000/devstoreaccount1",
            "backup/folder",
        ),
    ],
)
def test_folder_url_split(
    folder_url: str, container_url: str, folder_name: str
) -> None:
    location = parse_folder_url(folder_url)

    assert location.container_url == container_url
    assert location.folder_name == folder_name


@pytest.mark.parametrize(
    "folder_url",
    [
        CONTAINER_URL,
        f"{CONTAINER_URL}/",
        "https://account.blob.core.windows.net",
        "not a url",
        "ftp://account.blob.core.windows.net/backup/folder",
        "https://account.blob.core.windows.net:abc/backup/folder",
    ],
)
def test_unusable_folder_url_rejected(
    client: Any, service: ServiceStub, folder_url: str
) -> None:
    with pytest.raises(ValueError) as caught:
        client.begin_restore(folder_url, sas_token=SAS)

    assert folder_url in str(caught.value)
    assert service.probes == []


def test_folder_url_error_hides_sas(client: Any) -> None:
    with pytest.raises(ValueError) as caught:
        client.begin_restore(f"{CONTAINER_URL}?{SAS}", sas_token=SAS)

    assert CONTAINER_URL in str(caught.value)
    assert "sig=" not in str(caught.value)


def test_restore_body_uses_split_folder(client: Any, service: ServiceStub) -> None:
    service.add(started("InProgress", RESTORE_STATUS_URL), polled("Succeeded"))

    client.begin_pre_restore(
        f"{CONTAINER_URL}/outer/inner/?{SAS}", sas_token=SAS, polling_interval=0
    ).result()

    assert body_of(service.requests[0])["folderToRestore"] == "outer/inner"
    assert (
        body_of(service.requests[0])["sasTokenParameters"]["storageResourceUri"]
        == CONTAINER_URL
    )
