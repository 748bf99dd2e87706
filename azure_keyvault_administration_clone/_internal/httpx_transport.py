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

from __future__ import annotations

import asyncio
import collections
import inspect
import io
import logging
import os
import re
import ssl
import threading
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from types import TracebackType
from typing import IO, Any, Optional, Tuple, Type, Union, cast, overload
from urllib.parse import urlsplit

import httpx
from azure.core.configuration import ConnectionConfiguration
from azure.core.exceptions import (
    AzureError,
    DecodeError,
    IncompleteReadError,
    ServiceRequestError,
    ServiceRequestTimeoutError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)
from azure.core.pipeline.transport import (
    AsyncHttpResponse as LegacyAsyncHttpResponse,
)
from azure.core.pipeline.transport import (
    AsyncHttpTransport,
    HttpTransport,
)
from azure.core.pipeline.transport import (
    HttpRequest as LegacyHttpRequest,
)
from azure.core.pipeline.transport import (
    HttpResponse as LegacyHttpResponse,
)
from azure.core.rest import AsyncHttpResponse as RestAsyncHttpResponse
from azure.core.rest import HttpRequest as RestHttpRequest
from azure.core.rest import HttpResponse as RestHttpResponse
from azure.core.rest._http_response_impl import HttpResponseImpl
from azure.core.rest._http_response_impl_async import AsyncHttpResponseImpl
from azure.core.utils import CaseInsensitiveDict

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

_LOGGER = logging.getLogger(__name__)

AnyHttpRequest = Union[RestHttpRequest, LegacyHttpRequest]
CertType = Union[str, Tuple[str, ...]]
VerifyType = Union[bool, str, ssl.SSLContext]

# Extra clients are evicted oldest first beyond this count. The bound only guards
# against callers that pass a new SSLContext or proxy mapping on every request.
_MAX_EXTRA_CLIENTS = 8

_SENSITIVE_QUERY_PARAM = re.compile(r"(?i)\b(sig|signature)=[^&\s'\"]+")


# ---------------------------------------------------------------------------
# Client settings
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _ClientSettings:
    """Settings that httpx fixes per client, used as the key of the client cache."""

    verify: VerifyType
    cert: Optional[CertType]
    proxies: Tuple[Tuple[str, Optional[str]], ...]


def _normalize_cert(cert: Any) -> Optional[CertType]:
    if cert is None or isinstance(cert, str):
        return cert
    return tuple(cert)


def _normalize_proxies(
    proxies: Optional[Mapping[str, Optional[str]]],
) -> Tuple[Tuple[str, Optional[str]], ...]:
    """Convert a requests-style proxy mapping into sorted httpx mount patterns.

    requests keys such as ``"https"`` or ``"all"`` become ``"https://"`` and
    ``"all://"``. Keys that already contain ``://`` (``"http://host"``) are kept.
    """
    if not proxies:
        return ()
    patterns = []
    for key, url in proxies.items():
        pattern = key if "://" in key else f"{key}://"
        patterns.append((pattern, url))
    return tuple(sorted(patterns))


def _default_ca_context(trust_env: bool) -> ssl.SSLContext:
    """Create a verifying SSL context with the CA bundle httpx would use."""
    if trust_env and os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if trust_env and os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def _ssl_config(
    verify: VerifyType, cert: Optional[CertType], trust_env: bool
) -> Union[bool, ssl.SSLContext]:
    """Build the ``verify`` argument for httpx.

    A CA path or a client certificate is turned into an SSLContext here, because
    httpx (0.29 checked) warns DeprecationWarning for ``verify=<str>`` and ``cert=``.
    """
    if isinstance(verify, ssl.SSLContext):
        context = verify
    elif isinstance(verify, str):
        if os.path.isdir(verify):
            context = ssl.create_default_context(capath=verify)
        else:
            context = ssl.create_default_context(cafile=verify)
    elif cert is None:
        return verify
    elif verify:
        context = _default_ca_context(trust_env)
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE

    if cert is not None:
        if isinstance(cert, str):
            context.load_cert_chain(cert)
        else:
            context.load_cert_chain(*cert)
    return context


