"""pytest fixtures and helpers for replay tests.

Import the fixtures into a test module (or into ``tests/conftest.py``) with
``from replay.fixtures import fresh_challenge_caches, replay_credential``.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import pytest
from azure.core.credentials import AccessToken

from .recording import Recording, Replayer, challenge_tenant, load_recording
from .transport import ReplayTransport

TOKEN_LIFETIME = 3600

# Process-wide challenge caches (module path, attribute holding the cache or
# None when the module itself has a clear() function). Clearing them makes
# each replay start with the recorded 401 challenge.
_CHALLENGE_CACHES = (
    ("azure_keyvault_administration_clone._internal.challenge", "CHALLENGE_CACHE"),
    ("azure.keyvault.keys._shared.http_challenge_cache", None),
    ("azure.keyvault.administration._internal.http_challenge_cache", None),
)


@dataclass(frozen=True)
class TokenRequest:
    """Arguments of one ``get_token`` call."""

    scopes: tuple[str, ...]
    tenant_id: Optional[str]
    claims: Optional[str]
    enable_cae: bool
    options: dict[str, Any]


@dataclass
class RecordingCredential:
    """Credential stub that returns a fixed token and stores each request."""

    token: str = "fake-token"
    requests: list[TokenRequest] = field(default_factory=list)

    def get_token(
        self,
        *scopes: str,
        claims: Optional[str] = None,
        tenant_id: Optional[str] = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        """Store the request and return a token valid for an hour."""
        self.requests.append(
            TokenRequest(tuple(scopes), tenant_id, claims, enable_cae, dict(kwargs))
        )
        return AccessToken(self.token, int(time.time()) + TOKEN_LIFETIME)

    @property
    def scopes(self) -> list[str]:
        """Every scope requested, in order."""
        return [scope for request in self.requests for scope in request.scopes]

    @property
    def tenants(self) -> list[Optional[str]]:
        """Tenant of each token request, in order."""
        return [request.tenant_id for request in self.requests]


@dataclass
class ReplaySession:
    """A recording wired to a replayer, a sync transport and a credential."""

    recording: Recording
    replayer: Replayer
    transport: ReplayTransport
    credential: RecordingCredential

    @property
    def vault_url(self) -> str:
        """Vault URL the recorded test used."""
        return self.recording.origin

    @property
    def served_challenge_tenants(self) -> list[Optional[str]]:
        """Tenants named by the challenges the replayer served."""
        return [challenge_tenant(entry) for entry in self.replayer.served_challenges]


def start_replay(path: Union[str, Path]) -> ReplaySession:
    """Load a recording and build the replayer, transport and credential for it."""
    recording = load_recording(path)
    replayer = Replayer(recording)
    return ReplaySession(
        recording=recording,
        replayer=replayer,
        transport=ReplayTransport(replayer),
        credential=RecordingCredential(),
    )


def clear_challenge_caches() -> list[str]:
    """Clear known process-wide challenge caches and return their module names."""
    cleared = []
    for module_name, attribute in _CHALLENGE_CACHES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        target = getattr(module, attribute) if attribute else module
        clear = getattr(target, "clear", None)
        if callable(clear):
            clear()
            cleared.append(module_name)
    return cleared


@pytest.fixture
def fresh_challenge_caches() -> Iterator[list[str]]:
    """Clear challenge caches before and after the test."""
    cleared = clear_challenge_caches()
    yield cleared
    clear_challenge_caches()


@pytest.fixture
def replay_credential() -> RecordingCredential:
    """A fresh ``RecordingCredential``."""
    return RecordingCredential()
