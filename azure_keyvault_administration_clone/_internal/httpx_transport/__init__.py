"""azure-core HTTP transports built on httpx.

:class:`HttpxTransport` and :class:`AsyncHttpxTransport` plug into azure-core
pipelines in place of ``RequestsTransport`` and ``AioHttpTransport``. They accept
both ``azure.core.rest.HttpRequest`` and the legacy
``azure.core.pipeline.transport.HttpRequest`` and return the matching response
type.

httpx fixes TLS verification, client certificates and proxies per client, so a
request whose ``connection_verify``, ``connection_cert`` or ``proxies`` keyword
differs from the transport's settings is sent through an extra client. Extra
clients are cached by those settings and closed with the transport.
"""

from ._async import AsyncHttpxTransport
from ._responses import (
    AsyncHttpxStreamDownloadGenerator,
    AsyncHttpxTransportResponse,
    HttpxStreamDownloadGenerator,
    HttpxTransportResponse,
    LegacyAsyncHttpxTransportResponse,
    LegacyHttpxTransportResponse,
)
from ._sync import HttpxTransport

__all__ = [
    "AsyncHttpxStreamDownloadGenerator",
    "AsyncHttpxTransport",
    "AsyncHttpxTransportResponse",
    "HttpxStreamDownloadGenerator",
    "HttpxTransport",
    "HttpxTransportResponse",
    "LegacyAsyncHttpxTransportResponse",
    "LegacyHttpxTransportResponse",
]