def _reject_all_cookies() -> CookieJar:
    """Create a cookie jar that stores nothing.

    Responses then cannot change later requests, as with the aiohttp
    ``DummyCookieJar`` that azure-core's ``AioHttpTransport`` uses.
    """
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def _timeout(config: ConnectionConfiguration) -> httpx.Timeout:
    return httpx.Timeout(
        connect=config.timeout,
        read=config.read_timeout,
        write=config.read_timeout,
        pool=config.timeout,
    )


def _build_sync_client(
    settings: _ClientSettings, trust_env: bool, timeout: httpx.Timeout
) -> httpx.Client:
    ssl_config = _ssl_config(settings.verify, settings.cert, trust_env)
    mounts: dict[str, Optional[httpx.BaseTransport]] = {}
    for pattern, url in settings.proxies:
        if url:
            mounts[pattern] = httpx.HTTPTransport(
                verify=ssl_config, trust_env=trust_env, proxy=url
            )
        else:
            mounts[pattern] = None
    return httpx.Client(
        verify=ssl_config,
        trust_env=trust_env,
        mounts=mounts or None,
        timeout=timeout,
        follow_redirects=False,
        cookies=_reject_all_cookies(),
    )


def _build_async_client(
    settings: _ClientSettings, trust_env: bool, timeout: httpx.Timeout
) -> httpx.AsyncClient:
    ssl_config = _ssl_config(settings.verify, settings.cert, trust_env)
    mounts: dict[str, Optional[httpx.AsyncBaseTransport]] = {}
    for pattern, url in settings.proxies:
        if url:
            mounts[pattern] = httpx.AsyncHTTPTransport(
                verify=ssl_config, trust_env=trust_env, proxy=url
            )
        else:
            mounts[pattern] = None
    return httpx.AsyncClient(
        verify=ssl_config,
        trust_env=trust_env,
        mounts=mounts or None,
        timeout=timeout,
        follow_redirects=False,
        cookies=_reject_all_cookies(),
    )


# ---------------------------------------------------------------------------
# Per-request options
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _SendOptions:
    stream: bool
    timeout: httpx.Timeout
    settings: _ClientSettings


def _pop_send_options(
    kwargs: dict[str, Any],
    config: ConnectionConfiguration,
    default_settings: _ClientSettings,
) -> _SendOptions:
    """Pop the azure-core transport keywords from ``kwargs``.

    :raises ValueError: if ``connection_timeout`` is a tuple and ``read_timeout``
        is also given.
    """
    stream = bool(kwargs.pop("stream", False))
    connection_timeout = kwargs.pop("connection_timeout", config.timeout)
    if isinstance(connection_timeout, tuple):
        # requests-style (connect, read) pair, which RequestsTransport also accepts.
        if "read_timeout" in kwargs:
            raise ValueError(
                "connection_timeout is a (connect, read) tuple, so read_timeout "
                "must not be passed as well."
            )
        connection_timeout, read_timeout = connection_timeout
    else:
        read_timeout = kwargs.pop("read_timeout", config.read_timeout)
    timeout = httpx.Timeout(
        connect=connection_timeout,
        read=read_timeout,
        write=read_timeout,
        pool=connection_timeout,
    )

    proxies = kwargs.pop("proxies", None)
    settings = _ClientSettings(
        verify=_normalize_verify(
            kwargs.pop("connection_verify", default_settings.verify)
        ),
        cert=_normalize_cert(kwargs.pop("connection_cert", default_settings.cert)),
        proxies=(_normalize_proxies(proxies) if proxies else default_settings.proxies),
    )
    if kwargs:
        _LOGGER.debug("Ignoring transport keyword arguments: %s", sorted(kwargs))
    return _SendOptions(stream=stream, timeout=timeout, settings=settings)


def _normalize_verify(verify: Any) -> Any:
    """Accept a CA bundle path given as ``os.PathLike``, as well as a string."""
    if isinstance(verify, os.PathLike):
        return os.fspath(verify)
    return verify


