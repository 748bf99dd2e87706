"""AsyncChallengeAuthPolicy: the challenge protocol over the async pipeline."""

import asyncio
import json
from typing import List

import httpx
import pytest
import respx
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError

from azure_keyvault_administration_clone import KeyVaultSetting
from azure_keyvault_administration_clone._internal.challenge import CHALLENGE_CACHE
from azure_keyvault_administration_clone.aio import (
    KeyVaultBackupClient,
    KeyVaultSettingsClient,
)

from .helpers import (
    BACKUP_STATUS_URL,
    CAE_CHALLENGE,
    CLAIMS,
    CONTAINER_URL,
    OTHER_TENANT_CHALLENGE,
    OTHER_TENANT_ID,
    SAS,
    SCOPE,
    TENANT_ID,
    VAULT_URL,
    AsyncFakeCredential,
    AsyncTokenInfoCredential,
    ServiceStub,
    body_of,
    challenge_response,
    job_response,
    json_response,
)

SETTING_BODY = {"name": "A", "type": "boolean", "value": "true"}


@pytest.mark.asyncio
async def test_first_post_sent_without_body(
    service: ServiceStub, async_credential: AsyncFakeCredential, sleeps: List[float]
) -> None:
    service.add(job_response(202, "Succeeded", status_url=BACKUP_STATUS_URL))
    async with KeyVaultBackupClient(VAULT_URL, async_credential) as client:
        poller = await client.begin_backup(CONTAINER_URL, sas_token=SAS)
        await poller.wait()
    probe = service.probes[0]
    assert len(service.probes) == 1
    assert probe.method == "POST"
    assert probe.url.path == "/backup"
    assert probe.content == b""
    assert probe.headers["Content-Length"] == "0"
    assert "Authorization" not in probe.headers
    sent = service.requests[0]
    assert sent.headers["Authorization"] == "Bearer fake-token-1"
    assert body_of(sent) == {
        "storageResourceUri": CONTAINER_URL,
        "token": SAS,
        "useManagedIdentity": False,
    }
    assert sent.headers["Content-Length"] == str(len(sent.content))


@pytest.mark.asyncio
async def test_token_request_names_tenant(
    service: ServiceStub, async_credential: AsyncFakeCredential
) -> None:
    service.add(json_response(200, SETTING_BODY))
    async with KeyVaultSettingsClient(VAULT_URL, async_credential) as client:
        await client.get_setting("A")
    assert async_credential.requests == [
        ((SCOPE,), {"enable_cae": True, "tenant_id": TENANT_ID})
    ]
    assert service.probes[0].method == "GET"
    assert CHALLENGE_CACHE.get(VAULT_URL) is not None


@pytest.mark.asyncio
async def test_get_token_info_preferred(service: ServiceStub) -> None:
    credential = AsyncTokenInfoCredential()
    service.add(json_response(200, SETTING_BODY))
    async with KeyVaultSettingsClient(VAULT_URL, credential) as client:
        await client.get_setting("A")
    assert credential.requests == []
    assert credential.info_requests == [
        ((SCOPE,), {"enable_cae": True, "tenant_id": TENANT_ID})
    ]
    assert service.requests[0].headers["Authorization"] == "Bearer fake-token-info-1"


@pytest.mark.asyncio
async def test_cached_challenge_skips_probe(
    service: ServiceStub, async_credential: AsyncFakeCredential
) -> None:
    service.add(json_response(200, SETTING_BODY), json_response(200, SETTING_BODY))
    async with KeyVaultSettingsClient(VAULT_URL, async_credential) as client:
        await client.get_setting("A")
    async with KeyVaultSettingsClient(VAULT_URL, AsyncFakeCredential()) as other:
        await other.get_setting("A")
    assert len(service.probes) == 1
    assert len(service.requests) == 2


