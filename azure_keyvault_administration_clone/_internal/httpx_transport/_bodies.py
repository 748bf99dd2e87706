"""Conversion of azure-core request bodies and headers for httpx."""

from __future__ import annotations

import inspect
import io
import os
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any, Optional, Union

from ._types import AnyHttpRequest


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
