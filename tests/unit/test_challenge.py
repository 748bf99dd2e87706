"""Bearer-challenge authentication of the sync clients on the wire."""

import base64
import json
import logging
import threading
import time
from typing import Any, Dict, List

import httpx
import pytest
import respx
from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError

from azure_keyvault_administration_clone import (
    KeyVaultAccessControlClient,
    KeyVaultBackupClient,
    KeyVaultSettingsClient,
)

from .helpers import (
    CHALLENGE,
    JSON,
    OTHER_TENANT_ID,
    SCOPE,
    TENANT_ID,
    VAULT_URL,
    FakeCredential,
    ServiceStub,
    body_of,
    challenge_response,
    json_response,
)

CONTAINER_URL = "https://account.blob.core.windows.net/backup"
SAS = "sv=2024-08-04&se=2030-01-01&sig=c2ln"
STATUS_URL = f"{VAULT_URL}/backup/job/pending"
CLAIMS = json.dumps(
    {"access_token": {"nbf": {"essential": True, "value": "1700000000"}}}
)
ENCODED_CLAIMS = base64.urlsafe_b64encode(CLAIMS.encode()).decode().rstrip("=")
CLAIMS_CHALLENGE = (
    'Bearer realm="", '
    'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
    f'error="insufficient_claims", claims="{ENCODED_CLAIMS}"'
)
EVIL_CHALLENGE = (
    f'Bearer authorization="https://login.microsoftonline.com/{TENANT_ID}", '
    'resource="https://evil.example"'
)
OTHER_TENANT_CHALLENGE = (
    f'Bearer authorization="https://login.microsoftonline.com/{OTHER_TENANT_ID}", '
    'resource="https://managedhsm.azure.net"'
)


def definition_json(name: str) -> Dict[str, Any]:
    return {"id": f"x/{name}", "name": name, "properties": {"roleName": name}}


def setting_json() -> Dict[str, Any]:
    return {
        "name": "AllowKeyManagementOperationsThroughARM",
        "type": "boolean",
        "value": "true",
    }


def backup_started() -> httpx.Response:
    return json_response(
        202,
        {"status": "InProgress", "jobId": "job"},
        headers={"Azure-AsyncOperation": STATUS_URL},
    )


def backup_succeeded() -> httpx.Response:
    return json_response(
        200,
        {
            "status": "Succeeded",
            "jobId": "job",
            "azureStorageBlobContainerUri": f"{CONTAINER_URL}/f",
        },
    )


# The first request


def test_probe_put_is_bodiless(credential: Any, service: ServiceStub) -> None:
    service.add(json_response(201, definition_json("d1")))
    client = KeyVaultAccessControlClient(VAULT_URL, credential)

    client.set_role_definition("/", name="d1", role_name="Reader")
    probe = service.probes[0]

    assert len(service.probes) == 1
    assert probe.method == "PUT"
    assert probe.content == b""
    assert probe.headers["Content-Length"] == "0"
    assert "Authorization" not in probe.headers
    assert probe.url == service.requests[0].url


def test_probe_post_is_bodiless(credential: Any, service: ServiceStub) -> None:
    service.add(backup_started(), backup_succeeded())
    client = KeyVaultBackupClient(VAULT_URL, credential)

    client.begin_backup(CONTAINER_URL, sas_token=SAS, polling_interval=0).result()
    probe = service.probes[0]

    assert probe.method == "POST"
    assert probe.content == b""
    assert probe.headers["Content-Length"] == "0"
    assert "Authorization" not in probe.headers


def test_body_restored_after_challenge(credential: Any, service: ServiceStub) -> None:
    service.add(json_response(201, definition_json("d1")))
    client = KeyVaultAccessControlClient(VAULT_URL, credential)

    client.set_role_definition("/", name="d1", role_name="Reader", description="Reads")
    request = service.requests[0]

    assert request.method == "PUT"
    assert request.headers["Authorization"] == "Bearer fake-token-1"
    assert request.headers["Content-Type"] == JSON
    assert int(request.headers["Content-Length"]) == len(request.content)
    assert body_of(request) == {
        "properties": {"roleName": "Reader", "description": "Reads", "permissions": []}
    }


