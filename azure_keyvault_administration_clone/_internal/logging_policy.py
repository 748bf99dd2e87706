"""Network trace logging that never writes a bearer token or SAS signature.

azure-core's ``NetworkTraceLoggingPolicy`` logs every request header and body
as sent when ``logging_enable=True``, including ``Authorization`` and the SAS
token in a backup request's body. This policy logs the same trace at DEBUG
level with those values replaced by ``REDACTED``.
"""

import json
import logging
import re
from typing import Any

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import SansIOHTTPPolicy

_LOGGER = logging.getLogger(__name__)

REDACTED = "REDACTED"
_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-ms-authorization-auxiliary"}
)
# Request body fields that carry a SAS token.
_SECRET_FIELDS = frozenset({"token"})
_SAS_SIGNATURE = re.compile(r"(?i)(\bsig=)[^&\"'\s]+")
# A bearer token, but not the parameters of a "Bearer authorization=..." challenge.
_BEARER = re.compile(r"(?i)(\bbearer\s+)(?![A-Za-z_]+=)[A-Za-z0-9\-._~+/]+=*")


def redact_text(text: str) -> str:
    """Replace SAS signatures and bearer tokens in free text."""
    return _BEARER.sub(r"\1" + REDACTED, _SAS_SIGNATURE.sub(r"\1" + REDACTED, text))


def _redact_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: REDACTED
            if key.lower() in _SECRET_FIELDS and item
            else _redact_json(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_redact_json(item) for item in value]
    return value


def redact_body(body: Any) -> str:
    if isinstance(body, (bytes, bytearray)):
        text = bytes(body).decode("utf-8", errors="replace")
    else:
        text = str(body)
    try:
        parsed = json.loads(text)
    except ValueError:
        return redact_text(text)
    return redact_text(json.dumps(_redact_json(parsed)))


def _header_lines(headers: Any) -> str:
    lines = []
    for name, value in headers.items():
        shown = REDACTED if name.lower() in _SECRET_HEADERS else redact_text(str(value))
        lines.append(f"\n    '{name}': '{shown}'")
    return "".join(lines)


class RedactingNetworkTraceLoggingPolicy(SansIOHTTPPolicy):  # type: ignore[type-arg]
    """Log requests and responses at DEBUG level with secrets redacted.

    Like azure-core's network trace, it is on per client with
    ``logging_enable=True`` or per call with the same keyword.
    """

    def __init__(self, logging_enable: bool = False, **kwargs: Any) -> None:
        self.enable_http_logger = logging_enable

    def on_request(self, request: PipelineRequest[Any]) -> None:
        enabled = request.context.options.pop("logging_enable", self.enable_http_logger)
        request.context["logging_enable"] = enabled
        if not enabled or not _LOGGER.isEnabledFor(logging.DEBUG):
            return
        http_request = request.http_request
        message = f"Request URL: '{redact_text(http_request.url)}'"
        message += f"\nRequest method: '{http_request.method}'"
        message += "\nRequest headers:" + _header_lines(http_request.headers)
        body = getattr(http_request, "content", None)
        if body is None or body in (b"", ""):
            message += "\nThis request has no body"
        elif isinstance(body, (bytes, bytearray, str)):
            message += "\nRequest body:\n" + redact_body(body)
        else:
            message += "\nRequest body: not logged (streamed content)"
        _LOGGER.debug(message)

    def on_response(
        self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]
    ) -> None:
        if not response.context.get("logging_enable") or not _LOGGER.isEnabledFor(
            logging.DEBUG
        ):
            return
        http_response = response.http_response
        message = f"Response status: '{http_response.status_code}'"
        message += "\nResponse headers:" + _header_lines(http_response.headers)
        if response.context.options.get("stream", False):
            message += "\nResponse content: streamed, not logged"
        else:
            try:
                message += "\nResponse content:\n" + redact_text(http_response.text())
            except Exception:  # a body that cannot be decoded is not logged
                message += "\nResponse content: not decodable"
        _LOGGER.debug(message)
