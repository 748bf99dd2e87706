"""Async settings client: requests on the wire and parsed responses."""

from typing import Any

import pytest
from azure.core.async_paging import AsyncItemPaged
from azure.core.exceptions import HttpResponseError

from azure_keyvault_administration_clone import KeyVaultSetting, KeyVaultSettingType
from azure_keyvault_administration_clone.aio import KeyVaultSettingsClient

from .helpers import (
    JSON,
    VAULT_URL,
    AsyncFakeCredential,
    ServiceStub,
    body_of,
    json_response,
    load_recording,
    query_of,
    recorded_response,
)

SETTING = "AllowKeyManagementOperationsThroughARM"


def setting_wire(value: str = "false") -> Any:
    return {"name": SETTING, "type": "boolean", "value": value}


@pytest.fixture
async def client(async_credential: AsyncFakeCredential) -> Any:
    async with KeyVaultSettingsClient(VAULT_URL, async_credential) as client:
        yield client


@pytest.mark.asyncio
async def test_get_setting_request(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, setting_wire()))
    setting = await client.get_setting(SETTING)
    request = service.requests[0]
    assert request.method == "GET"
    assert request.url.path == f"/settings/{SETTING}"
    assert query_of(request.url) == {"api-version": ["7.6"]}
    assert request.headers["Accept"] == JSON
    assert request.content == b""
    assert setting.name == SETTING
    assert setting.value == "false"
    assert setting.setting_type == KeyVaultSettingType.BOOLEAN
    assert setting.getboolean() is False


@pytest.mark.asyncio
async def test_list_settings_is_lazy(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, {"settings": [setting_wire("true"), None]}))
    pager = client.list_settings()
    assert isinstance(pager, AsyncItemPaged)
    assert service.requests == []
    settings = [setting async for setting in pager]
    request = service.requests[0]
    assert request.method == "GET"
    assert request.url.path == "/settings"
    assert query_of(request.url) == {"api-version": ["7.6"]}
    assert request.headers["Accept"] == JSON
    assert [(s.name, s.value) for s in settings] == [(SETTING, "true")]


@pytest.mark.asyncio
async def test_list_settings_keeps_kwargs(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, {"settings": []}))
    pager = client.list_settings(headers={"x-ms-test": "kept"})
    assert [setting async for setting in pager] == []
    assert service.requests[0].headers["x-ms-test"] == "kept"


@pytest.mark.asyncio
async def test_list_settings_empty_body(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, None))
    assert [setting async for setting in client.list_settings()] == []


@pytest.mark.asyncio
async def test_update_setting_request(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, setting_wire("true")))
    updated = await client.update_setting(KeyVaultSetting(name=SETTING, value=True))
    request = service.requests[0]
    assert request.method == "PATCH"
    assert request.url.path == f"/settings/{SETTING}"
    assert query_of(request.url) == {"api-version": ["7.6"]}
    assert request.headers["Accept"] == JSON
    assert request.headers["Content-Type"] == JSON
    assert body_of(request) == {"value": "true"}
    assert updated.getboolean() is True


@pytest.mark.asyncio
async def test_update_setting_rejects_non_setting(client: Any) -> None:
    with pytest.raises(TypeError, match="KeyVaultSetting"):
        await client.update_setting({"name": SETTING, "value": "true"})


@pytest.mark.asyncio
async def test_unknown_setting_raises(client: Any, service: ServiceStub) -> None:
    error = {"error": {"code": "InvalidSetting", "message": "no such setting"}}
    service.add(json_response(400, error))
    with pytest.raises(HttpResponseError) as raised:
        await client.get_setting("Nope")
    assert raised.value.status_code == 400
    assert raised.value.error_code == "InvalidSetting"


@pytest.mark.asyncio
async def test_recorded_list_parsed(client: Any, service: ServiceStub) -> None:
    entries = load_recording("test_list_settings")
    service.add(recorded_response(entries[1]))
    settings = [setting async for setting in client.list_settings()]
    recorded = entries[1]["ResponseBody"]["settings"]
    assert [s.name for s in settings] == [item["name"] for item in recorded]
    assert [s.value for s in settings] == [item["value"] for item in recorded]


@pytest.mark.asyncio
async def test_recorded_update_parsed(client: Any, service: ServiceStub) -> None:
    entries = load_recording("test_update_settings")
    service.add(recorded_response(entries[1]), recorded_response(entries[2]))
    fetched = await client.get_setting(SETTING)
    assert fetched.value == entries[1]["ResponseBody"]["value"]
    updated = await client.update_setting(KeyVaultSetting(name=SETTING, value=True))
    assert updated.value == entries[2]["ResponseBody"]["value"]
    assert updated.setting_type == KeyVaultSettingType.BOOLEAN
