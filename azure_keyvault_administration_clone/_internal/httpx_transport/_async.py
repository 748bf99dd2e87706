"""Asynchronous azure-core transport built on ``httpx.AsyncClient``."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterable
from types import TracebackType
from typing import Any, Optional, Type, Union, cast, overload

import httpx
from azure.core.pipeline.transport import AsyncHttpResponse as LegacyAsyncHttpResponse
from azure.core.pipeline.transport import AsyncHttpTransport
from azure.core.pipeline.transport import HttpRequest as LegacyHttpRequest
from azure.core.rest import AsyncHttpResponse as RestAsyncHttpResponse
from azure.core.rest import HttpRequest as RestHttpRequest

from ._base import _HTTPX_ERRORS, _MAX_EXTRA_CLIENTS, _TransportConfig
from ._bodies import _async_body, _request_headers
from ._errors import _send_error
from ._responses import AsyncHttpxTransportResponse, LegacyAsyncHttpxTransportResponse
from ._settings import _build_async_client, _ClientSettings, _pop_send_options, _timeout
from ._types import AnyHttpRequest


class AsyncHttpxTransport(
    _TransportConfig, AsyncHttpTransport[RestHttpRequest, RestAsyncHttpResponse]
):
    """Asynchronous azure-core transport that sends requests with ``httpx.AsyncClient``.

    :keyword client: httpx client for requests that use the transport's TLS and
        proxy settings. Its own settings (headers, auth, transport) apply to those
        requests. Without it, the transport creates a client on :meth:`open`.
    :paramtype client: ~httpx.AsyncClient or None
    :keyword bool client_owner: Whether :meth:`close` closes ``client``, as
        azure-core's ``session_owner``. Defaults to True. False requires ``client``.
    :keyword bool use_env_settings: Read ``HTTP_PROXY``, ``HTTPS_PROXY``,
        ``ALL_PROXY``, ``NO_PROXY``, ``SSL_CERT_FILE`` and ``SSL_CERT_DIR``
        (httpx ``trust_env``). Defaults to True.
    :keyword float connection_timeout: Connect timeout in seconds. Defaults to 300.
    :keyword float read_timeout: Read timeout in seconds. Defaults to 300.
    :keyword connection_verify: TLS verification: True, False, a CA bundle file or
        directory path, or an ``ssl.SSLContext``. Defaults to True.
    :paramtype connection_verify: bool or str or ~ssl.SSLContext
    :keyword connection_cert: Client certificate file, or a (cert, key) tuple.
    :paramtype connection_cert: str or tuple[str, str]
    :keyword proxies: requests-style mapping of scheme (``"https"``) or URL prefix
        (``"https://host"``) to proxy URL. A None value disables the proxy there.
    :paramtype proxies: dict[str, str or None]
    :keyword int connection_data_block_size: Chunk size in bytes for streamed
        bodies. Defaults to 4096.

    Other keyword arguments are ignored. Clients that the transport creates store
    no cookies and never follow redirects, which azure-core's RedirectPolicy does.
    After :meth:`close`, the next :meth:`send` or :meth:`open` creates a new
    client, except that a closed ``client`` with ``client_owner=False`` raises.
    """

    def __init__(
        self,
        *,
        client: Optional[httpx.AsyncClient] = None,
        client_owner: bool = True,
        use_env_settings: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(client, client_owner, use_env_settings, **kwargs)
        self.client: Optional[httpx.AsyncClient] = client
        self._extra_clients: collections.OrderedDict[_ClientSettings, httpx.AsyncClient]
        self._extra_clients = collections.OrderedDict()

    async def __aenter__(self) -> AsyncHttpxTransport:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]] = None,
        exc_value: Optional[BaseException] = None,
        traceback: Optional[TracebackType] = None,
    ) -> None:
        await self.close()

    async def open(self) -> None:
        """Create the default client if there is none or it was closed.

        :raises ValueError: if the caller's client is closed and
            ``client_owner`` is False.
        """
        self._default_client()

    def _default_client(self) -> httpx.AsyncClient:
        # No await runs between the check and the assignment, so concurrent tasks
        # on one event loop cannot create two clients.
        if self.client is not None and not self.client.is_closed:
            return self.client
        if not self._client_owner:
            raise ValueError(
                "The httpx client passed to AsyncHttpxTransport is closed, and "
                "client_owner=False forbids replacing it. Pass an open client."
            )
        self.client = _build_async_client(
            self._default_settings, self._trust_env, _timeout(self.connection_config)
        )
        return self.client

    async def close(self) -> None:
        """Close the extra clients, and the default client if the transport owns it."""
        extra_clients = list(self._extra_clients.values())
        self._extra_clients.clear()
        client = self.client
        if self._client_owner:
            self.client = None
        for extra in extra_clients:
            await extra.aclose()
        if self._client_owner and client is not None:
            await client.aclose()

    async def sleep(self, duration: float) -> None:
        """Sleep for ``duration`` seconds without blocking the event loop.

        :param float duration: Seconds to sleep.
        """
        await asyncio.sleep(duration)

    async def _client_for(self, settings: _ClientSettings) -> httpx.AsyncClient:
        if settings == self._default_settings:
            return self._default_client()
        client = self._extra_clients.get(settings)
        if client is not None:
            self._extra_clients.move_to_end(settings)
            return client
        client = _build_async_client(
            settings, self._trust_env, _timeout(self.connection_config)
        )
        self._extra_clients[settings] = client
        if len(self._extra_clients) > _MAX_EXTRA_CLIENTS:
            _, evicted = self._extra_clients.popitem(last=False)
            # NOTE: a streamed response still open on the evicted client fails
            # on its next read.
            await evicted.aclose()
        return client

    @overload
    async def send(
        self, request: RestHttpRequest, **kwargs: Any
    ) -> RestAsyncHttpResponse: ...

    @overload
    async def send(
        self, request: LegacyHttpRequest, **kwargs: Any
    ) -> LegacyAsyncHttpResponse: ...

    async def send(
        self, request: AnyHttpRequest, **kwargs: Any
    ) -> Union[RestAsyncHttpResponse, LegacyAsyncHttpResponse]:
        """Send a request and return its response.

        Unless ``stream=True``, the body is read into memory and the connection
        released before this method returns.

        :param request: The request to send.
        :type request: ~azure.core.rest.HttpRequest or
            ~azure.core.pipeline.transport.HttpRequest
        :keyword bool stream: Leave the body unread for ``iter_bytes``,
            ``iter_raw`` or ``stream_download``. Defaults to False.
        :keyword connection_timeout: Connect timeout in seconds, or a
            (connect, read) tuple.
        :keyword float read_timeout: Read timeout in seconds.
        :keyword connection_verify: TLS verification for this request.
        :keyword connection_cert: Client certificate for this request.
        :keyword proxies: Proxy mapping for this request.
        :return: An ``azure.core.rest.AsyncHttpResponse`` for a rest request, or a
            legacy ``AsyncHttpResponse`` for a legacy request.
        :raises ~azure.core.exceptions.ServiceRequestError: if the connection or
            the request failed, with ``ServiceRequestTimeoutError`` for connect
            and pool timeouts.
        :raises ~azure.core.exceptions.ServiceResponseError: if the response did
            not arrive or was malformed, with ``ServiceResponseTimeoutError`` for
            read and write timeouts.
        """
        options = _pop_send_options(
            kwargs, self.connection_config, self._default_settings
        )
        client = await self._client_for(options.settings)
        block_size = self._block_size()
        body = _async_body(request, block_size)
        try:
            httpx_request = client.build_request(
                request.method,
                request.url,
                headers=_request_headers(request, body),
                content=cast(Union[bytes, AsyncIterable[bytes], None], body.content),
                data=body.form,
                files=body.files,
                timeout=options.timeout,
            )
            internal = await client.send(
                httpx_request, stream=True, follow_redirects=False
            )
        except _HTTPX_ERRORS as err:
            raise _send_error(err, request) from err

        if isinstance(request, LegacyHttpRequest):
            legacy = LegacyAsyncHttpxTransportResponse(request, internal, block_size)
            if not options.stream:
                await legacy.load_body()
            return legacy

        response = AsyncHttpxTransportResponse(
            request=request, internal_response=internal, block_size=block_size
        )
        if not options.stream:
            try:
                await response.read()
            finally:
                await response.close()
        return response
