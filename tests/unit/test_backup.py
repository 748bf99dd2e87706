"""KeyVaultBackupClient: requests on the wire, parsing of recorded job
responses, pre-check version gating and API versions."""

from typing import Any, Dict, List

import azure.keyvault.administration as original
import pytest
import respx
from azure.core.exceptions import HttpResponseError, ResourceExistsError

from azure_keyvault_administration_clone import (
    ApiVersion,
    KeyVaultBackupClient,
    KeyVaultBackupResult,
)

from .helpers import (
    JSON,
    RECORDED_VAULT_URL,
    VAULT_URL,
    ServiceStub,
    body_of,
    json_response,
    load_recording,
    query_of,
    recorded_entry,
    recorded_job,
    recorded_response,
)

CONTAINER_URL = "https://account.blob.core.windows.net/backup"
FOLDER_NAME = "mhsm-myhsm-2025060500291014"
FOLDER_URL = f"{CONTAINER_URL}/{FOLDER_NAME}"
SAS = "sv=2024-08-04&se=2030-01-01&sig=c2ln"
JOB_ID = "2700939fddb64d388edb41dbafcde7a2"


@pytest.fixture
def client(credential: Any) -> KeyVaultBackupClient:
    return KeyVaultBackupClient(VAULT_URL, credential)


def started(kind: str = "backup", job_id: str = JOB_ID) -> Any:
    status_url = f"{VAULT_URL}/{kind}/{job_id}/pending"
    body = {
        "status": "InProgress",
        "statusDetails": None,
        "error": None,
        "jobId": job_id,
    }
    return json_response(202, body, headers={"Azure-AsyncOperation": status_url})


def succeeded(folder_url: Any = None, job_id: str = JOB_ID) -> Any:
    body: Dict[str, Any] = {
        "status": "Succeeded",
        "statusDetails": None,
        "error": None,
        "jobId": job_id,
    }
    if folder_url is not None:
        body["azureStorageBlobContainerUri"] = folder_url
    return json_response(200, body)


# Requests on the wire


def test_backup_request_shape(client: Any, service: ServiceStub) -> None:
    service.add(started(), succeeded(FOLDER_URL))

    client.begin_backup(CONTAINER_URL, sas_token=SAS, polling_interval=0).result()
    request = service.requests[0]

    assert request.method == "POST"
    assert request.url.path == "/backup"
    assert query_of(request.url) == {"api-version": ["7.6"]}
    assert request.headers["Content-Type"] == JSON
    assert request.headers["Accept"] == JSON
    assert body_of(request) == {
        "storageResourceUri": CONTAINER_URL,
        "token": SAS,
        "useManagedIdentity": False,
    }


def test_backup_positional_sas_token(client: Any, service: ServiceStub) -> None:
    service.add(started(), succeeded(FOLDER_URL))

    client.begin_backup(CONTAINER_URL, SAS, polling_interval=0).result()

    assert body_of(service.requests[0])["token"] == SAS


def test_backup_managed_identity_omits_token(client: Any, service: ServiceStub) -> None:
    service.add(started(), succeeded(FOLDER_URL))

    client.begin_backup(
        CONTAINER_URL, use_managed_identity=True, polling_interval=0
    ).result()

    assert body_of(service.requests[0]) == {
        "storageResourceUri": CONTAINER_URL,
        "useManagedIdentity": True,
    }


def test_backup_strips_leading_question_mark(client: Any, service: ServiceStub) -> None:
    service.add(started(), succeeded(FOLDER_URL))

    client.begin_backup(CONTAINER_URL, sas_token="?" + SAS, polling_interval=0).result()

    assert body_of(service.requests[0])["token"] == SAS


def test_backup_url_sent_as_given(client: Any, service: ServiceStub) -> None:
    service.add(started(), succeeded(FOLDER_URL))

    client.begin_backup(f"{CONTAINER_URL}/", sas_token=SAS, polling_interval=0).result()

    assert body_of(service.requests[0])["storageResourceUri"] == f"{CONTAINER_URL}/"


def test_backup_poll_request_shape(client: Any, service: ServiceStub) -> None:
    service.add(started(), succeeded(FOLDER_URL))

    client.begin_backup(CONTAINER_URL, sas_token=SAS, polling_interval=0).result()
    poll = service.requests[1]

    assert poll.method == "GET"
    assert str(poll.url) == f"{VAULT_URL}/backup/{JOB_ID}/pending"
    assert poll.content == b""
    assert poll.headers["Authorization"].startswith("Bearer ")