@pytest.mark.asyncio
async def test_claims_challenge_after_kv_challenge(
    service: ServiceStub, async_credential: AsyncFakeCredential
) -> None:
    service.add(challenge_response(CAE_CHALLENGE), json_response(200, SETTING_BODY))
    async with KeyVaultSettingsClient(VAULT_URL, async_credential) as client:
        setting = await client.get_setting("A")
    assert setting.value == "true"
    assert len(async_credential.requests) == 2
    scopes, options = async_credential.requests[1]
    assert scopes == (SCOPE,)
    assert options["claims"] == CLAIMS
    assert options["tenant_id"] == TENANT_ID
    assert service.requests[1].headers["Authorization"] == "Bearer fake-token-2"


@pytest.mark.asyncio
async def test_second_claims_challenge_returned(
    service: ServiceStub, async_credential: AsyncFakeCredential
) -> None:
    service.add(challenge_response(CAE_CHALLENGE), challenge_response(CAE_CHALLENGE))
    async with KeyVaultSettingsClient(VAULT_URL, async_credential) as client:
        with pytest.raises(ClientAuthenticationError):
            await client.get_setting("A")
    assert len(service.requests) == 2


@pytest.mark.asyncio
async def test_tenant_change_followed(
    service: ServiceStub, async_credential: AsyncFakeCredential
) -> None:
    service.add(
        json_response(200, SETTING_BODY),
        challenge_response(OTHER_TENANT_CHALLENGE),
        json_response(200, SETTING_BODY),
    )
    async with KeyVaultSettingsClient(VAULT_URL, async_credential) as client:
        await client.get_setting("A")
        await client.get_setting("A")
    assert [options["tenant_id"] for _, options in async_credential.requests] == [
        TENANT_ID,
        OTHER_TENANT_ID,
    ]
    cached = CHALLENGE_CACHE.get(VAULT_URL)
    assert cached is not None
    assert cached.tenant_id == OTHER_TENANT_ID
    assert service.requests[2].headers["Authorization"] == "Bearer fake-token-2"


@pytest.mark.asyncio
async def test_tenant_change_then_claims(
    service: ServiceStub, async_credential: AsyncFakeCredential
) -> None:
    service.add(
        json_response(200, SETTING_BODY),
        challenge_response(OTHER_TENANT_CHALLENGE),
        challenge_response(CAE_CHALLENGE),
        json_response(200, SETTING_BODY),
    )
    async with KeyVaultSettingsClient(VAULT_URL, async_credential) as client:
        await client.get_setting("A")
        setting = await client.get_setting("A")
    assert setting.name == "A"
    last_options = async_credential.requests[-1][1]
    assert last_options["tenant_id"] == OTHER_TENANT_ID
    assert last_options["claims"] == CLAIMS
    assert len(async_credential.requests) == 3


@pytest.mark.asyncio
async def test_rejected_resource_not_cached(
    async_credential: AsyncFakeCredential,
) -> None:
    stub = ServiceStub(
        challenge='Bearer authorization="https://login.microsoftonline.com/t", '
        'resource="https://vault.azure.net"'
    )
    with respx.mock(assert_all_mocked=True) as router:
        router.route(host="myhsm.managedhsm.azure.net").mock(side_effect=stub)
        async with KeyVaultSettingsClient(VAULT_URL, async_credential) as client:
            with pytest.raises(ValueError, match="does not match the requested host"):
                await client.get_setting("A")
            with pytest.raises(ValueError, match="does not match"):
                await client.get_setting("A")
    assert CHALLENGE_CACHE.get(VAULT_URL) is None
    assert async_credential.requests == []
    assert len(stub.probes) == 2
    assert stub.requests == []


@pytest.mark.asyncio
async def test_verification_can_be_disabled(
    async_credential: AsyncFakeCredential,
) -> None:
    stub = ServiceStub(
        json_response(200, SETTING_BODY),
        challenge='Bearer authorization="https://login.microsoftonline.com/t", '
        'resource="https://vault.azure.net"',
    )
    with respx.mock(assert_all_mocked=True) as router:
        router.route(host="myhsm.managedhsm.azure.net").mock(side_effect=stub)
        async with KeyVaultSettingsClient(
            VAULT_URL, async_credential, verify_challenge_resource=False
        ) as client:
            await client.get_setting("A")
    assert async_credential.requests[0][0] == ("https://vault.azure.net/.default",)


