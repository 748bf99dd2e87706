"""Keys data plane over plain HTTPS and through azure-keyvault-keys' KeyClient."""

from __future__ import annotations

import httpx
import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.identity import ManagedIdentityCredential
from azure.keyvault.keys import KeyClient

from azure_keyvault_administration_clone.emulator import EmulatorHandle

from .support import API

KEYS_API = "api-version=2025-07-01"


@pytest.fixture
def key_client(hsm: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> KeyClient:
    for name, value in hsm.env.items():
        monkeypatch.setenv(name, value)
    return KeyClient(
        hsm.url, ManagedIdentityCredential(), verify_challenge_resource=False
    )


def test_key_client_lifecycle(hsm: EmulatorHandle, key_client: KeyClient) -> None:
    rsa_key = key_client.create_rsa_key("rsa-key", size=3072)
    assert rsa_key.key_type == "RSA-HSM"
    assert rsa_key.id.startswith(f"{hsm.url}/keys/rsa-key/")
    modulus = rsa_key.key.n  # type: ignore[attr-defined]
    assert len(modulus) == 384
    ec_key = key_client.create_ec_key("ec-key", curve="P-384")
    assert ec_key.key.crv == "P-384"  # type: ignore[attr-defined]
    assert len(ec_key.key.x) == 48  # type: ignore[attr-defined]

    fetched = key_client.get_key("rsa-key")
    assert fetched.id == rsa_key.id
    assert fetched.key.n == modulus  # type: ignore[attr-defined]
    names = sorted(item.name for item in key_client.list_properties_of_keys())
    assert names == ["ec-key", "rsa-key"]

    deleted = key_client.begin_delete_key("rsa-key").result()
    assert deleted.recovery_id == f"{hsm.url}/deletedkeys/rsa-key"
    assert deleted.deleted_date is not None
    assert key_client.get_deleted_key("rsa-key").name == "rsa-key"
    with pytest.raises(ResourceNotFoundError):
        key_client.get_key("rsa-key")
    key_client.purge_deleted_key("rsa-key")
    with pytest.raises(ResourceNotFoundError):
        key_client.get_deleted_key("rsa-key")
    assert [item.name for item in key_client.list_properties_of_keys()] == ["ec-key"]


def test_key_client_forbidden_principal(
    hsm: EmulatorHandle, key_client: KeyClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_client.create_ec_key("ec-key")
    outsider = KeyClient(
        hsm.url,
        ManagedIdentityCredential(client_id="outsider"),
        verify_challenge_resource=False,
    )
    with pytest.raises(HttpResponseError) as raised:
        outsider.get_key("ec-key")
    assert raised.value.status_code == 403


def test_create_key_types(client: httpx.Client) -> None:
    expected = {"RSA": "RSA-HSM", "EC-HSM": "EC-HSM", "oct-HSM": "oct-HSM"}
    for kty, reported in expected.items():
        response = client.post(f"/keys/k-{kty}/create?{KEYS_API}", json={"kty": kty})
        assert response.status_code == 200, response.text
        key = response.json()["key"]
        assert key["kty"] == reported
        if reported == "oct-HSM":
            assert "k" not in key


def test_create_key_validation(client: httpx.Client) -> None:
    for body in (
        {},
        {"kty": "DSA"},
        {"kty": "RSA", "key_size": 1024},
        {"kty": "RSA", "key_size": "2048"},
        {"kty": "EC", "crv": "P-999"},
        {"kty": "EC", "attributes": {"enabled": "yes"}},
        {"kty": "EC", "tags": {"a": 1}},
    ):
        response = client.post(f"/keys/k1/create?{KEYS_API}", json=body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "BadParameter"
    assert (
        client.post(f"/keys/bad_name/create?{KEYS_API}", json={"kty": "EC"}).status_code
        == 400
    )


def test_key_versions_and_recover(client: httpx.Client) -> None:
    first = client.post(f"/keys/k1/create?{API}", json={"kty": "EC"}).json()
    second = client.post(f"/keys/k1/create?{API}", json={"kty": "EC"}).json()
    old_version = first["key"]["kid"].rsplit("/", 1)[-1]
    assert client.get(f"/keys/k1/{old_version}?{API}").json()["key"] == first["key"]
    assert client.get(f"/keys/k1/?{API}").json()["key"] == second["key"]
    versions = client.get(f"/keys/k1/versions?{API}").json()["value"]
    assert len(versions) == 2

    client.delete(f"/keys/k1?{API}")
    reuse = client.post(f"/keys/k1/create?{API}", json={"kty": "EC"})
    assert reuse.status_code == 409
    deleted = client.get(f"/deletedkeys?{API}").json()["value"]
    assert [item["recoveryId"].rsplit("/", 1)[-1] for item in deleted] == ["k1"]
    recovered = client.post(f"/deletedkeys/k1/recover?{API}")
    assert recovered.status_code == 200
    assert client.get(f"/keys/K1?{API}").json()["key"] == second["key"]


def test_purge_requires_deleted_key(client: httpx.Client) -> None:
    client.post(f"/keys/k1/create?{API}", json={"kty": "EC"})
    assert client.delete(f"/deletedkeys/k1?{API}").status_code == 404
    client.delete(f"/keys/k1?{API}")
    purged = client.delete(f"/deletedkeys/k1?{API}")
    assert purged.status_code == 204
    assert purged.content == b""
