"""azure-core transports that serve requests from a ``Replayer``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Optional, Union

from azure.core.pipeline._tools import is_rest
from azure.core.pipeline.transport import (
    AsyncHttpResponse as LegacyAsyncHttpResponse,
)
from azure.core.pipeline.transport import (
    AsyncHttpTransport,
    HttpTransport,
)
from azure.core.pipeline.transport import (
    HttpResponse as LegacyHttpResponse,
)
from azure.core.rest._http_response_impl import HttpResponseImpl
from azure.core.rest._http_response_impl_async import AsyncHttpResponseImpl
from azure.core.utils import case_insensitive_dict

from .recording import Replayer, ReplayResponse


class _InMemoryBody:
    """Internal response of an in-memory body. Closing it does nothing."""

    def close(self) -> None:
        return None


class _AsyncInMemoryBody:
    async def close(self) -> None:
        return None


def _no_stream(**_: Any) -> Any:
    raise RuntimeError("replayed responses are fully loaded and never streamed")


def _response_headers(reply: ReplayResponse) -> Any:
    # The replayer drops the recorded Content-Length because sanitizing
    # changed body sizes, so the header is computed from the replayed body.
    headers = case_insensitive_dict(reply.headers)
    headers["Content-Length"] = str(len(reply.body))
    return headers


def _response_kwargs(request: Any, reply: ReplayResponse) -> dict[str, Any]:
    headers = _response_headers(reply)
    return {
        "request": request,
        "status_code": reply.status_code,
        "reason": reply.reason,
        "headers": headers,
        "content_type": headers.get("Content-Type"),
        "stream_download_generator": _no_stream,
    }


class ReplayedHttpResponse(HttpResponseImpl):
    """``azure.core.rest.HttpResponse`` holding a replayed body in memory."""

    def __init__(self, request: Any, reply: ReplayResponse) -> None:
        super().__init__(
            internal_response=_InMemoryBody(), **_response_kwargs(request, reply)
        )
        self._content = reply.body


class AsyncReplayedHttpResponse(AsyncHttpResponseImpl):
    """``azure.core.rest.AsyncHttpResponse`` holding a replayed body in memory."""

    def __init__(self, request: Any, reply: ReplayResponse) -> None:
        super().__init__(
            internal_response=_AsyncInMemoryBody(), **_response_kwargs(request, reply)
        )
        self._content = reply.body


def _fill_legacy(
    response: Union[LegacyHttpResponse, LegacyAsyncHttpResponse],
    reply: ReplayResponse,
) -> None:
    response.status_code = reply.status_code
    response.headers = _response_headers(reply)
    response.reason = reply.reason
    response.content_type = response.headers.get("Content-Type")


class LegacyReplayedHttpResponse(LegacyHttpResponse):
    """``azure.core.pipeline.transport.HttpResponse`` for legacy requests."""

    def __init__(self, request: Any, reply: ReplayResponse) -> None:
        super().__init__(request, None)
        _fill_legacy(self, reply)
        self._body = reply.body

    def body(self) -> bytes:
        return self._body


class LegacyAsyncReplayedHttpResponse(LegacyAsyncHttpResponse):
    """``azure.core.pipeline.transport.AsyncHttpResponse`` for legacy requests."""

    def __init__(self, request: Any, reply: ReplayResponse) -> None:
        super().__init__(request, None)
        _fill_legacy(self, reply)
        self._body = reply.body

    def body(self) -> bytes:
        return self._body

    async def load_body(self) -> None:
        return None


def request_body_bytes(request: Any) -> bytes:
    """Return the body of an azure-core request (rest or legacy) as bytes."""
    body = request.content if is_rest(request) else request.data
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if isinstance(body, (dict, list)):
        return json.dumps(body).encode("utf-8")
    raise TypeError(f"cannot replay a request body of type {type(body).__name__}")


def _header_dict(headers: Mapping[str, str]) -> dict[str, str]:
    return {str(key): str(value) for key, value in headers.items()}


class ReplayTransport(HttpTransport):  # type: ignore[type-arg]
    """Sync transport that serves every request from a ``Replayer``.

    ``sleep`` returns at once and stores the requested delay in ``sleeps``,
    so pollers that honour ``Retry-After`` (which they ask the transport to
    sleep for) do not slow tests down.
    """

    def __init__(self, replayer: Replayer) -> None:
        self.replayer = replayer
        self.sleeps: list[float] = []

    def send(self, request: Any, **kwargs: Any) -> Any:
        reply = self.replayer.handle(
            request.method,
            request.url,
            _header_dict(request.headers),
            request_body_bytes(request),
        )
        if is_rest(request):
            return ReplayedHttpResponse(request, reply)
        return LegacyReplayedHttpResponse(request, reply)

    def sleep(self, duration: float) -> None:
        self.sleeps.append(duration)

    def open(self) -> None:
        return None

    def close(self) -> None:
        return None

    def __enter__(self) -> ReplayTransport:
        return self

    def __exit__(self, *args: Optional[object]) -> None:
        return None


class AsyncReplayTransport(AsyncHttpTransport):  # type: ignore[type-arg]
    """Async transport that serves every request from a ``Replayer``.

    Like ``ReplayTransport``, ``sleep`` only stores the delay in ``sleeps``.
    """

    def __init__(self, replayer: Replayer) -> None:
        self.replayer = replayer
        self.sleeps: list[float] = []

    async def send(self, request: Any, **kwargs: Any) -> Any:
        reply = self.replayer.handle(
            request.method,
            request.url,
            _header_dict(request.headers),
            request_body_bytes(request),
        )
        if is_rest(request):
            return AsyncReplayedHttpResponse(request, reply)
        return LegacyAsyncReplayedHttpResponse(request, reply)

    async def sleep(self, duration: float) -> None:
        self.sleeps.append(duration)

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> AsyncReplayTransport:
        return self

    async def __aexit__(self, *args: Optional[object]) -> None:
        return None
