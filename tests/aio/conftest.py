"""Fixtures of the async tests: an async fake credential and a respx-mocked
Managed HSM that the default httpx transport reaches."""

from typing import Iterator, List

import pytest
import respx

from azure_keyvault_administration_clone._internal.httpx_transport import (
    AsyncHttpxTransport,
)

from .helpers import VAULT_HOST, AsyncFakeCredential, ServiceStub


@pytest.fixture
def async_credential() -> AsyncFakeCredential:
    return AsyncFakeCredential()


@pytest.fixture
def service() -> Iterator[ServiceStub]:
    """Route every request to the vault host to a ``ServiceStub``.

    respx keeps ``assert_all_mocked`` on, so a request to any other host
    fails the test instead of leaving the process.
    """
    stub = ServiceStub()
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.route(host=VAULT_HOST).mock(side_effect=stub)
        yield stub


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> List[float]:
    """Record the durations the httpx transport is asked to sleep, without sleeping."""
    durations: List[float] = []

    async def record_sleep(self: AsyncHttpxTransport, duration: float) -> None:
        durations.append(duration)

    monkeypatch.setattr(AsyncHttpxTransport, "sleep", record_sleep)
    return durations
