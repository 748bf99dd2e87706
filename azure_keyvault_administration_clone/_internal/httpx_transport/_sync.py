"""Synchronous azure-core transport built on ``httpx.Client``."""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Optional, Type, Union, cast, overload

import httpx
from azure.core.pipeline.transport import HttpRequest as LegacyHttpRequest
from azure.core.pipeline.transport import HttpResponse as LegacyHttpResponse
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest as RestHttpRequest
from azure.core.rest import HttpResponse as RestHttpResponse

from ._base import _HTTPX_ERRORS, _MAX_EXTRA_CLIENTS, _TransportConfig
from ._bodies import _request_headers, _sync_body
from ._errors import _send_error
from ._responses import HttpxTransportResponse, LegacyHttpxTransportResponse
from ._settings import _build_sync_client, _ClientSettings, _pop_send_options, _timeout
from ._types import AnyHttpRequest


class HttpxTransport(
    _TransportConfig, HttpTransport[RestHttpRequest, RestHttpResponse]
):
    """Synchronous azure-core transport that sends requests with ``httpx.Client``.

    :keyword client: httpx client for requests that use the transport's TLS and
        proxy settings. Its own settings (headers, auth, transport) apply to those
        requests. Without it, the transport creates a client on :meth:`open`.
    :paramtype client: ~httpx.Client or None
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
        client: Optional[httpx.Client] = None,
        client_owner: bool = True,
        use_env_settings: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(client, client_owner, use_env_settings, **kwargs)
        self.client: Optional[httpx.Client] = client
        self._extra_clients: collections.OrderedDict[_ClientSettings, httpx.Client]
        self._extra_clients = collections.OrderedDict()
        self._lock = threading.Lock()

    def __enter__(self) -> HttpxTransport:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]] = None,
        exc_value: Optional[BaseException] = None,
        traceback: Optional[TracebackType] = None,
    ) -> None:
        self.close()

    def open(self) -> None:
        """Create the default client if there is none or it was closed.

        :raises ValueError: if the caller's client is closed and
            ``client_owner`` is False.
        """
        with self._lock:
            self._open_locked()

    def _open_locked(self) -> httpx.Client:
        if self.client is not None and not self.client.is_closed:
            return self.client
        if not self._client_owner:
            raise ValueError(
                "The httpx client passed to HttpxTransport is closed, and "
                "client_owner=False forbids replacing it. Pass an open client."
            )
        self.client = _build_sync_client(
            self._default_settings, self._trust_env, _timeout(self.connection_config)
        )
        return self.client

    def close(self) -> None:
        """Close the extra clients, and the default client if the transport owns it."""
        with self._lock:
            extra_clients = list(self._extra_clients.values())
            self._extra_clients.clear()
            client = self.client
            if self._client_owner:
                self.client = None
        for extra in extra_clients:
            extra.close()
        if self._client_owner and client is not None:
            client.close()

    def _client_for(self, settings: _ClientSettings) -> httpx.Client:
        with self._lock:
            if settings == self._default_settings:
                return self._open_locked()
            client = self._extra_clients.get(settings)
            if client is not None:
                self._extra_clients.move_to_end(settings)
                return client
            client = _build_sync_client(
                settings, self._trust_env, _timeout(self.connection_config)
            )
            self._extra_clients[settings] = client
            evicted = None
            if len(self._extra_clients) > _MAX_EXTRA_CLIENTS:
                _, evicted = self._extra_clients.popitem(last=False)
        if evicted is not None:
            # NOTE: a streamed response still open on the evicted client fails
            # on its next read.
            evicted.close()
        return client

    @overload
    def send(self, request: RestHttpRequest, **kwargs: Any) -> RestHttpResponse: ...

    @overload
    def send(self, request: LegacyHttpRequest, **kwargs: Any) -> LegacyHttpResponse: ...

    def send(
        self, request: AnyHttpRequest, **kwargs: Any
    ) -> Union[RestHttpResponse, LegacyHttpResponse]:
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
        :return: An ``azure.core.rest.HttpResponse`` for a rest request, or a
            legacy ``HttpResponse`` for a legacy request.
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
        client = self._client_for(options.settings)
        block_size = self._block_size()
        body = _sync_body(request, block_size)
        try:
            httpx_request = client.build_request(
                request.method,
                request.url,
                headers=_request_headers(request, body),
                content=cast(Union[bytes, Iterable[bytes], None], body.content),
                data=body.form,
                files=body.files,
                timeout=options.timeout,
            )
            internal = client.send(httpx_request, stream=True, follow_redirects=False)
        except _HTTPX_ERRORS as err:
            raise _send_error(err, request) from err

        if isinstance(request, LegacyHttpRequest):
            legacy = LegacyHttpxTransportResponse(request, internal, block_size)
            if not options.stream:
                legacy.body()
            return legacy

        response = HttpxTransportResponse(
            request=request, internal_response=internal, block_size=block_size
        )
        if not options.stream:
            try:
                response.read()
            finally:
                response.close()
        return response
