"""Bearer challenge, token validation and the managed identity endpoint."""

from __future__ import annotations

import httpx
import jwt
import pytest

from azure_keyvault_administration_clone.emulator import EmulatorHandle

from .support import API, RBAC, make_client


def assert_challenge(response: httpx.Response, hsm: EmulatorHandle) -> None:
    assert response.status_code == 401
    assert response.content == b""
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["www-authenticate"] == (
        f'Bearer authorization="https://login.microsoftonline.com/{hsm.tenant_id}", '
        f'resource="{hsm.url}"'
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{RBAC}/roleDefinitions?{API}"),
        ("POST", f"/backup?{API}"),
        ("PUT", f"/restore?{API}"),
        ("PUT", f"{RBAC}/roleAssignments/x?{API}"),
        ("PATCH", f"/settings/AllowKeyManagementOperationsThroughARM?{API}"),
        ("POST", "/keys/k1/create?api-version=2025-07-01"),
        ("GET", "/settings"),
        ("GET", "/backup/0123/pending"),
    ],
)
def test_challenge_for_bodiless_request(
    hsm: EmulatorHandle, anonymous: httpx.Client, method: str, path: str
) -> None:
    response = anonymous.request(
        method,
        path,
        headers={"Content-Type": "application/json", "Content-Length": "0"},
    )
    assert_challenge(response, hsm)


def test_challenge_precedes_body_validation(
    hsm: EmulatorHandle, anonymous: httpx.Client
) -> None:
    response = anonymous.post("/backup?api-version=1.0", content=b"{not json")
    assert_challenge(response, hsm)


def test_challenge_for_invalid_tokens(
    hsm: EmulatorHandle, anonymous: httpx.Client
) -> None:
    path = f"/settings?{API}"
    foreign = hsm.token(audience="https://vault.azure.net")
    bad_signature = hsm.token()[:-4] + "AAAA"
    for header in (
        "Bearer not-a-jwt",
        f"Bearer {foreign}",
        f"Bearer {bad_signature}",
        f"Basic {hsm.token()}",
    ):
        assert_challenge(anonymous.get(path, headers={"Authorization": header}), hsm)


def test_expired_token_rejected(hsm: EmulatorHandle, anonymous: httpx.Client) -> None:
    expired = hsm.token(lifetime=-60)
    response = anonymous.get(
        f"/settings?{API}", headers={"Authorization": f"Bearer {expired}"}
    )
    assert_challenge(response, hsm)


def test_service_audience_accepted(
    hsm: EmulatorHandle, anonymous: httpx.Client
) -> None:
    token = hsm.token(audience="https://managedhsm.azure.net")
    response = anonymous.get(
        f"/settings?{API}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200


def test_localhost_origin_in_challenge(hsm: EmulatorHandle) -> None:
    url = hsm.url.replace("127.0.0.1", "localhost")
    with httpx.Client(base_url=url, verify=hsm.ssl_context()) as http:
        response = http.get(f"/settings?{API}")
    assert response.status_code == 401
    assert f'resource="{url}"' in response.headers["www-authenticate"]


def test_identity_endpoint_response_shape(hsm: EmulatorHandle) -> None:
    with httpx.Client(verify=hsm.ssl_context()) as http:
        response = http.get(
            hsm.identity_endpoint,
            params={"api-version": "2019-08-01", "resource": hsm.url},
            headers={"X-IDENTITY-HEADER": hsm.identity_header},
        )
    assert response.status_code == 200
    body = response.json()
    assert sorted(body) == [
        "access_token",
        "client_id",
        "expires_on",
        "resource",
        "token_type",
    ]
    assert body["resource"] == hsm.url
    assert body["token_type"] == "Bearer"
    assert int(body["expires_on"]) > 0
    with make_client(hsm) as http:
        check = http.get(
            f"/settings?{API}",
            headers={"Authorization": f"Bearer {body['access_token']}"},
        )
    assert check.status_code == 200


def test_identity_endpoint_rejects_wrong_secret(hsm: EmulatorHandle) -> None:
    with httpx.Client(verify=hsm.ssl_context()) as http:
        response = http.get(
            hsm.identity_endpoint,
            params={"api-version": "2019-08-01", "resource": hsm.url},
            headers={"X-IDENTITY-HEADER": "wrong"},
        )
    assert response.status_code == 401
    assert "access_token" not in response.json()


def test_identity_endpoint_requires_api_version(hsm: EmulatorHandle) -> None:
    with httpx.Client(verify=hsm.ssl_context()) as http:
        response = http.get(
            hsm.identity_endpoint,
            params={"resource": hsm.url},
            headers={"X-IDENTITY-HEADER": hsm.identity_header},
        )
    assert response.status_code == 400


def test_managed_identity_credential_gets_token(
    hsm: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in hsm.env.items():
        monkeypatch.setenv(name, value)
    from azure.identity import ManagedIdentityCredential

    credential = ManagedIdentityCredential()
    token = credential.get_token(hsm.url + "/.default")
    claims = jwt.decode(token.token, options={"verify_signature": False})
    assert claims["oid"] == hsm.principal_id
    assert claims["tid"] == hsm.tenant_id


def test_default_credential_gets_token(
    hsm: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in hsm.env.items():
        monkeypatch.setenv(name, value)
    for name in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    from azure.identity import DefaultAzureCredential

    credential = DefaultAzureCredential()
    token = credential.get_token(hsm.url + "/.default")
    with make_client(hsm) as http:
        response = http.get(
            f"/settings?{API}", headers={"Authorization": f"Bearer {token.token}"}
        )
    assert response.status_code == 200


def test_client_id_selects_principal(
    hsm: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in hsm.env.items():
        monkeypatch.setenv(name, value)
    from azure.identity import ManagedIdentityCredential

    credential = ManagedIdentityCredential(client_id="principal-without-roles")
    token = credential.get_token(hsm.url + "/.default")
    claims = jwt.decode(token.token, options={"verify_signature": False})
    assert claims["oid"] == "principal-without-roles"