def test_patch_body_restored_after_challenge(
    credential: Any, service: ServiceStub
) -> None:
    from azure_keyvault_administration_clone import KeyVaultSetting

    service.add(json_response(200, setting_json()))
    client = KeyVaultSettingsClient(VAULT_URL, credential)

    client.update_setting(
        KeyVaultSetting(name="AllowKeyManagementOperationsThroughARM", value=True)
    )

    assert service.probes[0].content == b""
    assert body_of(service.requests[0]) == {"value": "true"}


def test_token_request_scope_and_tenant(credential: Any, service: ServiceStub) -> None:
    service.add(json_response(200, {"settings": []}))

    list(KeyVaultSettingsClient(VAULT_URL, credential).list_settings())

    assert credential.requests == [
        ((SCOPE,), {"enable_cae": True, "tenant_id": TENANT_ID})
    ]


def test_token_info_credential_used(service: ServiceStub) -> None:
    class InfoCredential:
        def __init__(self) -> None:
            self.calls: List[Any] = []

        def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
            self.calls.append((scopes, options))
            return AccessTokenInfo("info-token", 4102444800)

    credential = InfoCredential()
    service.add(json_response(200, {"settings": []}))

    list(KeyVaultSettingsClient(VAULT_URL, credential).list_settings())

    assert credential.calls == [
        ((SCOPE,), {"enable_cae": True, "tenant_id": TENANT_ID})
    ]
    assert service.requests[0].headers["Authorization"] == "Bearer info-token"


# Challenge variants


@pytest.mark.parametrize(
    ("header", "expected_kwargs"),
    [
        (
            f'Bearer authorization_uri="https://login.microsoftonline.com/{TENANT_ID}", resource="https://managedhsm.azure.net"',
            {"enable_cae": True, "tenant_id": TENANT_ID},
        ),
        (
            f'Bearer authorization="https://login.microsoftonline.com/{TENANT_ID}", scope="https://managedhsm.azure.net/.default"',
            {"enable_cae": True, "tenant_id": TENANT_ID},
        ),
        (
            f"Bearer authorization=https://login.microsoftonline.com/{TENANT_ID}, resource=https://managedhsm.azure.net",
            {"enable_cae": True, "tenant_id": TENANT_ID},
        ),
        (
            'Bearer authorization="https://adfs.contoso.com/adfs", resource="https://managedhsm.azure.net"',
            {"enable_cae": True},
        ),
    ],
    ids=["authorization_uri", "scope", "unquoted", "adfs"],
)
def test_challenge_variant_token_request(
    credential: Any, header: str, expected_kwargs: Dict[str, Any]
) -> None:
    stub = ServiceStub(json_response(200, {"settings": []}), challenge=header)

    with respx.mock(assert_all_mocked=True) as router:
        router.route(host="myhsm.managedhsm.azure.net").mock(side_effect=stub)
        list(KeyVaultSettingsClient(VAULT_URL, credential).list_settings())

    assert credential.requests == [((SCOPE,), expected_kwargs)]
    assert stub.requests[0].headers["Authorization"] == "Bearer fake-token-1"


# Challenge cache


def test_challenge_cached_per_host(service: ServiceStub) -> None:
    service.add(json_response(200, {"settings": []}), json_response(200, {"value": []}))
    first_credential = FakeCredential("first")
    second_credential = FakeCredential("second")

    list(KeyVaultSettingsClient(VAULT_URL, first_credential).list_settings())
    list(
        KeyVaultAccessControlClient(VAULT_URL, second_credential).list_role_assignments(
            "/"
        )
    )

    assert len(service.probes) == 1
    assert service.requests[1].headers["Authorization"] == "Bearer second-1"
    assert second_credential.requests == [
        ((SCOPE,), {"enable_cae": True, "tenant_id": TENANT_ID})
    ]