def test_backup_result_has_folder_url(client: Any, service: ServiceStub) -> None:
    service.add(started(), succeeded(FOLDER_URL))

    result = client.begin_backup(
        CONTAINER_URL, sas_token=SAS, polling_interval=0
    ).result()

    assert isinstance(result, KeyVaultBackupResult)
    assert result.folder_url == FOLDER_URL


def test_restore_request_shape(client: Any, service: ServiceStub) -> None:
    service.add(started("restore"), succeeded())

    result = client.begin_restore(
        FOLDER_URL, sas_token=SAS, polling_interval=0
    ).result()
    request = service.requests[0]

    assert result is None
    assert request.method == "PUT"
    assert request.url.path == "/restore"
    assert query_of(request.url) == {"api-version": ["7.6"]}
    assert request.headers["Content-Type"] == JSON
    assert request.headers["Accept"] == JSON
    assert body_of(request) == {
        "sasTokenParameters": {
            "storageResourceUri": CONTAINER_URL,
            "token": SAS,
            "useManagedIdentity": False,
        },
        "folderToRestore": FOLDER_NAME,
    }


def test_restore_strips_sas_from_folder_url(client: Any, service: ServiceStub) -> None:
    service.add(started("restore"), succeeded())

    client.begin_restore(
        f"{FOLDER_URL}/?{SAS}", use_managed_identity=True, polling_interval=0
    ).result()

    assert body_of(service.requests[0]) == {
        "sasTokenParameters": {
            "storageResourceUri": CONTAINER_URL,
            "useManagedIdentity": True,
        },
        "folderToRestore": FOLDER_NAME,
    }


def test_selective_restore_request_shape(client: Any, service: ServiceStub) -> None:
    service.add(started("restore"), succeeded())

    client.begin_restore(
        FOLDER_URL, SAS, key_name="my key", polling_interval=0
    ).result()
    request = service.requests[0]

    assert request.method == "PUT"
    assert request.url.raw_path.decode() == "/keys/my%20key/restore?api-version=7.6"
    assert request.headers["Content-Type"] == JSON
    assert body_of(request) == {
        "sasTokenParameters": {
            "storageResourceUri": CONTAINER_URL,
            "token": SAS,
            "useManagedIdentity": False,
        },
        "folder": FOLDER_NAME,
    }


def test_restore_poll_uses_status_url(client: Any, service: ServiceStub) -> None:
    service.add(started("restore", "job2"), succeeded(job_id="job2"))

    client.begin_restore(FOLDER_URL, sas_token=SAS, polling_interval=0).result()

    assert str(service.requests[1].url) == f"{VAULT_URL}/restore/job2/pending"


def test_pre_backup_request_shape(client: Any, service: ServiceStub) -> None:
    service.add(started(), succeeded())

    result = client.begin_pre_backup(
        CONTAINER_URL, sas_token=SAS, polling_interval=0
    ).result()
    request = service.requests[0]

    assert result is None
    assert request.method == "POST"
    assert request.url.path == "/prebackup"
    assert query_of(request.url) == {"api-version": ["7.6"]}
    assert request.headers["Content-Type"] == JSON
    assert body_of(request) == {
        "storageResourceUri": CONTAINER_URL,
        "token": SAS,
        "useManagedIdentity": False,
    }


def test_pre_restore_request_shape(client: Any, service: ServiceStub) -> None:
    service.add(started("restore"), succeeded())

    result = client.begin_pre_restore(
        FOLDER_URL, use_managed_identity=True, polling_interval=0
    ).result()
    request = service.requests[0]

    assert result is None
    assert request.method == "PUT"
    assert request.url.path == "/prerestore"
    assert query_of(request.url) == {"api-version": ["7.6"]}
    assert body_of(request) == {
        "sasTokenParameters": {
            "storageResourceUri": CONTAINER_URL,
            "useManagedIdentity": True,
        },
        "folderToRestore": FOLDER_NAME,
    }


def test_backup_conflict_raises(client: Any, service: ServiceStub) -> None:
    service.add(
        json_response(
            409,
            {"error": {"code": "Conflict", "message": "A backup is already running"}},
        )
    )

    with pytest.raises(ResourceExistsError) as caught:
        client.begin_backup(CONTAINER_URL, sas_token=SAS, polling_interval=0)

    assert "A backup is already running" in str(caught.value)


# Recorded responses


def replay_job(service: ServiceStub, job: List[Dict[str, Any]]) -> None:
    service.add(*(recorded_response(entry) for entry in job))


