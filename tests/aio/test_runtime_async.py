"""Runtime needs of the async clients: dependencies, aiohttp-free operation
and clean shutdown without resource warnings."""

import asyncio
import gc
import importlib.metadata
import re
import subprocess
import sys
import textwrap
import warnings
from typing import Any, Iterator, List

import pytest

from azure_keyvault_administration_clone._internal.httpx_transport import (
    AsyncHttpxTransport,
)
from azure_keyvault_administration_clone.aio import (
    KeyVaultAccessControlClient,
    KeyVaultBackupClient,
    KeyVaultSettingsClient,
)

from .helpers import VAULT_URL, AsyncFakeCredential, ServiceStub, json_response

DISTRIBUTION = "azure-keyvault-administration-clone"
SETTING_BODY = {"name": "A", "type": "boolean", "value": "true"}


def requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match is not None, requirement
    return match.group(0).lower().replace("_", "-")


def base_requirements() -> List[str]:
    """Return the names of the requirements that no extra guards."""
    names = []
    for requirement in importlib.metadata.requires(DISTRIBUTION) or []:
        _, _, marker = requirement.partition(";")
        if "extra" not in marker:
            names.append(requirement_name(requirement))
    return names


@pytest.mark.parametrize("name", ["httpx", "azure-core"])
def test_async_runtime_is_base_dependency(name: str) -> None:
    assert name in base_requirements()


def test_aiohttp_not_required() -> None:
    requirements = importlib.metadata.requires(DISTRIBUTION) or []
    assert [r for r in requirements if requirement_name(r) == "aiohttp"] == []


BLOCKED_AIOHTTP_SCRIPT = textwrap.dedent(
    """
    import asyncio
    import sys
    import time

    class BlockAiohttp:
        def find_spec(self, name, path=None, target=None):
            if name == "aiohttp" or name.startswith("aiohttp."):
                raise ImportError("aiohttp is blocked by the test")
            return None

    sys.meta_path.insert(0, BlockAiohttp())

    import httpx
    import respx
    from azure.core.credentials import AccessToken

    from azure_keyvault_administration_clone.aio import KeyVaultSettingsClient

    CHALLENGE = (
        'Bearer authorization="https://login.microsoftonline.com/tenant", '
        'resource="https://managedhsm.azure.net"'
    )

    class Credential:
        async def get_token(self, *scopes, **kwargs):
            return AccessToken("token", int(time.time()) + 3600)

    def respond(request):
        if "Authorization" not in request.headers:
            return httpx.Response(401, headers={"WWW-Authenticate": CHALLENGE})
        body = {"name": "A", "type": "boolean", "value": "true"}
        return httpx.Response(200, json=body)

    async def main():
        with respx.mock(assert_all_mocked=True) as router:
            router.route(host="myhsm.managedhsm.azure.net").mock(side_effect=respond)
            async with KeyVaultSettingsClient(
                "https://myhsm.managedhsm.azure.net", Credential()
            ) as client:
                setting = await client.get_setting("A")
        sys.stdout.write(f"{setting.name}={setting.value}\\n")
        sys.stdout.write(f"aiohttp loaded: {'aiohttp' in sys.modules}\\n")

    asyncio.run(main())
    """
)


def test_async_call_without_aiohttp() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", BLOCKED_AIOHTTP_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == ["A=true", "aiohttp loaded: False"]


def test_blocked_import_really_fails() -> None:
    # Guards the test above: the finder makes "import aiohttp" raise.
    script = BLOCKED_AIOHTTP_SCRIPT.split("import httpx", 1)[0] + "import aiohttp\n"
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert completed.returncode != 0
    assert "aiohttp is blocked by the test" in completed.stderr


@pytest.mark.parametrize(
    "client_type",
    [KeyVaultAccessControlClient, KeyVaultBackupClient, KeyVaultSettingsClient],
)
def test_default_transport_is_httpx(client_type: Any) -> None:
    client = client_type(VAULT_URL, AsyncFakeCredential())
    assert isinstance(client._client._pipeline._transport, AsyncHttpxTransport)


@pytest.fixture
def recorded_warnings() -> Iterator[List[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def unclosed_warnings(caught: List[warnings.WarningMessage]) -> List[str]:
    return [
        str(warning.message)
        for warning in caught
        if issubclass(warning.category, ResourceWarning)
        or "unclosed" in str(warning.message).lower()
    ]


@pytest.mark.asyncio
async def test_context_managers_close_transport(
    service: ServiceStub, recorded_warnings: List[warnings.WarningMessage]
) -> None:
    service.add(json_response(200, SETTING_BODY))
    async with AsyncFakeCredential() as credential:
        async with KeyVaultSettingsClient(VAULT_URL, credential) as client:
            await client.get_setting("A")
            transport = client._client._pipeline._transport
            httpx_client = transport.client
            assert httpx_client is not None
            assert not httpx_client.is_closed
    assert httpx_client.is_closed
    assert credential.closed
    del client, transport, httpx_client
    gc.collect()
    await asyncio.sleep(0)
    assert unclosed_warnings(recorded_warnings) == []


@pytest.mark.asyncio
async def test_close_closes_transport(
    service: ServiceStub, recorded_warnings: List[warnings.WarningMessage]
) -> None:
    service.add(json_response(200, SETTING_BODY))
    client = KeyVaultSettingsClient(VAULT_URL, AsyncFakeCredential())
    await client.get_setting("A")
    httpx_client = client._client._pipeline._transport.client
    await client.close()
    assert httpx_client.is_closed
    del client, httpx_client
    gc.collect()
    assert unclosed_warnings(recorded_warnings) == []
