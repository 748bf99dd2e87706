"""KeyVaultSettingsClient and KeyVaultSetting: requests on the wire, parsing of
recorded responses, value handling and errors."""

from typing import Any

import azure.keyvault.administration as original
import httpx
import pytest
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
)

from azure_keyvault_administration_clone import (
    KeyVaultSetting,
    KeyVaultSettingsClient,
    KeyVaultSettingType,
)

from .helpers import (
    JSON,
    VAULT_URL,
    ServiceStub,
    body_of,
    json_response,
    load_recording,
    query_of,
    recorded_entry,
    recorded_response,
)

ARM_SETTING = "AllowKeyManagementOperationsThroughARM"


@pytest.fixture
def client(credential: Any) -> KeyVaultSettingsClient:
    return KeyVaultSettingsClient(VAULT_URL, credential)


def setting_json(value: str = "false") -> dict:
    return {"name": ARM_SETTING, "type": "boolean", "value": value}


# Requests on the wire


def test_get_setting_request_shape(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, setting_json()))

    client.get_setting(ARM_SETTING)
    request = service.requests[0]

    assert request.method == "GET"
    assert request.url.path == f"/settings/{ARM_SETTING}"
    assert query_of(request.url) == {"api-version": ["7.6"]}
    assert request.headers["Accept"] == JSON
    assert "Content-Type" not in request.headers


def test_get_setting_encodes_name(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, setting_json()))

    client.get_setting("a b/c")

    assert (
        service.requests[0].url.raw_path.decode()
        == "/settings/a%20b%2Fc?api-version=7.6"
    )


def test_list_settings_request_shape(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, {"settings": []}))

    list(client.list_settings())
    request = service.requests[0]

    assert request.method == "GET"
    assert request.url.path == "/settings"
    assert query_of(request.url) == {"api-version": ["7.6"]}
    assert request.headers["Accept"] == JSON


@pytest.mark.parametrize(
    ("value", "setting_type", "wire_value"),
    [
        (True, None, "true"),
        (False, None, "false"),
        ("true", None, "true"),
        ("TRUE", "boolean", "true"),
        ("False", KeyVaultSettingType.BOOLEAN, "false"),
        ("Mixed Case", None, "Mixed Case"),
    ],
)
def test_update_setting_sends_value(
    client: Any, service: ServiceStub, value: Any, setting_type: Any, wire_value: str
) -> None:
    service.add(json_response(200, setting_json(wire_value)))

    client.update_setting(
        KeyVaultSetting(name=ARM_SETTING, value=value, setting_type=setting_type)
    )
    request = service.requests[0]

    assert request.method == "PATCH"
    assert request.url.path == f"/settings/{ARM_SETTING}"
    assert query_of(request.url) == {"api-version": ["7.6"]}
    assert request.headers["Content-Type"] == JSON
    assert request.headers["Accept"] == JSON
    assert body_of(request) == {"value": wire_value}


def test_update_setting_returns_service_value(
    client: Any, service: ServiceStub
) -> None:
    service.add(json_response(200, setting_json("false")))

    updated = client.update_setting(KeyVaultSetting(name=ARM_SETTING, value=True))

    assert updated.value == "false"
    assert updated.getboolean() is False


# Recorded responses


def test_recorded_list_parsed(client: Any, service: ServiceStub) -> None:
    entries = load_recording("python", "test_list_settings")
    entry = recorded_entry(entries, "GET", "/settings", 200)
    service.add(recorded_response(entry))

    settings = list(client.list_settings())
    wire_items = entry["ResponseBody"]["settings"]

    assert len(settings) == len(wire_items)
    for setting, wire in zip(settings, wire_items):
        assert setting.name == wire["name"]
        assert setting.value == wire["value"]
        assert setting.setting_type == KeyVaultSettingType.BOOLEAN
        assert setting.getboolean() is (wire["value"] == "true")


def test_recorded_js_list_parsed(client: Any, service: ServiceStub) -> None:
    entries = load_recording("js", "getsettings_lists_all_settings")
    entry = recorded_entry(entries, "GET", "/settings", 200)
    service.add(recorded_response(entry))

    settings = list(client.list_settings())

    assert [setting.name for setting in settings] == [ARM_SETTING]
    assert settings[0].getboolean() is True


def test_recorded_get_parsed(client: Any, service: ServiceStub) -> None:
    entries = load_recording("python", "test_update_settings")
    entry = recorded_entry(entries, "GET", f"/settings/{ARM_SETTING}", 200)
    service.add(recorded_response(entry))

    setting = client.get_setting(ARM_SETTING)

    assert setting.name == entry["ResponseBody"]["name"]
    assert setting.value == entry["ResponseBody"]["value"]
    assert setting.setting_type == "boolean"
    assert setting.getboolean() is False


