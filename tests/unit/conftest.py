"""Fixtures of the unit tests: a fake credential, a respx-mocked Managed HSM
and a recorder that replaces the transports' sleep."""

from typing import Iterator, List

import pytest
import respx
from azure.core.pipeline.transport import HttpTransport

from azure_keyvault_administration_clone._internal.httpx_transport import HttpxTransport

from .helpers import RECORDED_HOST, VAULT_HOST, FakeCredential, ServiceStub


@pytest.fixture
def credential() -> FakeCredential:
    return FakeCredential()


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch) -> List[float]:
    """Record the durations the transports are asked to sleep, without sleeping."""
    durations: List[float] = []

    def record(self: object, duration: float) -> None:
        durations.append(duration)

    monkeypatch.setattr(HttpxTransport, "sleep", record)
    monkeypatch.setattr(HttpTransport, "sleep", record)
    return durations


@pytest.fixture
def service() -> Iterator[ServiceStub]:
    """Route every request to the vault host (and to the host name of the
    recordings) to one ``ServiceStub``.

    respx keeps ``assert_all_mocked`` on, so a request to any other host
    fails the test instead of leaving the process.
    """
    stub = ServiceStub()
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.route(host=VAULT_HOST).mock(side_effect=stub)
        router.route(host=RECORDED_HOST).mock(side_effect=stub)
        yield stub