# ---------------------------------------------------------------------------
# Request bodies
# ---------------------------------------------------------------------------


@dataclass
class _Body:
    """Request body in the form ``httpx.Client.build_request`` accepts."""

    content: Union[bytes, Iterable[bytes], AsyncIterable[bytes], None] = None
    form: Optional[Mapping[str, Any]] = None
    files: Any = None
    # Content-Length that the transport computed, for str and seekable file bodies.
    length: Optional[int] = None
    encoded_from_str: bool = False


def _to_bytes(chunk: Union[bytes, bytearray, memoryview, str]) -> bytes:
    if isinstance(chunk, str):
        return chunk.encode("utf-8")
    return bytes(chunk)


def _remaining_length(fileobj: Any) -> Optional[int]:
    """Return the bytes left in a seekable binary file, or None if unknown."""
    if isinstance(fileobj, io.TextIOBase):
        return None
    try:
        if not fileobj.seekable():
            return None
        position = fileobj.tell()
        end = fileobj.seek(0, os.SEEK_END)
        fileobj.seek(position, os.SEEK_SET)
    except (AttributeError, OSError, ValueError):
        return None
    return max(int(end) - int(position), 0)


def _read_file_chunks(fileobj: IO[Any], block_size: int) -> Iterator[bytes]:
    # Reads from the current position, so a body that RetryPolicy has seeked
    # back is sent again in full.
    while True:
        chunk = fileobj.read(block_size)
        if not chunk:
            return
        yield _to_bytes(chunk)


def _iterate_chunks(chunks: Iterable[Any]) -> Iterator[bytes]:
    for chunk in chunks:
        if chunk:
            yield _to_bytes(chunk)