@pytest.mark.parametrize("index", [0, 1])
def test_recorded_update_parsed(client: Any, service: ServiceStub, index: int) -> None:
    entries = load_recording("python", "test_update_settings")
    entry = recorded_entry(
        entries, "PATCH", f"/settings/{ARM_SETTING}", 200, index=index
    )
    service.add(recorded_response(entry))
    wire_value = entry["ResponseBody"]["value"]

    updated = client.update_setting(
        KeyVaultSetting(name=ARM_SETTING, value=wire_value == "true")
    )

    assert body_of(service.requests[0]) == {"value": wire_value}
    assert updated.value == wire_value
    assert updated.getboolean() is (wire_value == "true")


# Null or missing fields


def test_setting_without_type_parsed(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, {"name": "Other", "value": "abc"}))

    setting = client.get_setting("Other")

    assert setting.name == "Other"
    assert setting.value == "abc"
    assert setting.setting_type is None


def test_setting_null_value_parsed(client: Any, service: ServiceStub) -> None:
    service.add(json_response(200, {"name": ARM_SETTING, "value": None, "type": None}))

    setting = client.get_setting(ARM_SETTING)

    assert setting.name == ARM_SETTING
    assert setting.value == ""
    assert setting.setting_type is None


@pytest.mark.parametrize("body", [{}, {"settings": None}, {"settings": [None]}])
def test_list_sparse_body_tolerated(
    client: Any, service: ServiceStub, body: dict
) -> None:
    service.add(json_response(200, body))

    assert list(client.list_settings()) == []


def test_list_empty_body_tolerated(client: Any, service: ServiceStub) -> None:
    service.add(httpx.Response(200))

    assert list(client.list_settings()) == []


# Errors


def test_unknown_setting_raises_400(client: Any, service: ServiceStub) -> None:
    message = (
        "Invalid setting name. Please check the spelling of the setting name "
        "to update. (Activity ID: 1)"
    )
    service.add(
        json_response(400, {"error": {"code": "InvalidSetting", "message": message}})
    )

    with pytest.raises(HttpResponseError) as caught:
        client.get_setting("Unknown")

    assert type(caught.value) is HttpResponseError
    assert "InvalidSetting" in str(caught.value)
    assert message in str(caught.value)


def test_update_not_found_raises(client: Any, service: ServiceStub) -> None:
    service.add(json_response(404, {"error": {"code": "NotFound", "message": "gone"}}))

    with pytest.raises(ResourceNotFoundError) as caught:
        client.update_setting(KeyVaultSetting(name="x", value="y"))

    assert "gone" in str(caught.value)


def test_list_unauthorized_raises(client: Any, service: ServiceStub) -> None:
    service.add(
        json_response(401, {"error": {"code": "Unauthorized", "message": "no access"}})
    )

    with pytest.raises(ClientAuthenticationError) as caught:
        list(client.list_settings())

    assert "Unauthorized" in str(caught.value)


# KeyVaultSetting against the original model


@pytest.mark.parametrize(
    ("value", "setting_type"),
    [
        (True, None),
        (False, None),
        ("true", None),
        ("TRUE", "boolean"),
        ("TRUE", "BOOLEAN"),
        ("x", "string"),
        ("x", None),
        ("False", KeyVaultSettingType.BOOLEAN),
    ],
)
def test_setting_fields_match_original(value: Any, setting_type: Any) -> None:
    expected = original.KeyVaultSetting(
        name="n", value=value, setting_type=setting_type
    )
    actual = KeyVaultSetting(name="n", value=value, setting_type=setting_type)

    assert actual.name == expected.name
    assert actual.value == expected.value
    assert actual.setting_type == expected.setting_type


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("false", False)])
def test_getboolean_reads_value(value: str, expected: bool) -> None:
    assert (
        KeyVaultSetting(name="n", value=value, setting_type="boolean").getboolean()
        is expected
    )


@pytest.mark.parametrize(
    ("value", "setting_type"),
    [("yes", "boolean"), ("true", None), ("true", "string")],
)
def test_getboolean_rejects_non_boolean(value: str, setting_type: Any) -> None:
    with pytest.raises(ValueError) as caught:
        KeyVaultSetting(name="n", value=value, setting_type=setting_type).getboolean()

    assert "'n'" in str(caught.value)
    assert repr(value) in str(caught.value)


def test_setting_repr_names_fields() -> None:
    text = repr(KeyVaultSetting(name=ARM_SETTING, value=True))

    assert text.startswith("KeyVaultSetting(")
    assert f"name='{ARM_SETTING}'" in text
    assert "value='true'" in text
    assert "boolean" in text


def test_setting_repr_is_bounded() -> None:
    assert len(repr(KeyVaultSetting(name="n", value="v" * 5000))) <= 1024


def test_setting_type_equals_original() -> None:
    expected = {member.name: member.value for member in original.KeyVaultSettingType}

    assert {member.name: member.value for member in KeyVaultSettingType} == expected
