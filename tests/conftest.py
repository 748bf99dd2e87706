"""Fixtures shared by the whole test suite."""

import time
from typing import Any, Iterator, List, Optional, Tuple

import pytest
from azure.core.credentials import AccessToken

from azure_keyvault_administration_clone._internal.challenge import CHALLENGE_CACHE

VAULT_URL = "https://myhsm.managedhsm.azure.net"
TENANT_ID = "00000000-0000-0000-0000-000000000000"
CHALLENGE = (
    f'Bearer authorization="https://login.microsoftonline.com/{TENANT_ID}", '
    'resource="https://managedhsm.azure.net"'
)


class FakeCredential:
    """A TokenCredential that returns fixed tokens and records every request."""

    def __init__(self, token: str = "fake-token", lifetime: int = 3600) -> None:
        self.token = token
        self.lifetime = lifetime
        self.requests: List[Tuple[Tuple[str, ...], dict]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.requests.append((scopes, kwargs))
        return AccessToken(
            f"{self.token}-{len(self.requests)}", int(time.time()) + self.lifetime
        )

    def last_tenant(self) -> Optional[str]:
        return self.requests[-1][1].get("tenant_id") if self.requests else None


@pytest.fixture
def credential() -> FakeCredential:
    return FakeCredential()


@pytest.fixture(autouse=True)
def clear_challenge_cache() -> Iterator[None]:
    """Start and end every test with no cached challenge, as a new process would."""
    CHALLENGE_CACHE.clear()
    yield
    CHALLENGE_CACHE.clear()
