"""Replay of recorded Managed HSM traffic for tests.

``Replayer`` serves the entries of test-proxy recordings in order.
``ReplayTransport`` and ``AsyncReplayTransport`` plug it into azure-core
pipelines, and ``ReplayServer`` serves it over HTTPS on a loopback address.
"""

from .recording import (
    MISMATCH_STATUS,
    ReceivedRequest,
    RecordedEntry,
    Recording,
    Replayer,
    ReplayResponse,
    challenge_tenant,
    load_recording,
    normalize_path,
    route_shape,
)
from .transport import AsyncReplayTransport, ReplayTransport

__all__ = [
    "MISMATCH_STATUS",
    "AsyncReplayTransport",
    "ReceivedRequest",
    "RecordedEntry",
    "Recording",
    "ReplayResponse",
    "ReplayServer",
    "ReplayTransport",
    "Replayer",
    "challenge_tenant",
    "load_recording",
    "normalize_path",
    "route_shape",
]


def __getattr__(name: str) -> object:
    # The server pulls in ssl and cryptography, so it loads on first use.
    if name == "ReplayServer":
        from .server import ReplayServer

        return ReplayServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
