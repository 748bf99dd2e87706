"""Constructor handling and constants shared by the sync and async transports."""

from __future__ import annotations

from typing import Any

import httpx
from azure.core.configuration import ConnectionConfiguration

from ._settings import (
    _ClientSettings,
    _normalize_cert,
    _normalize_proxies,
    _normalize_verify,
)

# Extra clients are evicted oldest first beyond this count. The bound only guards
# against callers that pass a new SSLContext or proxy mapping on every request.
_MAX_EXTRA_CLIENTS = 8

_HTTPX_ERRORS = (httpx.HTTPError, httpx.InvalidURL)


class _TransportConfig:
    """Constructor handling shared by the sync and async transports."""

    def __init__(
        self, client: Any, client_owner: bool, use_env_settings: bool, **kwargs: Any
    ) -> None:
        if not client_owner and client is None:
            raise ValueError("client_owner=False requires a client to be passed.")
        self._client_owner = client_owner
        self._trust_env = use_env_settings
        self.connection_config = ConnectionConfiguration(**kwargs)
        self._default_settings = _ClientSettings(
            verify=_normalize_verify(self.connection_config.verify),
            cert=_normalize_cert(self.connection_config.cert),
            proxies=_normalize_proxies(kwargs.get("proxies")),
        )

    def _block_size(self) -> int:
        return int(self.connection_config.data_block_size)