async def _aiterate_sync(chunks: Iterable[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def _aiterate_async(chunks: AsyncIterable[Any]) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        if chunk:
            yield _to_bytes(chunk)


async def _aread_file_chunks(fileobj: Any, block_size: int) -> AsyncIterator[bytes]:
    while True:
        chunk = await fileobj.read(block_size)
        if not chunk:
            return
        yield _to_bytes(chunk)


def _common_body(request: AnyHttpRequest) -> Optional[_Body]:
    """Convert the body kinds that need no I/O, or return None for streams."""
    data: Any = getattr(request, "data", None)
    files: Any = getattr(request, "files", None)
    if files:
        form = data if isinstance(data, Mapping) else None
        return _Body(form=form, files=files)
    if data is None:
        return _Body()
    if isinstance(data, (bytes, bytearray, memoryview)):
        return _Body(content=bytes(data))
    if isinstance(data, str):
        encoded = data.encode("utf-8")
        return _Body(content=encoded, length=len(encoded), encoded_from_str=True)
    if isinstance(data, Mapping):
        return _Body(form=data)
    return None


def _sync_body(request: AnyHttpRequest, block_size: int) -> _Body:
    """Convert the request body for ``httpx.Client``.

    :raises TypeError: if the body is an async iterable or of an unknown type.
    """
    body = _common_body(request)
    if body is not None:
        return body
    data: Any = getattr(request, "data", None)
    if hasattr(data, "read"):
        return _Body(
            content=_read_file_chunks(data, block_size),
            length=_remaining_length(data),
        )
    if isinstance(data, AsyncIterable):
        raise TypeError(
            "Request body is an async iterable, which HttpxTransport cannot send. "
            "Use AsyncHttpxTransport, or pass bytes or a sync iterable."
        )
    if isinstance(data, Iterable):
        return _Body(content=_iterate_chunks(data))
    raise TypeError(f"Unsupported request body type: {type(data).__name__}.")


def _async_body(request: AnyHttpRequest, block_size: int) -> _Body:
    """Convert the request body for ``httpx.AsyncClient``.

    Sync file objects and iterables are read inside the event loop, so a slow
    file blocks it while a chunk is read.

    :raises TypeError: if the body is of an unknown type.
    """
    body = _common_body(request)
    if body is not None:
        return body
    data: Any = getattr(request, "data", None)
    if hasattr(data, "read"):
        if inspect.iscoroutinefunction(data.read):
            return _Body(content=_aread_file_chunks(data, block_size))
        return _Body(
            content=_aiterate_sync(_read_file_chunks(data, block_size)),
            length=_remaining_length(data),
        )
    if isinstance(data, AsyncIterable):
        return _Body(content=_aiterate_async(data))
    if isinstance(data, Iterable):
        return _Body(content=_aiterate_sync(_iterate_chunks(data)))
    raise TypeError(f"Unsupported request body type: {type(data).__name__}.")


def _request_headers(request: AnyHttpRequest, body: _Body) -> list[tuple[str, str]]:
    """Copy the request headers, adding or fixing Content-Length where known."""
    headers = [(str(name), str(value)) for name, value in request.headers.items()]
    names = {name.lower() for name, _ in headers}
    if body.length is None:
        return headers
    if "content-length" not in names and "transfer-encoding" not in names:
        headers.append(("Content-Length", str(body.length)))
    elif body.encoded_from_str:
        # azure.core.rest.HttpRequest sets Content-Length to len(str), which is
        # the character count and too small for non-ASCII text.
        headers = [
            (name, str(body.length) if name.lower() == "content-length" else value)
            for name, value in headers
        ]
    return headers


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


def _describe_target(request: AnyHttpRequest) -> str:
    """Return ``METHOD scheme://host/path``, without user info or query string."""
    parts = urlsplit(request.url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return f"{request.method} {parts.scheme}://{host}{parts.path}"


def _scrub(text: str, request: AnyHttpRequest) -> str:
    """Remove the query string and credential headers of ``request`` from ``text``."""
    query = urlsplit(request.url).query
    if query:
        text = text.replace(query, "<query redacted>")
    for name, value in request.headers.items():
        if name.lower() in ("authorization", "proxy-authorization") and value:
            text = text.replace(str(value), "<redacted>")
    return _SENSITIVE_QUERY_PARAM.sub(r"\1=<redacted>", text)


def _azure_error(
    error_type: Type[AzureError], summary: str, err: Exception, request: AnyHttpRequest
) -> AzureError:
    """Create an azure-core error whose messages omit secrets of ``request``."""
    detail = _scrub(str(err), request) or "no details"
    message = f"{summary} {_describe_target(request)}: {type(err).__name__}: {detail}"
    error = error_type(message, error=err)
    # AzureError copies str() of the exception being handled into exc_msg.
    error.exc_msg = f"{message}, {type(err).__name__}: {detail}"
    return error


def _send_error(err: Exception, request: AnyHttpRequest) -> AzureError:
    """Map an httpx error raised before the response headers arrived."""
    if isinstance(err, (httpx.ConnectTimeout, httpx.PoolTimeout)):
        return _azure_error(
            ServiceRequestTimeoutError, "Connection timed out for", err, request
        )
    if isinstance(err, (httpx.ReadTimeout, httpx.WriteTimeout)):
        return _azure_error(
            ServiceResponseTimeoutError, "Response timed out for", err, request
        )
    if isinstance(
        err,
        (
            httpx.ConnectError,
            httpx.ProxyError,
            httpx.UnsupportedProtocol,
            httpx.LocalProtocolError,
            httpx.InvalidURL,
        ),
    ):
        return _azure_error(ServiceRequestError, "Failed to send", err, request)
    if isinstance(err, httpx.DecodingError):
        return _azure_error(
            DecodeError, "Failed to decode the response to", err, request
        )
    return _azure_error(
        ServiceResponseError, "Failed to receive the response to", err, request
    )


def _body_error(err: Exception, request: AnyHttpRequest) -> AzureError:
    """Map an httpx error raised while the response body was read."""
    if isinstance(err, httpx.TimeoutException):
        return _azure_error(
            ServiceResponseTimeoutError,
            "Reading the response body timed out for",
            err,
            request,
        )
    if isinstance(err, httpx.RemoteProtocolError):
        return _azure_error(
            IncompleteReadError,
            "Connection closed before the full response body arrived for",
            err,
            request,
        )
    if isinstance(err, httpx.DecodingError):
        return _azure_error(
            DecodeError, "Failed to decode the response body of", err, request
        )
    return _azure_error(
        ServiceResponseError, "Failed to read the response body of", err, request
    )


# ---------------------------------------------------------------------------
# Responses
# ---------------------------------------------------------------------------


def _response_headers(internal: httpx.Response) -> CaseInsensitiveDict:
    """Copy response headers, keeping the server's name casing.

    Repeated headers are joined with ``", "`` as requests does.
    """
    encoding = internal.headers.encoding
    headers = CaseInsensitiveDict()
    for raw_name, raw_value in internal.headers.raw:
        name = raw_name.decode(encoding)
        value = raw_value.decode(encoding)
        if name in headers:
            headers[name] = f"{headers[name]}, {value}"
        else:
            headers[name] = value
    return headers


def _content_length(headers: Mapping[str, str]) -> int:
    try:
        return int(headers.get("Content-Length", 0))
    except ValueError:
        return 0


def _charset(content_type: Optional[str]) -> Optional[str]:
    """Return the ``charset`` parameter of a Content-Type value, if any."""
    if not content_type:
        return None
    for parameter in content_type.split(";")[1:]:
        key, _, value = parameter.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"'")
    return None


class HttpxTransportResponse(HttpResponseImpl):
    """``azure.core.rest.HttpResponse`` returned by :class:`HttpxTransport`.

    :keyword request: The request that produced this response.
    :paramtype request: ~azure.core.rest.HttpRequest
    :keyword internal_response: The httpx response, opened with ``stream=True``.
    :paramtype internal_response: ~httpx.Response
    :keyword block_size: Chunk size in bytes for ``iter_bytes`` and ``iter_raw``.
    :paramtype block_size: int or None
    """

    def __init__(
        self,
        *,
        request: RestHttpRequest,
        internal_response: httpx.Response,
        block_size: Optional[int] = None,
    ) -> None:
        headers = _response_headers(internal_response)
        super().__init__(
            request=request,
            internal_response=internal_response,
            block_size=block_size,
            status_code=internal_response.status_code,
            reason=internal_response.reason_phrase,
            content_type=headers.get("Content-Type"),
            headers=headers,
            stream_download_generator=HttpxStreamDownloadGenerator,
        )


class AsyncHttpxTransportResponse(AsyncHttpResponseImpl):
    """``azure.core.rest.AsyncHttpResponse`` returned by :class:`AsyncHttpxTransport`.

    :keyword request: The request that produced this response.
    :paramtype request: ~azure.core.rest.HttpRequest
    :keyword internal_response: The httpx response, opened with ``stream=True``.
    :paramtype internal_response: ~httpx.Response
    :keyword block_size: Chunk size in bytes for ``iter_bytes`` and ``iter_raw``.
    :paramtype block_size: int or None
    """

    def __init__(
        self,
        *,
        request: RestHttpRequest,
        internal_response: httpx.Response,
        block_size: Optional[int] = None,
    ) -> None:
        headers = _response_headers(internal_response)
        super().__init__(
            request=request,
            internal_response=internal_response,
            block_size=block_size,
            status_code=internal_response.status_code,
            reason=internal_response.reason_phrase,
            content_type=headers.get("Content-Type"),
            headers=headers,
            stream_download_generator=AsyncHttpxStreamDownloadGenerator,
        )

    async def close(self) -> None:
        """Close the response and release its connection to the pool."""
        if not self.is_closed:
            self._is_closed = True
            await self._internal_response.aclose()


class LegacyHttpxTransportResponse(LegacyHttpResponse):
    """Legacy ``azure.core.pipeline.transport.HttpResponse`` for legacy requests.

    :param request: The legacy request that produced this response.
    :type request: ~azure.core.pipeline.transport.HttpRequest
    :param internal_response: The httpx response, opened with ``stream=True``.
    :type internal_response: ~httpx.Response
    :param block_size: Chunk size in bytes for ``stream_download``.
    :type block_size: int or None
    """

    def __init__(
        self,
        request: LegacyHttpRequest,
        internal_response: httpx.Response,
        block_size: Optional[int] = None,
    ) -> None:
        super().__init__(request, internal_response, block_size=block_size)
        self.status_code = internal_response.status_code
        self.headers = _response_headers(internal_response)
        self.reason = internal_response.reason_phrase
        self.content_type = self.headers.get("Content-Type")
        self._loaded_body: Optional[bytes] = None

    def body(self) -> bytes:
        """Read the whole decoded body into memory and return it.

        :raises ~azure.core.exceptions.AzureError: if reading the body fails.
        """
        if self._loaded_body is None:
            internal = cast(httpx.Response, self.internal_response)
            try:
                self._loaded_body = internal.read()
            except httpx.HTTPError as err:
                raise _body_error(err, self.request) from err
            finally:
                internal.close()
        return self._loaded_body

    def text(self, encoding: Optional[str] = None) -> str:
        """Decode the body with ``encoding``, the Content-Type charset or UTF-8.

        :param encoding: Text encoding. UTF-8 also strips a byte order mark.
        :type encoding: str or None
        """
        return super().text(encoding or _charset(self.content_type))

    def stream_download(self, pipeline: Any, **kwargs: Any) -> Iterator[bytes]:
        """Iterate over the body in chunks of ``block_size`` bytes.

        :param pipeline: The pipeline that sent the request.
        :type pipeline: ~azure.core.pipeline.Pipeline
        :keyword bool decompress: Decode the Content-Encoding. Defaults to True.
        """
        return HttpxStreamDownloadGenerator(pipeline, self, **kwargs)


class LegacyAsyncHttpxTransportResponse(LegacyAsyncHttpResponse):
    """Legacy ``azure.core.pipeline.transport.AsyncHttpResponse``.

    Call :meth:`load_body` before :meth:`body` or :meth:`text`.
    :class:`AsyncHttpxTransport` does so unless the request was sent with
    ``stream=True``.

    :param request: The legacy request that produced this response.
    :type request: ~azure.core.pipeline.transport.HttpRequest
    :param internal_response: The httpx response, opened with ``stream=True``.
    :type internal_response: ~httpx.Response
    :param block_size: Chunk size in bytes for ``stream_download``.
    :type block_size: int or None
    """

    def __init__(
        self,
        request: LegacyHttpRequest,
        internal_response: httpx.Response,
        block_size: Optional[int] = None,
    ) -> None:
        super().__init__(request, internal_response, block_size=block_size)
        self.status_code = internal_response.status_code
        self.headers = _response_headers(internal_response)
        self.reason = internal_response.reason_phrase
        self.content_type = self.headers.get("Content-Type")
        self._loaded_body: Optional[bytes] = None

    async def load_body(self) -> None:
        """Read the whole decoded body into memory.

        :raises ~azure.core.exceptions.AzureError: if reading the body fails.
        """
        if self._loaded_body is not None:
            return
        internal = cast(httpx.Response, self.internal_response)
        try:
            self._loaded_body = await internal.aread()
        except httpx.HTTPError as err:
            raise _body_error(err, self.request) from err
        finally:
            await internal.aclose()

    def body(self) -> bytes:
        """Return the body that :meth:`load_body` read.

        :raises ValueError: if the body has not been loaded.
        """
        if self._loaded_body is None:
            raise ValueError(
                "Response body is not loaded. Await load_body() first, "
                "or send the request without stream=True."
            )
        return self._loaded_body

    def text(self, encoding: Optional[str] = None) -> str:
        """Decode the body with ``encoding``, the Content-Type charset or UTF-8.

        :param encoding: Text encoding. UTF-8 also strips a byte order mark.
        :type encoding: str or None
        """
        return super().text(encoding or _charset(self.content_type))

    def stream_download(
        self, pipeline: Any, *, decompress: bool = True, **kwargs: Any
    ) -> AsyncIterator[bytes]:
        """Iterate asynchronously over the body in chunks of ``block_size`` bytes.

        :param pipeline: The pipeline that sent the request.
        :type pipeline: ~azure.core.pipeline.AsyncPipeline
        :keyword bool decompress: Decode the Content-Encoding. Defaults to True.
        """
        return AsyncHttpxStreamDownloadGenerator(
            pipeline, self, decompress=decompress, **kwargs
        )


def _unwrap_response(response: Any) -> tuple[httpx.Response, int]:
    """Return the httpx response and block size of one of this module's responses."""
    if isinstance(response, (HttpxTransportResponse, AsyncHttpxTransportResponse)):
        return response._internal_response, response._block_size
    internal = response.internal_response
    if not isinstance(internal, httpx.Response):
        raise TypeError(
            f"Expected a response from an httpx transport, got {type(response)!r}."
        )
    return internal, int(response.block_size)


def _check_no_kwargs(kwargs: dict[str, Any]) -> None:
    if kwargs:
        raise TypeError(f"Got an unexpected keyword argument: {next(iter(kwargs))}")


class HttpxStreamDownloadGenerator(Iterator[bytes]):
    """Iterator over a response body, in chunks of the response's block size.

    The httpx response is closed when the body is exhausted or reading fails.

    :param pipeline: The pipeline that sent the request, or None.
    :type pipeline: ~azure.core.pipeline.Pipeline or None
    :param response: A response from :class:`HttpxTransport`.
    :type response: HttpxTransportResponse or LegacyHttpxTransportResponse
    :keyword bool decompress: Decode the Content-Encoding. Defaults to True.
    :raises TypeError: on unknown keyword arguments.
    """

    def __init__(
        self, pipeline: Any, response: Any, *, decompress: bool = True, **kwargs: Any
    ) -> None:
        _check_no_kwargs(kwargs)
        self.pipeline = pipeline
        self.response = response
        self.request: AnyHttpRequest = response.request
        internal, self.block_size = _unwrap_response(response)
        self._internal = internal
        self.content_length = _content_length(internal.headers)
        if decompress:
            self._chunks = internal.iter_bytes(self.block_size)
        else:
            self._chunks = internal.iter_raw(self.block_size)

    def __len__(self) -> int:
        return self.content_length

    def __iter__(self) -> HttpxStreamDownloadGenerator:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except StopIteration:
            self._internal.close()
            raise
        except httpx.HTTPError as err:
            self._internal.close()
            raise _body_error(err, self.request) from err


class AsyncHttpxStreamDownloadGenerator(AsyncIterator[bytes]):
    """Async iterator over a response body, in chunks of the response's block size.

    The httpx response is closed when the body is exhausted or reading fails.

    :param pipeline: The pipeline that sent the request, or None.
    :type pipeline: ~azure.core.pipeline.AsyncPipeline or None
    :param response: A response from :class:`AsyncHttpxTransport`.
    :type response: AsyncHttpxTransportResponse or LegacyAsyncHttpxTransportResponse
    :keyword bool decompress: Decode the Content-Encoding. Defaults to True.
    :raises TypeError: on unknown keyword arguments.
    """

    def __init__(
        self, pipeline: Any, response: Any, *, decompress: bool = True, **kwargs: Any
    ) -> None:
        _check_no_kwargs(kwargs)
        self.pipeline = pipeline
        self.response = response
        self.request: AnyHttpRequest = response.request
        internal, self.block_size = _unwrap_response(response)
        self._internal = internal
        self.content_length = _content_length(internal.headers)
        if decompress:
            self._chunks = internal.aiter_bytes(self.block_size)
        else:
            self._chunks = internal.aiter_raw(self.block_size)

    def __len__(self) -> int:
        return self.content_length

    def __aiter__(self) -> AsyncHttpxStreamDownloadGenerator:
        return self

    async def __anext__(self) -> bytes:
        try:
            return await self._chunks.__anext__()
        except StopAsyncIteration:
            await self._internal.aclose()
            raise
        except httpx.HTTPError as err:
            await self._internal.aclose()
            raise _body_error(err, self.request) from err


# ---------------------------------------------------------------------------
# Transports
# ---------------------------------------------------------------------------

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