def test_port_443_shares_cache_entry(credential: Any, service: ServiceStub) -> None:
    service.add(
        json_response(200, {"settings": []}), json_response(200, {"settings": []})
    )

    list(KeyVaultSettingsClient(VAULT_URL, credential).list_settings())
    list(KeyVaultSettingsClient(f"{VAULT_URL}:443", FakeCredential()).list_settings())

    assert len(service.probes) == 1
    assert len(service.requests) == 2


def test_other_host_probes_again(credential: Any) -> None:
    first = ServiceStub(json_response(200, {"settings": []}))
    second = ServiceStub(json_response(200, {"settings": []}))

    with respx.mock(assert_all_mocked=True) as router:
        router.route(host="myhsm.managedhsm.azure.net").mock(side_effect=first)
        router.route(host="otherhsm.managedhsm.azure.net").mock(side_effect=second)
        list(KeyVaultSettingsClient(VAULT_URL, credential).list_settings())
        list(
            KeyVaultSettingsClient(
                "https://otherhsm.managedhsm.azure.net", credential
            ).list_settings()
        )

    assert len(first.probes) == 1
    assert len(second.probes) == 1


# 401 after authorization


def test_claims_challenge_retried_once(credential: Any, service: ServiceStub) -> None:
    service.add(
        challenge_response(CLAIMS_CHALLENGE), json_response(200, {"settings": []})
    )

    list(KeyVaultSettingsClient(VAULT_URL, credential).list_settings())

    assert len(service.requests) == 2
    assert credential.requests[1] == (
        (SCOPE,),
        {"enable_cae": True, "tenant_id": TENANT_ID, "claims": CLAIMS},
    )
    assert service.requests[1].headers["Authorization"] == "Bearer fake-token-2"


def test_repeated_claims_challenge_raises(
    credential: Any, service: ServiceStub
) -> None:
    service.add(
        challenge_response(CLAIMS_CHALLENGE), challenge_response(CLAIMS_CHALLENGE)
    )

    with pytest.raises(ClientAuthenticationError):
        list(KeyVaultSettingsClient(VAULT_URL, credential).list_settings())

    assert len(service.requests) == 2


def test_challenge_then_claims_challenge(credential: Any, service: ServiceStub) -> None:
    service.add(
        challenge_response(CHALLENGE),
        challenge_response(CLAIMS_CHALLENGE),
        json_response(200, {"settings": []}),
    )

    list(KeyVaultSettingsClient(VAULT_URL, credential).list_settings())

    assert len(service.requests) == 3
    assert credential.requests[-1][1]["claims"] == CLAIMS
    assert service.requests[2].headers["Authorization"] == "Bearer fake-token-3"


def test_two_plain_challenges_raise(credential: Any, service: ServiceStub) -> None:
    service.add(challenge_response(CHALLENGE), challenge_response(CHALLENGE))

    with pytest.raises(ClientAuthenticationError):
        list(KeyVaultSettingsClient(VAULT_URL, credential).list_settings())

    assert len(service.requests) == 2


def test_tenant_change_uses_new_tenant(credential: Any, service: ServiceStub) -> None:
    service.add(
        json_response(200, {"settings": []}),
        challenge_response(OTHER_TENANT_CHALLENGE),
        json_response(200, {"settings": []}),
        json_response(200, {"settings": []}),
    )
    client = KeyVaultSettingsClient(VAULT_URL, credential)

    list(client.list_settings())
    list(client.list_settings())
    list(client.list_settings())

    assert credential.requests[0][1]["tenant_id"] == TENANT_ID
    assert credential.requests[1][1]["tenant_id"] == OTHER_TENANT_ID
    assert len(credential.requests) == 2
    assert service.requests[2].headers["Authorization"] == "Bearer fake-token-2"
    assert service.requests[3].headers["Authorization"] == "Bearer fake-token-2"


# Resource verification


