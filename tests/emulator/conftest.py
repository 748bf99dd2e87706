"""Fixtures that run the emulator in-process and talk to it over real HTTPS."""

from __future__ import annotations

from typing import Iterator

import httpx
import pytest

from azure_keyvault_administration_clone.emulator import EmulatorHandle, start_emulator

from .support import JOB_SECONDS, make_client


@pytest.fixture
def hsm() -> Iterator[EmulatorHandle]:
    """An in-memory emulator with short jobs, stopped after the test."""
    with start_emulator(job_seconds=JOB_SECONDS) as handle:
        yield handle


@pytest.fixture
def client(hsm: EmulatorHandle) -> Iterator[httpx.Client]:
    """A client acting as the bootstrap principal."""
    with make_client(hsm) as http:
        yield http


@pytest.fixture
def anonymous(hsm: EmulatorHandle) -> Iterator[httpx.Client]:
    """A client that sends no Authorization header."""
    with httpx.Client(base_url=hsm.url, verify=hsm.ssl_context(), timeout=10) as http:
        yield http
