"""Mapping of httpx errors to azure-core errors whose messages omit secrets."""

from __future__ import annotations

import re
from typing import Type
from urllib.parse import urlsplit

import httpx
from azure.core.exceptions import (
    AzureError,
    DecodeError,
    IncompleteReadError,
    ServiceRequestError,
    ServiceRequestTimeoutError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)

from ._types import AnyHttpRequest

_SENSITIVE_QUERY_PARAM = re.compile(r"(?i)\b(sig|signature)=[^&\s'\"]+")


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