def test_rejected_resource_not_cached(credential: Any) -> None:
    stub = ServiceStub(challenge=EVIL_CHALLENGE)
    client = KeyVaultSettingsClient(VAULT_URL, credential)

    with respx.mock(assert_all_mocked=True) as router:
        router.route(host="myhsm.managedhsm.azure.net").mock(side_effect=stub)
        with pytest.raises(ValueError) as first:
            list(client.list_settings())
        with pytest.raises(ValueError) as second:
            list(client.list_settings())

    assert "evil.example" in str(first.value)
    assert "evil.example" in str(second.value)
    assert len(stub.probes) == 2
    assert stub.requests == []
    assert credential.requests == []


def test_sibling_domain_resource_rejected(credential: Any) -> None:
    # "managedhsm.azure.net.evil.example" must not pass as a subdomain match.
    stub = ServiceStub(
        challenge='Bearer authorization="https://login.microsoftonline.com/t", resource="https://hsm.azure.net"'
    )

    with respx.mock(assert_all_mocked=True) as router:
        router.route(host="myhsm.managedhsm.azure.net").mock(side_effect=stub)
        with pytest.raises(ValueError):
            list(KeyVaultSettingsClient(VAULT_URL, credential).list_settings())

    assert credential.requests == []


def test_resource_equal_to_host_accepted(credential: Any) -> None:
    stub = ServiceStub(
        json_response(200, {"settings": []}),
        challenge='Bearer authorization="https://login.microsoftonline.com/t", resource="https://127.0.0.1:8443"',
    )

    with respx.mock(assert_all_mocked=True) as router:
        router.route(host="127.0.0.1", port=8443).mock(side_effect=stub)
        list(
            KeyVaultSettingsClient("https://127.0.0.1:8443", credential).list_settings()
        )

    assert credential.requests == [
        (("https://127.0.0.1:8443/.default",), {"enable_cae": True, "tenant_id": "t"})
    ]
    assert len(stub.requests) == 1


def test_resource_port_mismatch_rejected(credential: Any) -> None:
    stub = ServiceStub(
        challenge='Bearer authorization="https://login.microsoftonline.com/t", resource="https://127.0.0.1:9443"'
    )

    with respx.mock(assert_all_mocked=True) as router:
        router.route(host="127.0.0.1", port=8443).mock(side_effect=stub)
        with pytest.raises(ValueError):
            list(
                KeyVaultSettingsClient(
                    "https://127.0.0.1:8443", credential
                ).list_settings()
            )

    assert credential.requests == []


def test_verification_can_be_disabled(credential: Any) -> None:
    stub = ServiceStub(
        json_response(200, {"settings": []}),
        challenge=EVIL_CHALLENGE,
    )
    client = KeyVaultSettingsClient(
        VAULT_URL, credential, verify_challenge_resource=False
    )

    with respx.mock(assert_all_mocked=True) as router:
        router.route(host="myhsm.managedhsm.azure.net").mock(side_effect=stub)
        list(client.list_settings())

    assert credential.requests == [
        (
            ("https://evil.example/.default",),
            {"enable_cae": True, "tenant_id": TENANT_ID},
        )
    ]
    assert len(stub.requests) == 1


# Tokens


def test_expiring_token_refreshed(service: ServiceStub) -> None:
    credential = FakeCredential(lifetime=10)
    service.add(
        json_response(200, {"settings": []}), json_response(200, {"settings": []})
    )
    client = KeyVaultSettingsClient(VAULT_URL, credential)

    list(client.list_settings())
    list(client.list_settings())

    assert len(credential.requests) == 2
    assert service.requests[1].headers["Authorization"] == "Bearer fake-token-2"


def test_token_refreshed_after_refresh_on(service: ServiceStub) -> None:
    class RefreshCredential:
        def __init__(self) -> None:
            self.count = 0

        def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
            self.count += 1
            # Valid for an hour, but due for refresh already.
            now = int(time.time())
            return AccessTokenInfo(f"info-{self.count}", now + 3600, refresh_on=now - 1)

    credential = RefreshCredential()
    service.add(
        json_response(200, {"settings": []}), json_response(200, {"settings": []})
    )
    client = KeyVaultSettingsClient(VAULT_URL, credential)

    list(client.list_settings())
    list(client.list_settings())

    assert credential.count == 2
    assert service.requests[1].headers["Authorization"] == "Bearer info-2"


