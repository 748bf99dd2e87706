"""Cross-cutting wire rules: api-version, bodies, unknown routes, errors, logging."""

from __future__ import annotations

import logging

import httpx
import pytest

from azure_keyvault_administration_clone.emulator import EmulatorHandle
from azure_keyvault_administration_clone.emulator.store import Store

from .support import GOOD_SAS, RBAC, start_backup, wait_for_job

ACCEPTED = [
    "7.2",
    "7.3",
    "7.4",
    "7.5",
    "7.6",
    "7.4-preview.1",
    "7.5-preview.1",
    "7.6-preview.1",
    "7.6-preview.2",
    "2025-07-01",
]


@pytest.mark.parametrize("version", ACCEPTED)
def test_api_version_accepted(client: httpx.Client, version: str) -> None:
    response = client.get(f"/settings?api-version={version}")
    assert response.status_code == 200


@pytest.mark.parametrize("version", ["7.1", "7.7", "2026-01-01-preview", "latest"])
def test_api_version_rejected(client: httpx.Client, version: str) -> None:
    response = client.get(f"{RBAC}/roleDefinitions?api-version={version}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BadParameter"
    assert error["message"].startswith(
        f"The specified version ({version}) is not recognized. Consider using the "
        "latest supported version (2025-07-01)."
    )


def test_api_version_missing(client: httpx.Client) -> None:
    response = client.get("/settings")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadParameter"


def test_keys_accept_older_versions(client: httpx.Client) -> None:
    assert client.get("/keys?api-version=7.1").status_code == 200
    assert client.get("/keys?api-version=6.0").status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'"text"',
        b"\xff\xfe",
        b'{"storageResourceUri": 5}',
        b"[" * 100000,
    ],
    ids=["invalid", "array", "string", "not-utf8", "wrong-type", "deep-nesting"],
)
def test_malformed_body_is_400(client: httpx.Client, body: bytes) -> None:
    response = client.post(
        "/backup?api-version=7.6",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadParameter"


def test_oversized_body_is_413(client: httpx.Client) -> None:
    response = client.put(
        f"{RBAC}/roleDefinitions/4d3f4a3e-0a3b-4f0e-9a5a-6d1e8f2b7c10?api-version=7.6",
        content=b"{" + b" " * (1024 * 1024 + 10) + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "RequestBodyTooLarge"


def test_unknown_route_uses_error_shape(client: httpx.Client) -> None:
    response = client.get("/nothing/here?api-version=7.6")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NotFound"
    wrong_method = client.delete("/settings?api-version=7.6")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "MethodNotAllowed"


def test_unexpected_error_is_500(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(self: Store, name: str) -> None:
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(Store, "get_setting", fail)
    response = client.get("/settings?api-version=7.6")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "InternalError"
    assert "x-ms-request-id" in response.headers


def test_logs_omit_token_and_sas(
    hsm: EmulatorHandle, client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="azure_keyvault_administration_clone")
    token = client.headers["Authorization"].split(" ", 1)[1]
    response = start_backup(client)
    wait_for_job(client, response.headers["azure-asyncoperation"])
    with httpx.Client(base_url=hsm.url, verify=hsm.ssl_context()) as anonymous:
        anonymous.get(
            "/settings?api-version=7.6", headers={"Authorization": "Bearer bogus"}
        )
    emulator_records = [
        record
        for record in caplog.records
        if record.name.startswith("azure_keyvault_administration_clone")
    ]
    messages = [record.getMessage() for record in emulator_records]
    assert any(
        message.startswith("POST /backup 202 principal=" + hsm.principal_id)
        for message in messages
    )
    assert any("started" in message for message in messages)
    assert any("finished: Succeeded" in message for message in messages)
    for message in messages:
        assert token not in message
        assert GOOD_SAS not in message
        assert "sig=" not in message
        assert "bogus" not in message
