"""Concurrent calls on one async client: one challenge round trip, one token."""

import asyncio
from typing import Any, Iterator, List

import httpx
import pytest
import respx

from azure_keyvault_administration_clone._internal.challenge import CHALLENGE_CACHE
from azure_keyvault_administration_clone.aio import KeyVaultSettingsClient

from .helpers import (
    VAULT_HOST,
    VAULT_URL,
    AsyncFakeCredential,
    ServiceStub,
    json_response,
)

CALLS = 50
SETTING_BODY = {"name": "A", "type": "boolean", "value": "true"}


@pytest.fixture
def slow_service() -> Iterator[ServiceStub]:
    """A ``ServiceStub`` whose every response takes 10 ms.

    respx returns a response without suspending the calling task, so without the delay
    the first request would finish its challenge round trip before the
    other tasks start, and the race this file tests would never happen.
    """
    stub = ServiceStub()

    async def respond_later(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.01)
        return stub(request)

    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.route(host=VAULT_HOST).mock(side_effect=respond_later)
        yield stub


@pytest.mark.asyncio
async def test_concurrent_calls_probe_once(slow_service: ServiceStub) -> None:
    service = slow_service
    # The delay keeps the first token request pending while the others arrive.
    credential = AsyncFakeCredential(delay=0.05)
    service.add(*[json_response(200, SETTING_BODY)] * CALLS)
    async with KeyVaultSettingsClient(VAULT_URL, credential) as client:
        results = await asyncio.gather(*(client.get_setting("A") for _ in range(CALLS)))
    assert [setting.value for setting in results] == ["true"] * CALLS
    assert len(service.probes) == 1
    assert len(credential.requests) == 1
    assert len(service.requests) == CALLS
    tokens = {request.headers["Authorization"] for request in service.requests}
    assert tokens == {"Bearer fake-token-1"}


@pytest.mark.asyncio
async def test_concurrent_lists_probe_once(slow_service: ServiceStub) -> None:
    service = slow_service
    credential = AsyncFakeCredential(delay=0.01)
    service.add(*[json_response(200, {"settings": [SETTING_BODY]})] * CALLS)

    async def names(client: Any) -> List[str]:
        return [setting.name async for setting in client.list_settings()]

    async with KeyVaultSettingsClient(VAULT_URL, credential) as client:
        results = await asyncio.gather(*(names(client) for _ in range(CALLS)))
    assert results == [["A"]] * CALLS
    assert len(service.probes) == 1
    assert len(credential.requests) == 1


def test_client_used_by_two_event_loops() -> None:
    """A client built outside a loop works in successive ``asyncio.run`` calls."""
    credential = AsyncFakeCredential()
    stub = ServiceStub(*[json_response(200, SETTING_BODY)] * 4)
    with respx.mock(assert_all_mocked=True) as router:
        router.route(host=VAULT_HOST).mock(side_effect=stub)
        client = KeyVaultSettingsClient(VAULT_URL, credential)

        async def two_calls() -> None:
            await asyncio.gather(client.get_setting("A"), client.get_setting("A"))

        asyncio.run(two_calls())
        CHALLENGE_CACHE.clear()
        asyncio.run(two_calls())
        asyncio.run(client.close())
    assert len(stub.probes) == 2
    assert len(stub.requests) == 4