def test_recorded_backup_parsed(credential: Any, service: ServiceStub) -> None:
    entries = load_recording("python", "test_full_backup_and_restore_2025")
    job = recorded_job(entries, "POST", "/backup")
    replay_job(service, job)
    client = KeyVaultBackupClient(
        RECORDED_VAULT_URL, credential, api_version="2025-07-01"
    )
    container_url = job[0]["RequestBody"]["storageResourceUri"]

    result = client.begin_backup(
        container_url, use_managed_identity=True, polling_interval=0
    ).result()

    assert body_of(service.requests[0]) == job[0]["RequestBody"]
    assert query_of(service.requests[0].url) == {"api-version": ["2025-07-01"]}
    assert result.folder_url == job[-1]["ResponseBody"]["azureStorageBlobContainerUri"]
    assert len(service.requests) == len(job)


def test_recorded_pre_backup_parsed(credential: Any, service: ServiceStub) -> None:
    entries = load_recording("python", "test_full_backup_and_restore_2025")
    job = recorded_job(entries, "POST", "/prebackup")
    replay_job(service, job)
    client = KeyVaultBackupClient(
        RECORDED_VAULT_URL, credential, api_version="2025-07-01"
    )
    container_url = job[0]["RequestBody"]["storageResourceUri"]

    result = client.begin_pre_backup(
        container_url, use_managed_identity=True, polling_interval=0
    ).result()

    assert result is None
    assert body_of(service.requests[0]) == job[0]["RequestBody"]


@pytest.mark.parametrize("path", ["/restore", "/prerestore"])
def test_recorded_restore_parsed(
    credential: Any, service: ServiceStub, path: str
) -> None:
    # The recorder's sanitizer turned the storage URL into one without a
    # container segment, so the request uses a folder URL of its own.
    entries = load_recording("python", "test_full_backup_and_restore_2025")
    job = recorded_job(entries, "PUT", path)
    replay_job(service, job)
    client = KeyVaultBackupClient(RECORDED_VAULT_URL, credential)
    folder = job[0]["RequestBody"]["folderToRestore"]
    begin = client.begin_restore if path == "/restore" else client.begin_pre_restore

    poller = begin(
        f"{CONTAINER_URL}/{folder}", use_managed_identity=True, polling_interval=0
    )

    assert poller.result() is None
    assert poller.status() == "Succeeded"
    assert body_of(service.requests[0])["folderToRestore"] == folder
    assert len(service.requests) == len(job)


def test_recorded_selective_restore_parsed(
    credential: Any, service: ServiceStub
) -> None:
    entries = load_recording("python", "test_selective_key_restore")
    start = recorded_entry(entries, "PUT", "/restore", 202)
    key_name = start["RequestUri"].split("/keys/", 1)[1].split("/", 1)[0]
    job = recorded_job(entries, "PUT", f"/keys/{key_name}/restore")
    replay_job(service, job)
    client = KeyVaultBackupClient(RECORDED_VAULT_URL, credential)
    folder = job[0]["RequestBody"]["folder"]

    poller = client.begin_restore(
        f"{CONTAINER_URL}/{folder}",
        use_managed_identity=True,
        key_name=key_name,
        polling_interval=0,
    )

    assert poller.result() is None
    assert service.requests[0].url.path == f"/keys/{key_name}/restore"
    assert body_of(service.requests[0])["folder"] == folder


def test_recorded_long_poll_sequence(
    credential: Any, service: ServiceStub, sleeps: List[float]
) -> None:
    entries = load_recording("python", "test_backup_client_polling")
    job = recorded_job(entries, "POST", "/backup")
    replay_job(service, job)
    client = KeyVaultBackupClient(RECORDED_VAULT_URL, credential)

    result = client.begin_backup(
        CONTAINER_URL, use_managed_identity=True, polling_interval=0
    ).result()

    assert result.folder_url == job[-1]["ResponseBody"]["azureStorageBlobContainerUri"]
    assert len(service.requests) == len(job)
    # The 202 names Retry-After: 10 and the status polls name none.
    assert sleeps[0] == 10.0
    assert sleeps[1:] == [0.0] * (len(job) - 2)


def test_recorded_js_backup_parsed(credential: Any, service: ServiceStub) -> None:
    entries = load_recording("js", "returns_the_correct_backup_result_when_successful")
    job = recorded_job(entries, "POST", "/backup", polls_with_query=True)
    replay_job(service, job)
    client = KeyVaultBackupClient(
        "https://azure_managedhsm.managedhsm.azure.net", credential
    )

    # The JS recordings name another host, so route it to the same stub too.
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.route(host="azure_managedhsm.managedhsm.azure.net").mock(
            side_effect=service
        )
        result = client.begin_backup(
            CONTAINER_URL, sas_token=SAS, polling_interval=0
        ).result()

    assert result.folder_url == job[-1]["ResponseBody"]["azureStorageBlobContainerUri"]
    assert len(service.requests) == len(job)


