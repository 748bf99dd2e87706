"""Fixtures of the integration tests: emulators on 127.0.0.1 and their credentials.

Every client in these tests talks HTTPS to an in-process emulator. Credentials
are azure-identity's ``ManagedIdentityCredential`` reading the emulator's
identity endpoint from the environment, or :class:`HandleCredential`, which
mints tokens from the handle without any request.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Iterator, List

import pytest
from azure.core.credentials import AccessToken

from azure_keyvault_administration_clone.emulator import EmulatorHandle, start_emulator

#: Duration of every backup or restore job of the shared emulators, in seconds.
JOB_SECONDS = 0.2
#: Seconds between job status polls. The emulators send ``Retry-After: 0`` with
#: the 202 response, so the first poll is immediate and later ones wait this long.
POLLING_INTERVAL = 0.1
#: A SAS query that the emulator accepts, because ``sv`` and ``sig`` are present.
SAS_TOKEN = "sv=2023-01-03&ss=b&srt=co&sp=rwdlac&se=2099-01-01T00:00:00Z&sig=c2ln"
#: A SAS query whose signature must never appear in a log.
SECRET_SAS_TOKEN = "sv=2023-01-03&sp=rwdlac&sig=integrationSecretSignature"
SECRET_SIGNATURE = "integrationSecretSignature"
#: A SAS query without ``sig``, which makes every job fail.
UNSIGNED_SAS_TOKEN = "sv=2023-01-03&ss=b&srt=co&sp=rwdlac&se=2099-01-01T00:00:00Z"
#: Storage account (host) and container of the backups. The emulator maps the
#: URL to a local folder and never connects to it.
STORAGE_ACCOUNT = "127.0.0.1_10000"
CONTAINER_URL = "https://127.0.0.1:10000/backups"
SETTING_NAME = "AllowKeyManagementOperationsThroughARM"
ROLE_ID_PREFIX = "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/"
ADMINISTRATOR_NAME = "a290e904-7015-4bba-90c8-60543313cdb4"
ADMINISTRATOR_ID = ROLE_ID_PREFIX + ADMINISTRATOR_NAME
CRYPTO_AUDITOR_ID = ROLE_ID_PREFIX + "2c18b078-7c48-4d3a-af88-5a3a1b3f82b3"
EMULATOR_LOGGER = "azure_keyvault_administration_clone.emulator"
#: Maximum median duration of a request on loopback, in seconds. A response
#: that waits for a delayed TCP ACK takes 40 ms or more on Linux. A prompt one
#: took about 2 ms on the Linux container these tests were written on.
MAX_MEDIAN_REQUEST_SECONDS = 0.02


class HandleCredential:
    """Sync credential that mints tokens for one principal of an emulator.

    :ivar tokens: Every token returned, in order.
    :ivar expired_first: Number of leading tokens that the emulator rejects as
        expired, although their ``expires_on`` is an hour ahead.
    """

    def __init__(
        self, handle: EmulatorHandle, principal_id: str = "", expired_first: int = 0
    ) -> None:
        self.handle = handle
        self.principal_id = principal_id or handle.principal_id
        self.expired_first = expired_first
        self.tokens: List[str] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        lifetime = -60 if len(self.tokens) < self.expired_first else 3600
        token = self.handle.token(self.principal_id, lifetime=lifetime)
        self.tokens.append(token)
        return AccessToken(token, int(time.time()) + 3600)


class AsyncHandleCredential(HandleCredential):
    """Async twin of :class:`HandleCredential`."""

    async def get_token(  # type: ignore[override]
        self, *scopes: str, **kwargs: Any
    ) -> AccessToken:
        return HandleCredential.get_token(self, *scopes, **kwargs)

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> AsyncHandleCredential:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None


def use_emulator_env(monkeypatch: pytest.MonkeyPatch, handle: EmulatorHandle) -> None:
    """Set the variables the command-line emulator exports, for azure-identity."""
    for name, value in handle.env.items():
        monkeypatch.setenv(name, value)
    # Variables of other managed identity sources take precedence over
    # IDENTITY_ENDPOINT in azure-identity, so none may leak in from the shell.
    for name in ("MSI_ENDPOINT", "MSI_SECRET", "IDENTITY_SERVER_THUMBPRINT"):
        monkeypatch.delenv(name, raising=False)


def backup_folders(handle: EmulatorHandle) -> List[Path]:
    """Return the backup folders in :data:`CONTAINER_URL`, sorted by name."""
    container = handle.blob_root / STORAGE_ACCOUNT / "backups"
    if not container.is_dir():
        return []
    return sorted(path for path in container.iterdir() if path.is_dir())


def accepted_backup_posts(caplog: pytest.LogCaptureFixture) -> List[str]:
    """Return the emulator's request log lines of accepted ``POST /backup``.

    The bodiless 401 probe of the challenge policy is left out, because it
    starts no job.
    """
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith(EMULATOR_LOGGER)
        and record.getMessage().startswith("POST /backup 202 ")
    ]


@pytest.fixture(scope="module")
def hsm() -> Iterator[EmulatorHandle]:
    """An in-memory emulator with short jobs, shared by the tests of one module."""
    with start_emulator(job_seconds=JOB_SECONDS, retry_after=0) as handle:
        yield handle


@pytest.fixture
def fresh_hsm() -> Iterator[EmulatorHandle]:
    """An in-memory emulator with default state, stopped after the test."""
    with start_emulator(job_seconds=JOB_SECONDS, retry_after=0) as handle:
        yield handle


@pytest.fixture
def slow_hsm() -> Iterator[EmulatorHandle]:
    """An emulator whose jobs run 1.5 s, long enough to resume one mid-way."""
    with start_emulator(job_seconds=1.5, retry_after=0) as handle:
        yield handle


@pytest.fixture
def hsm_env(hsm: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> EmulatorHandle:
    """The shared emulator, with its exported variables set for this test."""
    use_emulator_env(monkeypatch, hsm)
    return hsm


@pytest.fixture
def emulator_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture the emulator's INFO request log, one record per request."""
    caplog.set_level(logging.INFO, logger=EMULATOR_LOGGER)
    return caplog