@pytest.mark.asyncio
async def test_token_reused_until_expiry(service: ServiceStub) -> None:
    credential = AsyncFakeCredential(lifetime=3600)
    service.add(json_response(200, SETTING_BODY), json_response(200, SETTING_BODY))
    async with KeyVaultSettingsClient(VAULT_URL, credential) as client:
        await client.get_setting("A")
        await client.get_setting("A")
    assert len(credential.requests) == 1


@pytest.mark.asyncio
async def test_expiring_token_refreshed(service: ServiceStub) -> None:
    # 60 s left is inside the 300 s refresh margin, so each request gets a new token.
    credential = AsyncFakeCredential(lifetime=60)
    service.add(json_response(200, SETTING_BODY), json_response(200, SETTING_BODY))
    async with KeyVaultSettingsClient(VAULT_URL, credential) as client:
        await client.get_setting("A")
        await client.get_setting("A")
    assert len(credential.requests) == 2
    assert service.requests[1].headers["Authorization"] == "Bearer fake-token-2"


@pytest.mark.asyncio
async def test_http_url_rejected(async_credential: AsyncFakeCredential) -> None:
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        route = router.route(host="myhsm.managedhsm.azure.net").mock(
            return_value=httpx.Response(200)
        )
        # ServiceRequestError is retried, so retries are off to keep the test fast.
        async with KeyVaultSettingsClient(
            "http://myhsm.managedhsm.azure.net", async_credential, retry_total=0
        ) as client:
            with pytest.raises(ServiceRequestError, match="non-https"):
                await client.get_setting("A")
    assert route.call_count == 0
    assert async_credential.requests == []


@pytest.mark.asyncio
async def test_non_challenge_401_returned(
    async_credential: AsyncFakeCredential,
) -> None:
    with respx.mock(assert_all_mocked=True) as router:
        router.route(host="myhsm.managedhsm.azure.net").mock(
            return_value=httpx.Response(401, json={"error": {"code": "Unauthorized"}})
        )
        async with KeyVaultSettingsClient(VAULT_URL, async_credential) as client:
            with pytest.raises(ClientAuthenticationError):
                await client.get_setting("A")
    assert async_credential.requests == []


@pytest.mark.asyncio
async def test_poll_401_does_not_resend_post(
    service: ServiceStub, async_credential: AsyncFakeCredential, sleeps: List[float]
) -> None:
    service.add(
        job_response(202, "InProgress", status_url=BACKUP_STATUS_URL, retry_after="0"),
        challenge_response(OTHER_TENANT_CHALLENGE),
        job_response(200, "Succeeded", azureStorageBlobContainerUri="https://a/b/c"),
    )
    async with KeyVaultBackupClient(VAULT_URL, async_credential) as client:
        poller = await client.begin_backup(CONTAINER_URL, sas_token=SAS)
        result = await poller.result()
    assert result.folder_url == "https://a/b/c"
    assert service.methods_and_paths() == [
        ("POST", "/backup"),
        ("GET", "/backup/job-1/pending"),
        ("GET", "/backup/job-1/pending"),
    ]
    assert [probe.method for probe in service.probes] == ["POST"]
    assert async_credential.requests[-1][1]["tenant_id"] == OTHER_TENANT_ID


@pytest.mark.asyncio
async def test_requests_keep_their_own_bodies(
    service: ServiceStub, async_credential: AsyncFakeCredential
) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        value = json.loads(request.content)["value"]
        name = request.url.path.rsplit("/", 1)[-1]
        return json_response(200, {"name": name, "type": "boolean", "value": value})

    service.add(*[echo] * 20)
    async with KeyVaultSettingsClient(VAULT_URL, async_credential) as client:
        settings = [KeyVaultSetting(name=f"S{i}", value=bool(i % 2)) for i in range(20)]
        updated = await asyncio.gather(*(client.update_setting(s) for s in settings))
    assert [(s.name, s.value) for s in updated] == [(s.name, s.value) for s in settings]
    assert len(service.probes) == 1