def test_recorded_bad_sas_raises(client: Any, service: ServiceStub) -> None:
    entries = load_recording("js", "throws_when_polling_errors")
    entry = recorded_entry(entries, "POST", "/backup", 400)
    service.add(recorded_response(entry))
    error = entry["ResponseBody"]["error"]

    with pytest.raises(HttpResponseError) as caught:
        client.begin_backup(CONTAINER_URL, sas_token="sv=bad", polling_interval=0)

    assert error["code"] in str(caught.value)
    assert error["message"] in str(caught.value)
    assert caught.value.status_code == 400


# Pre-check version gating


@pytest.mark.parametrize("version", ["7.2", "7.3", "7.4", "7.5", ApiVersion.V7_5])
def test_pre_backup_rejects_old_version(
    credential: Any, service: ServiceStub, version: Any
) -> None:
    client = KeyVaultBackupClient(VAULT_URL, credential, api_version=version)

    with pytest.raises(ValueError) as caught:
        client.begin_pre_backup(CONTAINER_URL, sas_token=SAS)

    assert "7.6" in str(caught.value)
    assert str(getattr(version, "value", version)) in str(caught.value)
    assert service.requests == []
    assert service.probes == []


@pytest.mark.parametrize("version", ["7.5", "7.4"])
def test_pre_restore_rejects_old_version(
    credential: Any, service: ServiceStub, version: str
) -> None:
    client = KeyVaultBackupClient(VAULT_URL, credential, api_version=version)

    with pytest.raises(ValueError) as caught:
        client.begin_pre_restore(FOLDER_URL, sas_token=SAS)

    assert "begin_pre_restore" in str(caught.value)
    assert service.probes == []


@pytest.mark.parametrize("version", ["7.6", "2025-07-01", ApiVersion.V2025_07_01])
def test_pre_checks_accept_new_versions(
    credential: Any, service: ServiceStub, version: Any
) -> None:
    # "2025-07-01" sorts before "7.6" as a plain string, so this needs a real
    # version comparison.
    service.add(started(), succeeded(), started("restore"), succeeded())
    client = KeyVaultBackupClient(VAULT_URL, credential, api_version=version)

    client.begin_pre_backup(CONTAINER_URL, sas_token=SAS, polling_interval=0).result()
    client.begin_pre_restore(FOLDER_URL, sas_token=SAS, polling_interval=0).result()

    assert [request.url.path for request in service.requests[::2]] == [
        "/prebackup",
        "/prerestore",
    ]
    assert query_of(service.requests[0].url) == {
        "api-version": [str(getattr(version, "value", version))]
    }


# API versions


def test_api_version_members() -> None:
    assert {member.value for member in ApiVersion} == {
        "7.2",
        "7.3",
        "7.4",
        "7.5",
        "7.6",
        "2025-07-01",
    }


def test_api_version_members_cover_original() -> None:
    expected = {member.name: member.value for member in original.ApiVersion}
    actual = {member.name: member.value for member in ApiVersion}

    for name, value in expected.items():
        assert actual[name] == value


def test_api_version_default_is_7_6(credential: Any) -> None:
    assert KeyVaultBackupClient(VAULT_URL, credential).api_version == "7.6"


@pytest.mark.parametrize(
    ("version", "wire"),
    [(ApiVersion.V7_4, "7.4"), ("7.4", "7.4"), (ApiVersion.V2025_07_01, "2025-07-01")],
)
def test_api_version_enum_or_string(
    credential: Any, service: ServiceStub, version: Any, wire: str
) -> None:
    service.add(started(), succeeded(FOLDER_URL))
    client = KeyVaultBackupClient(VAULT_URL, credential, api_version=version)

    client.begin_backup(CONTAINER_URL, sas_token=SAS, polling_interval=0).result()

    assert client.api_version == wire
    assert query_of(service.requests[0].url) == {"api-version": [wire]}


def test_status_poll_has_no_api_version(credential: Any, service: ServiceStub) -> None:
    service.add(started(), succeeded(FOLDER_URL))
    client = KeyVaultBackupClient(VAULT_URL, credential, api_version="7.4")

    client.begin_backup(CONTAINER_URL, sas_token=SAS, polling_interval=0).result()

    assert query_of(service.requests[1].url) == {}


# Models


def test_backup_result_repr() -> None:
    assert (
        repr(KeyVaultBackupResult(folder_url=FOLDER_URL))
        == f"KeyVaultBackupResult(folder_url='{FOLDER_URL}')"
    )


def test_backup_result_missing_folder(client: Any, service: ServiceStub) -> None:
    service.add(started(), succeeded(None))

    result = client.begin_backup(
        CONTAINER_URL, sas_token=SAS, polling_interval=0
    ).result()

    assert result.folder_url is None
