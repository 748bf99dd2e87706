"""Response types of the httpx transports and their stream download generators."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, Optional, cast

import httpx
from azure.core.pipeline.transport import AsyncHttpResponse as LegacyAsyncHttpResponse
from azure.core.pipeline.transport import HttpRequest as LegacyHttpRequest
from azure.core.pipeline.transport import HttpResponse as LegacyHttpResponse
from azure.core.rest import HttpRequest as RestHttpRequest
from azure.core.rest._http_response_impl import HttpResponseImpl
from azure.core.rest._http_response_impl_async import AsyncHttpResponseImpl
from azure.core.utils import CaseInsensitiveDict

from ._errors import _body_error
from ._types import AnyHttpRequest


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