def test_valid_token_reused(credential: Any, service: ServiceStub) -> None:
    service.add(
        json_response(200, {"settings": []}), json_response(200, {"settings": []})
    )
    client = KeyVaultSettingsClient(VAULT_URL, credential)

    list(client.list_settings())
    list(client.list_settings())

    assert len(credential.requests) == 1
    assert service.requests[1].headers["Authorization"] == "Bearer fake-token-1"


def test_http_url_rejected(credential: Any, service: ServiceStub) -> None:
    client = KeyVaultSettingsClient("http://myhsm.managedhsm.azure.net", credential)

    with pytest.raises(ServiceRequestError) as caught:
        list(client.list_settings())

    assert "https" in str(caught.value)
    assert credential.requests == []
    assert service.probes == []


def test_tokens_absent_from_logs(
    credential: Any, service: ServiceStub, caplog: pytest.LogCaptureFixture
) -> None:
    service.add(
        backup_started(), backup_succeeded(), json_response(200, {"settings": []})
    )

    with caplog.at_level(logging.DEBUG):
        backup = KeyVaultBackupClient(VAULT_URL, credential, logging_enable=True)
        backup.begin_backup(CONTAINER_URL, sas_token=SAS, polling_interval=0).result()
        list(
            KeyVaultSettingsClient(
                VAULT_URL, credential, logging_enable=True
            ).list_settings()
        )

    messages = [record.getMessage() for record in caplog.records]
    assert messages, "logging_enable=True produced no log records"
    signature = SAS.split("sig=", 1)[1]
    for message in messages:
        assert "fake-token" not in message
        assert signature not in message


# Backup polling and concurrency


def test_poll_challenge_does_not_resend_post(
    credential: Any, service: ServiceStub
) -> None:
    service.add(backup_started(), challenge_response(CHALLENGE), backup_succeeded())

    result = (
        KeyVaultBackupClient(VAULT_URL, credential)
        .begin_backup(CONTAINER_URL, sas_token=SAS, polling_interval=0)
        .result()
    )
    posts = [
        request
        for request in service.requests + service.probes
        if request.method == "POST"
    ]

    assert result.folder_url == f"{CONTAINER_URL}/f"
    assert (
        len([request for request in posts if "Authorization" in request.headers]) == 1
    )
    assert [request.method for request in service.requests] == ["POST", "GET", "GET"]


def test_poll_unauthorized_does_not_resend_post(
    credential: Any, service: ServiceStub
) -> None:
    service.add(
        backup_started(),
        json_response(401, {"error": {"code": "Unauthorized", "message": "expired"}}),
    )
    poller = KeyVaultBackupClient(VAULT_URL, credential).begin_backup(
        CONTAINER_URL, sas_token=SAS, polling_interval=0
    )

    with pytest.raises(ClientAuthenticationError):
        poller.result()

    assert [request.method for request in service.requests] == ["POST", "GET"]


def test_concurrent_requests_keep_own_body(
    credential: Any, service: ServiceStub
) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[1]
        return json_response(201, definition_json(name))

    names = [f"role-{index}" for index in range(8)]
    service.add(*([echo] * len(names)))
    client = KeyVaultAccessControlClient(VAULT_URL, credential)
    barrier = threading.Barrier(len(names))
    errors: List[BaseException] = []

    def create(name: str) -> None:
        barrier.wait()
        try:
            client.set_role_definition("/", name=name, role_name=name)
        except BaseException as error:  # reported by the assert below
            errors.append(error)

    threads = [threading.Thread(target=create, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert errors == []
    assert sorted(
        request.url.path.rsplit("/", 1)[1] for request in service.requests
    ) == sorted(names)
    for request in service.requests:
        assert (
            body_of(request)["properties"]["roleName"]
            == request.url.path.rsplit("/", 1)[1]
        )
