"""Errors in the Key Vault wire shape and JSON responses."""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional

from starlette.responses import Response

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


class ServiceError(Exception):
    """An error returned as ``{"error": {"code": ..., "message": ...}}``.

    The message gets the suffix `` (Activity ID: <request id>)`` when it is sent,
    as the live service does.

    :param status: HTTP status code.
    :param code: Key Vault error code, e.g. ``BadParameter``.
    :param message: Sentence that says what failed and on which value.
    :param headers: Extra response headers.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def bad_parameter(message: str) -> ServiceError:
    """Return a 400 ``BadParameter`` error."""
    return ServiceError(400, "BadParameter", message)


def encode_json(body: Any, *, sort_keys: bool = True) -> bytes:
    """Serialize ``body`` compactly; keys are sorted unless ``sort_keys`` is false."""
    return json.dumps(body, separators=(",", ":"), sort_keys=sort_keys).encode()


def json_response(
    body: Any,
    status: int = 200,
    *,
    headers: Optional[Mapping[str, str]] = None,
    sort_keys: bool = True,
) -> Response:
    """Build a JSON response with the service's content type."""
    return Response(
        encode_json(body, sort_keys=sort_keys),
        status_code=status,
        headers=dict(headers or {}),
        media_type=JSON_CONTENT_TYPE,
    )


def empty_response(
    status: int, *, headers: Optional[Mapping[str, str]] = None
) -> Response:
    """Build a bodiless response that still carries the JSON content type."""
    response = Response(b"", status_code=status, headers=dict(headers or {}))
    response.headers["content-type"] = JSON_CONTENT_TYPE
    return response


def error_response(error: ServiceError, request_id: str) -> Response:
    """Render ``error`` with the Activity ID suffix the live service appends."""
    body = {
        "error": {
            "code": error.code,
            "message": f"{error.message} (Activity ID: {request_id})",
        }
    }
    return json_response(body, error.status, headers=error.headers)
