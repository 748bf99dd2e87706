"""Account settings: list, get, update and their error codes."""

from __future__ import annotations

import httpx
import pytest

from azure_keyvault_administration_clone.emulator import EmulatorHandle

from .support import API, make_client

SETTING = "AllowKeyManagementOperationsThroughARM"


def test_list_settings_default(client: httpx.Client) -> None:
    response = client.get(f"/settings?{API}")
    assert response.status_code == 200
    assert response.text == (
        '{"settings":[{"name":"AllowKeyManagementOperationsThroughARM",'
        '"type":"boolean","value":"false"}]}'
    )


def test_update_and_get_setting(client: httpx.Client) -> None:
    updated = client.patch(f"/settings/{SETTING}?{API}", json={"value": "true"})
    assert updated.status_code == 200
    assert updated.json() == {"name": SETTING, "type": "boolean", "value": "true"}
    fetched = client.get(f"/settings/{SETTING}?{API}")
    assert fetched.json()["value"] == "true"
    listed = client.get(f"/settings?{API}").json()["settings"]
    assert listed[0]["value"] == "true"


def test_unknown_setting_is_400(client: httpx.Client) -> None:
    for response in (
        client.get(f"/settings/NoSuchSetting?{API}"),
        client.patch(f"/settings/NoSuchSetting?{API}", json={"value": "true"}),
    ):
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "InvalidSetting"
        assert error["message"].startswith("Invalid setting name.")


def test_patch_without_body(client: httpx.Client) -> None:
    response = client.patch(
        f"/settings/{SETTING}?{API}", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "Nocontentprovided"
    assert response.json()["error"]["message"].startswith(
        "No content provided (Activity ID: "
    )


@pytest.mark.parametrize("value", ["True", "yes", "", True, 1, None])
def test_patch_rejects_invalid_value(client: httpx.Client, value: object) -> None:
    response = client.patch(f"/settings/{SETTING}?{API}", json={"value": value})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadParameter"
    assert client.get(f"/settings/{SETTING}?{API}").json()["value"] == "false"


def test_settings_need_administrator(hsm: EmulatorHandle) -> None:
    with make_client(hsm, "nobody") as http:
        response = http.patch(f"/settings/{SETTING}?{API}", json={"value": "true"})
    assert response.status_code == 403
    assert "settings/write/action" in response.json()["error"]["message"]
